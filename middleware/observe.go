package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"
)

// Outcome is what became of a request at one step of the middleware.
type Outcome uint8

const (
	// OutcomeAuthenticated: a session was established.
	OutcomeAuthenticated Outcome = iota + 1
	// OutcomeAnonymous: an Optional route saw no credential and let the
	// request through without a session.
	OutcomeAnonymous
	// OutcomeRejected: the request was refused with 401 or 403 (a missing,
	// malformed, invalid or revoked credential, or a cross-origin request).
	OutcomeRejected
	// OutcomeUnavailable: the request was refused with 503 because Stytch
	// or the RBAC policy could not be consulted.
	OutcomeUnavailable
	// OutcomeAuthorized: an authorization check granted the action.
	OutcomeAuthorized
	// OutcomeDenied: an authorization check denied the action, or a route
	// table had no rule for the route (403).
	OutcomeDenied
)

// String names the outcome, for metric labels.
func (o Outcome) String() string {
	switch o {
	case OutcomeAuthenticated:
		return "authenticated"
	case OutcomeAnonymous:
		return "anonymous"
	case OutcomeRejected:
		return "rejected"
	case OutcomeUnavailable:
		return "unavailable"
	case OutcomeAuthorized:
		return "authorized"
	case OutcomeDenied:
		return "denied"
	}
	return "unknown"
}

// Observation describes one authentication or authorization decision, for
// metrics. It holds no credential.
type Observation struct {
	Outcome Outcome
	// Code is the refusal's code; empty when the request went on.
	Code Code
	// Verification says how the session was verified (VerifiedNone when no
	// session was established).
	Verification Verification
	// Source is the Name of the credential's Source, empty when none.
	Source string
	// Cached is true when a remote answer came from the session-token cache
	// or, in fleet mode, from an answer another replica shared.
	Cached bool
	// FleetDown is true when the decision was made in fleet mode while the
	// fleet's feed was not live: revocations made on other replicas may
	// not have been seen (see Config.FleetOutage).
	FleetDown bool
	// Duration is the time the decision took, measured with the wall clock
	// (not Config.Now).
	Duration time.Duration
}

// Observer receives an Observation for every decision: one per
// authentication, and one per authorization check. It is called on the
// request's goroutine, so it must be fast (increment a counter, observe a
// histogram) and safe for concurrent use.
type Observer func(ctx context.Context, o Observation)

// startTimer reads the wall clock only when someone observes.
func (a *Authenticator) startTimer() time.Time {
	if a.observer == nil {
		return time.Time{}
	}
	return time.Now()
}

func (a *Authenticator) observe(ctx context.Context, start time.Time, o Observation) {
	if a.fleet != nil {
		o.FleetDown = a.fleetDown(ctx) // logs a change even without an observer
	}
	if a.observer == nil {
		return
	}
	o.Duration = time.Since(start)
	a.observer(ctx, o)
}

// outcomeOf classifies a refusal.
func outcomeOf(err error) Outcome {
	switch code := CodeOf(err); {
	case code == ErrForbidden, code == ErrMemberForbidden, code == ErrTenancy,
		code == ErrInsufficientScope, code == ErrNoRule:
		return OutcomeDenied
	case code.Status() >= 500:
		return OutcomeUnavailable
	}
	return OutcomeRejected
}

// tokenFingerprint is what logs may say about a credential: the first 6
// bytes of its SHA-256, enough to correlate log lines about one token and
// nothing that helps to use or rebuild it.
func tokenFingerprint(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:6])
}

// logRefusal says why a request was refused, never with the credential.
// Refusals of the credential are logged at Info, outages (503) at Warn.
func (a *Authenticator) logRefusal(ctx context.Context, err error, source, token string) {
	code := CodeOf(err)
	level := slog.LevelInfo
	if code.Status() >= 500 {
		level = slog.LevelWarn
	}
	if !a.logger.Enabled(ctx, level) {
		return // spare the fingerprint's hash
	}
	a.logger.LogAttrs(ctx, level, "stytchmw: request refused",
		slog.String("code", string(code)),
		slog.Int("status", code.Status()),
		slog.String("reason", err.Error()),
		slog.String("source", source),
		slog.String("token_sha256_prefix", tokenFingerprint(token)),
	)
}
