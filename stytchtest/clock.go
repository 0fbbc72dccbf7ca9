package stytchtest

import (
	"sync"
	"time"
)

// clock is the emulator's time. A clock started from Config.Now stands still
// and moves only with Advance, so tests are exact; otherwise it follows the
// real time, shifted by every Advance, so a long-running emulator issues
// JWTs that real verifiers accept.
type clock struct {
	mu        sync.Mutex
	frozen    bool
	start     time.Time // the emulator's time at realStart
	realStart time.Time // carries a monotonic reading
	offset    time.Duration
}

func newClock(start time.Time) *clock {
	c := &clock{realStart: time.Now()}
	if start.IsZero() {
		c.start = c.realStart.Round(0)
	} else {
		c.start, c.frozen = start, true
	}
	return c
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.start.Add(c.offset)
	if !c.frozen {
		t = t.Add(time.Since(c.realStart))
	}
	return t.UTC()
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Now returns the emulator's current time. Every timestamp the emulator
// issues (JWT iat, nbf and exp, session times) follows it, so tests pass
// srv.Now wherever a func() time.Time clock is wanted, such as the
// middleware's Config.Now.
func (s *Server) Now() time.Time { return s.clock.now() }

// Advance moves the emulator's clock by d (which may be negative): JWTs and
// sessions expire without anyone sleeping.
func (s *Server) Advance(d time.Duration) { s.clock.advance(d) }

// stamp is the emulator's time at the second precision of Stytch's
// timestamps.
func (s *Server) stamp() time.Time { return s.clock.now().Truncate(time.Second) }
