package stytchtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// SessionClaim is the name of the JWT claim that carries the session.
const SessionClaim = "https://stytch.com/session"

// JWTLifetime is how long a session JWT is valid after it is issued.
const JWTLifetime = 5 * time.Minute

// maxJWTBytes bounds the JWTs the emulator reads.
const maxJWTBytes = 16 << 10

// timeFormat is Stytch's timestamp format: RFC 3339, seconds, UTC.
const timeFormat = "2006-01-02T15:04:05Z"

// sessionClaim is the session claim of a JWT, with its fields in the order
// Stytch writes them.
type sessionClaim struct {
	ID                    string                        `json:"id"`
	StartedAt             string                        `json:"started_at"`
	LastAccessedAt        string                        `json:"last_accessed_at"`
	ExpiresAt             string                        `json:"expires_at"`
	Attributes            client.Attributes             `json:"attributes"`
	AuthenticationFactors []client.AuthenticationFactor `json:"authentication_factors"`
	Roles                 []string                      `json:"roles"`
}

// Issuer returns the iss of the emulator's JWTs: stytch.com/<project_id>.
func (s *Server) Issuer() string { return "stytch.com/" + s.ProjectID }

// JWTClaims returns the claims the emulator puts in a JWT for session, issued
// now on the emulator's clock. Tests edit them and sign the result with
// SignToken to build hostile tokens.
func (s *Server) JWTClaims(session client.Session) map[string]any {
	return s.jwtClaims(session, s.stamp())
}

func (s *Server) jwtClaims(session client.Session, issuedAt time.Time) map[string]any {
	attributes := client.Attributes{}
	if session.Attributes != nil {
		attributes = *session.Attributes
	}
	claims := s.registeredClaims(session.CustomClaims, session.UserID, issuedAt, JWTLifetime)
	claims[SessionClaim] = newSessionClaim(session.SessionID, session.StartedAt, session.LastAccessedAt, session.ExpiresAt,
		attributes, session.AuthenticationFactors, session.Roles)
	return claims
}

// registeredClaims returns custom (reserved names left out) with Stytch's
// registered claims for sub, issued at issuedAt and valid for lifetime.
func (s *Server) registeredClaims(custom map[string]any, sub string, issuedAt time.Time, lifetime time.Duration) map[string]any {
	claims := make(map[string]any, len(custom)+8)
	for name, value := range custom {
		if !client.IsReservedClaim(name) {
			claims[name] = value
		}
	}
	maps.Copy(claims, map[string]any{
		"aud": []string{s.ProjectID},
		"exp": issuedAt.Add(lifetime).Unix(),
		"iat": issuedAt.Unix(),
		"iss": s.Issuer(),
		"nbf": issuedAt.Unix(),
		"sub": sub,
	})
	return claims
}

// newSessionClaim builds the session claim of a session or member session
// JWT.
func newSessionClaim(id string, started, lastAccessed, expires time.Time, attributes client.Attributes,
	factors []client.AuthenticationFactor, roles []string) sessionClaim {
	inJWT := make([]client.AuthenticationFactor, len(factors))
	for i, f := range factors {
		// Stytch leaves the bookkeeping times out of the JWT.
		f.CreatedAt, f.UpdatedAt = time.Time{}, time.Time{}
		inJWT[i] = f
	}
	return sessionClaim{
		ID:                    id,
		StartedAt:             started.UTC().Format(timeFormat),
		LastAccessedAt:        lastAccessed.UTC().Format(timeFormat),
		ExpiresAt:             expires.UTC().Format(timeFormat),
		Attributes:            attributes,
		AuthenticationFactors: inJWT,
		Roles:                 append(make([]string, 0, len(roles)), roles...),
	}
}

// OrganizationClaim is the name of the JWT claim that carries a member
// session's organization.
const OrganizationClaim = "https://stytch.com/organization"

// organizationClaim is the organization claim of a member session JWT.
type organizationClaim struct {
	OrganizationID string `json:"organization_id"`
	Slug           string `json:"slug"`
}

// MemberJWTClaims returns the claims the emulator puts in a JWT for a
// member session, issued now on the emulator's clock. Tests edit them and
// sign the result with SignToken to build hostile tokens.
func (s *Server) MemberJWTClaims(session MemberSession) map[string]any {
	return s.memberJWTClaims(session, s.stamp())
}

func (s *Server) memberJWTClaims(session MemberSession, issuedAt time.Time) map[string]any {
	claims := s.registeredClaims(session.CustomClaims, session.MemberID, issuedAt, JWTLifetime)
	claims[SessionClaim] = newSessionClaim(session.MemberSessionID, session.StartedAt, session.LastAccessedAt, session.ExpiresAt,
		client.Attributes{}, session.AuthenticationFactors, session.Roles)
	claims[OrganizationClaim] = organizationClaim{OrganizationID: session.OrganizationID, Slug: session.OrganizationSlug}
	return claims
}

// mintMemberJWT issues a JWT for a member session now, signed by the
// current key.
func (s *Server) mintMemberJWT(session MemberSession) (string, error) {
	key := s.currentKey()
	return signJWT(key, standardHeader(key.kid), s.memberJWTClaims(session, s.stamp()))
}

// mintJWT issues a JWT for session now, signed by the current key.
func (s *Server) mintJWT(session client.Session) (string, error) {
	key := s.currentKey()
	return signJWT(key, standardHeader(key.kid), s.jwtClaims(session, s.stamp()))
}

// standardHeader is exactly the header of Stytch's session JWTs.
func standardHeader(kid string) map[string]any {
	return map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"}
}

// SignToken signs claims with RS256 under header, using the served key named
// kid, or the current signing key when kid is empty. A nil header is
// Stytch's ({"alg":"RS256","kid":…,"typ":"JWT"}); any other header is used
// as given, however hostile (alg "none", no kid, a foreign kid…), while the
// signature is always RS256 by the chosen key. It is for tests of what a
// verifier must refuse.
func (s *Server) SignToken(header, claims map[string]any, kid string) (string, error) {
	var key *signingKey
	if kid == "" {
		key = s.currentKey()
	} else if key = s.servedKey(kid); key == nil {
		return "", fmt.Errorf("stytchtest: no served key has kid %q", kid)
	}
	if header == nil {
		header = standardHeader(key.kid)
	}
	return signJWT(key, header, claims)
}

func signJWT(key *signingKey, header, claims map[string]any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("stytchtest: encode JWT header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("stytchtest: encode JWT claims: %w", err)
	}
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.private, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("stytchtest: sign JWT: %w", err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// jwtSubject is what an authentic JWT names.
type jwtSubject struct {
	sessionID, userID string
	orgID             string // a member session JWT's organization
}

// errJWT refuses a JWT that is not one the emulator could have
// issued. Stytch's status for these is unconfirmed; the emulator answers 400.
func errJWT(format string, args ...any) *client.StytchError {
	return badRequest(client.ErrUnableToParseSessionJWT, format, args...)
}

// verifyJWT checks that token is a JWT signed by a served key, for this
// project, naming a session. It does not check exp: Stytch accepts an
// expired JWT whose session is still active.
func (s *Server) verifyJWT(token string) (jwtSubject, *client.StytchError) {
	payload, e := s.verifySignature(token, "session_jwt")
	if e != nil {
		return jwtSubject{}, e
	}
	var claims struct {
		Aud     json.RawMessage `json:"aud"`
		Iss     string          `json:"iss"`
		Sub     string          `json:"sub"`
		Session *struct {
			ID string `json:"id"`
		} `json:"https://stytch.com/session"`
		Organization *organizationClaim `json:"https://stytch.com/organization"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return jwtSubject{}, errJWT("session_jwt's claims are not base64url JSON of the expected types.")
	}
	if !audienceHas(claims.Aud, s.ProjectID) {
		return jwtSubject{}, badRequest("jwt_invalid_audience", "session_jwt's aud does not name this project.")
	}
	if claims.Iss != s.Issuer() {
		return jwtSubject{}, badRequest("jwt_invalid_issuer", "session_jwt's iss is not %s.", s.Issuer())
	}
	if claims.Session == nil || claims.Session.ID == "" || claims.Sub == "" {
		return jwtSubject{}, badRequest("jwt_invalid_claims", "session_jwt has no sub or no session claim with an id: it is not a session JWT.")
	}
	sub := jwtSubject{sessionID: claims.Session.ID, userID: claims.Sub}
	if s.b2b {
		if claims.Organization == nil || claims.Organization.OrganizationID == "" {
			return jwtSubject{}, badRequest("jwt_invalid_claims", "session_jwt has no organization claim: it is not a member session JWT.")
		}
		sub.orgID = claims.Organization.OrganizationID
	}
	return sub, nil
}

// verifySignature checks that token is a JWT with Stytch's header, signed
// by a served key, and returns its claims' JSON. name names the token in
// errors.
func (s *Server) verifySignature(token, name string) ([]byte, *client.StytchError) {
	if len(token) > maxJWTBytes {
		return nil, errJWT("%s is longer than %d bytes.", name, maxJWTBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errJWT("%s is not a JWT (three dot-separated parts).", name)
	}
	var header struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Typ  *string         `json:"typ"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, errJWT("%s's header is not base64url JSON.", name)
	}
	switch {
	case header.Alg != "RS256":
		return nil, errJWT("%s's alg is not RS256.", name)
	case header.Kid == "":
		return nil, errJWT("%s's header has no kid.", name)
	case header.Typ != nil && !strings.EqualFold(*header.Typ, "JWT"):
		return nil, errJWT("%s's typ is not JWT.", name)
	case header.Crit != nil:
		return nil, errJWT("%s has a crit header, which the emulator does not understand.", name)
	}
	key := s.servedKey(header.Kid)
	if key == nil {
		return nil, errJWT("%s's kid names no key the project serves.", name)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errJWT("%s's signature is not base64url.", name)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&key.private.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return nil, errJWT("%s's signature does not verify.", name)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errJWT("%s's claims are not base64url.", name)
	}
	return payload, nil
}

func decodeSegment(segment string, dst any) error {
	data, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, dst)
}

// audienceHas reports whether aud (a string or an array of strings) holds
// want.
func audienceHas(aud json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(aud, &many) == nil {
		return slices.Contains(many, want)
	}
	return false
}
