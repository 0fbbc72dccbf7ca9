package docsapi

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/stytchmw/stytchmw/fleet"
	"github.com/stytchmw/stytchmw/fleet/redisfleet"
)

// OpenFleet returns the fleet's store when STYTCH_REDIS_URL is set (nil
// when it is not: a single process, exactly as without it), and the
// function that closes it. The store's keys are derived from the Stytch
// project's secret, which the replicas share and Redis never sees.
func (d *Demo) OpenFleet() (fleet.Store, func(), error) {
	if d.cfg.RedisURL == "" {
		return nil, func() {}, nil
	}
	opts, err := redis.ParseURL(d.cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrConfig, EnvRedisURL, err)
	}
	store, err := redisfleet.New(redisfleet.Config{
		Redis:  opts,
		Secret: []byte(d.Stytch.Secret),
		Now:    d.Now,
		Logger: d.Logger.With("component", "fleet"),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("fleet: %w", err)
	}
	return store, func() { _ = store.Close() }, nil
}
