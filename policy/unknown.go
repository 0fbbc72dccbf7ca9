package policy

import (
	"log/slog"
	"time"

	gocache "github.com/patrickmn/go-cache"
)

// A check naming an undefined resource or action is logged once per
// distinct pair per unknownTTL; at most maxUnknownPairs pairs are
// remembered, and names are cut to maxLoggedName bytes, so that a flood of
// distinct names costs bounded memory and log volume.
const (
	unknownTTL      = time.Hour
	maxUnknownPairs = 256
	maxLoggedName   = 128
)

// overflowKey marks that the pair limit was reached; it cannot collide with
// a pair's key, which holds a NUL between two cut names.
const overflowKey = "overflow"

// unknownLog logs checks that name a resource or an action the policy does
// not define, so that a typo in a rule is found, without logging each one.
// go-cache gives the expiry; its janitor goroutine is not started (the
// Cache's refresh loop drops expired pairs instead).
type unknownLog struct {
	log  *slog.Logger
	seen *gocache.Cache
}

func newUnknownLog(log *slog.Logger) *unknownLog {
	return &unknownLog{log: log, seen: gocache.New(unknownTTL, 0)}
}

func (u *unknownLog) warn(de *DenialError) {
	resource, action := cut(de.Resource), cut(de.Action)
	key := resource + "\x00" + action
	if _, found := u.seen.Get(key); found {
		return
	}
	if u.seen.ItemCount() >= maxUnknownPairs {
		u.seen.DeleteExpired()
		if u.seen.ItemCount() >= maxUnknownPairs {
			if u.seen.Add(overflowKey, struct{}{}, gocache.DefaultExpiration) == nil {
				u.log.Warn("policy: too many distinct checks name an undefined resource or action; not logging more for an hour",
					slog.Int("pairs", maxUnknownPairs))
			}
			return
		}
	}
	if u.seen.Add(key, struct{}{}, gocache.DefaultExpiration) != nil {
		return // another check logged it meanwhile
	}
	u.log.Warn("policy: authorization check names a resource or action the RBAC policy does not define (a typo in a rule?); denied",
		slog.String("resource", resource), slog.String("action", action), slog.String("reason", de.Reason.String()))
}

// reset forgets the pairs logged: a new policy may define them, or no
// longer define others.
func (u *unknownLog) reset() { u.seen.Flush() }

func (u *unknownLog) dropExpired() { u.seen.DeleteExpired() }

// cut bounds a caller's name before it is logged or remembered.
func cut(s string) string {
	if len(s) > maxLoggedName {
		return s[:maxLoggedName] + "…"
	}
	return s
}
