package jwtverify

import (
	"crypto/rsa"
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// sessionClaim is the https://stytch.com/session claim as Stytch signs it.
type sessionClaim struct {
	ID                    string                        `json:"id"`
	StartedAt             claimTime                     `json:"started_at"`
	LastAccessedAt        claimTime                     `json:"last_accessed_at"`
	ExpiresAt             claimTime                     `json:"expires_at"`
	Attributes            *client.Attributes            `json:"attributes"`
	AuthenticationFactors []client.AuthenticationFactor `json:"authentication_factors"`
	Roles                 []string                      `json:"roles"`
}

// claimTime is an RFC 3339 timestamp of the session claim; an empty string
// or null stands for "absent" (old tokens lack expires_at).
type claimTime struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *claimTime) UnmarshalJSON(b []byte) error {
	if s := bytesString(b); s == `""` || s == "null" {
		t.Time = time.Time{}
		return nil
	}
	return t.Time.UnmarshalJSON(b)
}

// verified is what the cache keeps of a verified token: the Result handed
// out and what the cache needs to re-check the time claims. Each kind of
// token embeds it in a struct of its own (sessionVerified,
// memberVerified, accessVerified) with what its Result points to, so that
// a token costs one allocation and an entry holds only its own kind's
// fields.
type verified struct {
	result   Result
	iat, nbf time.Time
	exp      time.Time
	deadline time.Time // the cache entry lives until then
	// key verified the token; keyGen is the generation of the key set in
	// which it was last found (see Verifier.keyInForce).
	key    *rsa.PublicKey
	keyGen atomic.Uint64
}

// sessionVerified is a consumer session JWT's entry.
type sessionVerified struct {
	verified
	session    client.Session
	attributes client.Attributes
	scratch    sessionClaim
}

// newVerified checks the registered claims every kind requires (sub, exp,
// nbf, iat) and maps an authentic token of kind k to its Result.
func newVerified(c *claims, payload []byte, kid string, k Kind) (*verified, error) {
	switch {
	case !c.hasSub || c.sub == "":
		return nil, fail(ErrClaims, "sub missing")
	case !c.exp.set || !c.nbf.set || !c.iat.set:
		return nil, fail(ErrClaims, "exp, nbf and iat are required")
	}
	var (
		v   *verified
		err error
	)
	switch k {
	case KindSession:
		v, err = newSessionVerified(c, payload)
	case KindMemberSession:
		v, err = newMemberVerified(c, payload)
	default:
		v, err = newAccessVerified(c, payload)
	}
	if err != nil {
		return nil, err
	}
	v.result.Kind, v.result.IssuedAt, v.result.ExpiresAt, v.result.KeyID = k, v.iat, v.exp, strings.Clone(kid)
	return v, nil
}

// setTimes sets the token's time claims, in UTC.
func (v *verified) setTimes(c *claims) {
	v.iat, v.nbf, v.exp = c.iat.time(), c.nbf.time(), c.exp.time()
}

// newSessionVerified maps the claims of an authentic consumer session JWT
// to a Session as the remote authenticate endpoint would answer it:
// session_id from the session claim's id, user_id from sub, the three
// timestamps in UTC (expires_at falls back to exp), attributes never nil,
// factors and roles never nil, custom claims every non-reserved top-level
// claim (never nil).
func newSessionVerified(c *claims, payload []byte) (*verified, error) {
	v := &sessionVerified{}
	v.setTimes(c)
	sc := &v.scratch
	sc.Attributes = &v.attributes // decoded in place: no allocation of its own
	if err := readSessionClaim(c, sc, v.exp); err != nil {
		return nil, err
	}
	s := &v.session
	s.SessionID = sc.ID
	s.UserID = strings.Clone(c.sub) // not an alias: the payload buffer need not outlive the token
	s.StartedAt, s.LastAccessedAt, s.ExpiresAt = sc.StartedAt.Time, sc.LastAccessedAt.Time, sc.ExpiresAt.Time
	if sc.Attributes == nil { // the claim said null
		sc.Attributes = &v.attributes
	}
	s.Attributes = sc.Attributes
	s.AuthenticationFactors = sc.AuthenticationFactors
	s.Roles = sc.Roles
	custom, err := customClaims(c, payload, KindSession)
	if err != nil {
		return nil, err
	}
	s.CustomClaims = custom
	v.scratch = sessionClaim{}
	v.result.Session = s
	return &v.verified, nil
}

// readSessionClaim decodes the session claim into sc, whose Attributes
// the caller points at where they are to be decoded, and normalises it as
// the remote authenticate endpoint answers: the id and started_at and
// last_accessed_at required, timestamps in UTC, expires_at falling back to
// exp, factors and roles never nil.
func readSessionClaim(c *claims, sc *sessionClaim, exp time.Time) error {
	if err := json.Unmarshal(c.session, sc); err != nil {
		return fail(ErrClaims, "session claim: "+err.Error())
	}
	switch {
	case sc.ID == "":
		return fail(ErrClaims, "the session claim has no id")
	case sc.StartedAt.IsZero() || sc.LastAccessedAt.IsZero():
		return fail(ErrClaims, "the session claim lacks started_at or last_accessed_at")
	}
	sc.StartedAt.Time, sc.LastAccessedAt.Time = sc.StartedAt.UTC(), sc.LastAccessedAt.UTC()
	sc.ExpiresAt.Time = sc.ExpiresAt.UTC()
	if sc.ExpiresAt.IsZero() {
		sc.ExpiresAt.Time = exp
	}
	if sc.AuthenticationFactors == nil {
		sc.AuthenticationFactors = []client.AuthenticationFactor{}
	}
	for i := range sc.AuthenticationFactors {
		f := &sc.AuthenticationFactors[i]
		f.LastAuthenticatedAt, f.CreatedAt, f.UpdatedAt = utc(f.LastAuthenticatedAt), utc(f.CreatedAt), utc(f.UpdatedAt)
	}
	if sc.Roles == nil {
		sc.Roles = []string{}
	}
	return nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// customClaims decodes the non-reserved top-level claims, the custom claims
// of a token of kind k (an access token's scope and client_id are not
// custom; a session's may be); the payload is scanned again only when it
// has some.
func customClaims(c *claims, payload []byte, k Kind) (map[string]any, error) {
	custom := make(map[string]any)
	if !c.hasCustomClaims && (k == KindAccessToken || c.scope == nil && c.clientID == nil) {
		return custom, nil
	}
	m, err := newMembers(payload)
	if err != nil {
		return nil, fail(ErrMalformed, "payload: "+err.Error())
	}
	for {
		name, value, ok, err := m.next()
		if err != nil {
			return nil, fail(ErrMalformed, "payload: "+err.Error())
		}
		if !ok {
			return custom, nil
		}
		if client.IsReservedClaim(name) || k == KindAccessToken && (name == "scope" || name == "client_id") {
			continue
		}
		var v any
		if err := json.Unmarshal(value, &v); err != nil {
			return nil, fail(ErrClaims, "custom claim: "+err.Error())
		}
		custom[strings.Clone(name)] = v
	}
}
