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

// verified is everything a verified token yields, in one allocation: the
// Result handed out, the Session it points to, and what the cache needs to
// re-check the time claims.
type verified struct {
	result     Result
	session    client.Session
	attributes client.Attributes
	iat, nbf   time.Time
	exp        time.Time
	deadline   time.Time // the cache entry lives until then
	scratch    sessionClaim
	// key verified the token; keyGen is the generation of the key set in
	// which it was last found (see Verifier.keyInForce).
	key    *rsa.PublicKey
	keyGen atomic.Uint64
}

// newVerified maps the claims of an authentic token to a Session as the
// remote authenticate endpoint would answer it: session_id from the session
// claim's id, user_id from sub, the three timestamps in UTC (expires_at
// falls back to exp), attributes never nil, factors and roles never nil,
// custom claims every non-reserved top-level claim (never nil).
func newVerified(c *claims, payload []byte, kid string) (*verified, error) {
	switch {
	case !c.hasSub || c.sub == "":
		return nil, fail(ErrClaims, "sub missing")
	case !c.exp.set || !c.nbf.set || !c.iat.set:
		return nil, fail(ErrClaims, "exp, nbf and iat are required")
	case c.session == nil:
		return nil, fail(ErrClaims, "the session claim is missing")
	}
	v := &verified{}
	sc := &v.scratch
	sc.Attributes = &v.attributes // decoded in place: no allocation of its own
	if err := json.Unmarshal(c.session, sc); err != nil {
		return nil, fail(ErrClaims, "session claim: "+err.Error())
	}
	switch {
	case sc.ID == "":
		return nil, fail(ErrClaims, "the session claim has no id")
	case sc.StartedAt.IsZero() || sc.LastAccessedAt.IsZero():
		return nil, fail(ErrClaims, "the session claim lacks started_at or last_accessed_at")
	}
	v.iat, v.nbf, v.exp = c.iat.time(), c.nbf.time(), c.exp.time()

	s := &v.session
	s.SessionID = sc.ID
	s.UserID = strings.Clone(c.sub) // not an alias: the payload buffer need not outlive the token
	s.StartedAt = sc.StartedAt.UTC()
	s.LastAccessedAt = sc.LastAccessedAt.UTC()
	s.ExpiresAt = sc.ExpiresAt.UTC()
	if sc.ExpiresAt.IsZero() {
		s.ExpiresAt = v.exp
	}
	if sc.Attributes == nil { // the claim said null
		sc.Attributes = &v.attributes
	}
	s.Attributes = sc.Attributes
	s.AuthenticationFactors = sc.AuthenticationFactors
	if s.AuthenticationFactors == nil {
		s.AuthenticationFactors = []client.AuthenticationFactor{}
	}
	for i := range s.AuthenticationFactors {
		f := &s.AuthenticationFactors[i]
		f.LastAuthenticatedAt, f.CreatedAt, f.UpdatedAt = utc(f.LastAuthenticatedAt), utc(f.CreatedAt), utc(f.UpdatedAt)
	}
	s.Roles = sc.Roles
	if s.Roles == nil {
		s.Roles = []string{}
	}
	custom, err := customClaims(c, payload)
	if err != nil {
		return nil, err
	}
	s.CustomClaims = custom
	v.scratch = sessionClaim{}
	v.result = Result{Session: s, IssuedAt: v.iat, ExpiresAt: v.exp, KeyID: strings.Clone(kid)}
	return v, nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// customClaims decodes the non-reserved top-level claims, the custom claims
// of the session; the payload is scanned again only when it has some.
func customClaims(c *claims, payload []byte) (map[string]any, error) {
	custom := make(map[string]any)
	if !c.hasCustomClaims {
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
		if client.IsReservedClaim(name) {
			continue
		}
		var v any
		if err := json.Unmarshal(value, &v); err != nil {
			return nil, fail(ErrClaims, "custom claim: "+err.Error())
		}
		custom[strings.Clone(name)] = v
	}
}
