package policy

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stytchmw/stytchmw/internal/expiring"
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

// unknownLog logs checks that name a resource or an action the policy does
// not define, so that a typo in a rule is found, without logging each one.
// The pairs logged are held in a bounded expiring map that refuses new
// pairs when full (the pairs already logged stay quiet); that the bound was
// reached is itself logged once per unknownTTL.
type unknownLog struct {
	log  *slog.Logger
	now  func() time.Time
	seen *expiring.Map[string, struct{}]

	mu            sync.Mutex
	overflowUntil time.Time // the bound's warning is not repeated before this
}

func newUnknownLog(log *slog.Logger, now func() time.Time) *unknownLog {
	return &unknownLog{log: log, now: now, seen: expiring.New[string, struct{}](maxUnknownPairs, expiring.RejectNew, now)}
}

func (u *unknownLog) warn(de *DenialError) {
	resource, action := cut(de.Resource), cut(de.Action)
	key := resource + "\x00" + action
	if _, logged := u.seen.Get(key); logged {
		return // the common case, under a read lock only
	}
	now := u.now()
	switch err := u.seen.Add(key, struct{}{}, now.Add(unknownTTL)); {
	case err == nil:
		u.log.Warn("policy: authorization check names a resource or action the RBAC policy does not define (a typo in a rule?); denied",
			slog.String("resource", resource), slog.String("action", action), slog.String("reason", de.Reason.String()))
	case errors.Is(err, expiring.ErrFull):
		u.mu.Lock()
		first := !now.Before(u.overflowUntil)
		if first {
			u.overflowUntil = now.Add(unknownTTL)
		}
		u.mu.Unlock()
		if first {
			u.log.Warn("policy: too many distinct checks name an undefined resource or action; not logging more for an hour",
				slog.Int("pairs", maxUnknownPairs))
		}
	}
	// expiring.ErrExists: another check logged it meanwhile.
}

// reset forgets the pairs logged: a new policy may define them, or no
// longer define others.
func (u *unknownLog) reset() {
	u.seen.Clear()
	u.mu.Lock()
	u.overflowUntil = time.Time{}
	u.mu.Unlock()
}

// cut bounds a caller's name before it is logged or remembered.
func cut(s string) string {
	if len(s) > maxLoggedName {
		return s[:maxLoggedName] + "…"
	}
	return s
}
