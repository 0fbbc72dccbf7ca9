package stytchtest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/stytchmw/stytchmw/client"
)

// servedKeySet fetches the JWKS over HTTP, without credentials, and parses
// it with jwx.
func servedKeySet(t *testing.T, srv *Server) jwk.Set {
	t.Helper()
	path := "/v1/sessions/jwks/" + srv.ProjectID
	if srv.b2b {
		path = "/v1/b2b/sessions/jwks/" + srv.ProjectID
	}
	return keySetAt(t, srv, path)
}

// keySetAt fetches, without credentials, and parses the key set at path.
func keySetAt(t *testing.T, srv *Server, path string) jwk.Set {
	t.Helper()
	r := call(t, srv, http.MethodGet, path, nil, false)
	if r.status != http.StatusOK {
		t.Fatalf("JWKS status %d: %s", r.status, r.body)
	}
	set, err := jwk.Parse(r.body)
	if err != nil {
		t.Fatalf("jwx cannot parse the served JWKS: %v", err)
	}
	return set
}

// verifyJWX verifies token with jwx against the served JWKS, on the
// emulator's clock, for the emulator's audience and issuer, and returns its
// decoded claims.
func verifyJWX(t *testing.T, srv *Server, token string) map[string]any {
	t.Helper()
	if _, err := parseJWX(t, srv, token); err != nil {
		t.Fatalf("jwx refuses the emulator's JWT: %v", err)
	}
	return jwtClaims(t, token)
}

func parseJWX(t *testing.T, srv *Server, token string) (jwt.Token, error) {
	t.Helper()
	return jwt.Parse([]byte(token), jwt.WithKeySet(servedKeySet(t, srv)), jwt.WithValidate(true),
		jwt.WithClock(jwt.ClockFunc(srv.Now)), jwt.WithAudience(srv.ProjectID), jwt.WithIssuer("stytch.com/"+srv.ProjectID))
}

func jwtSegment(t *testing.T, token string, i int) []byte {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a JWT", token)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	var claims map[string]any
	if err := json.Unmarshal(jwtSegment(t, token, 1), &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// objectKeys returns the keys of a JSON object in the order they appear.
func objectKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s is not a JSON object", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

var stytchTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

func TestJWTHasStytchsExactShape(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	u := mustUser(t, srv, uniqueEmail("shape"), "editor", "reader")
	factorTime := fixedNow.Add(-time.Hour)
	g := mustSession(t, srv, SessionParams{
		UserID:          u.UserID,
		DurationMinutes: 90,
		CustomClaims:    map[string]any{"tenant": "acme", "level": 3, "iss": "ignored", "https://stytch.com/x": 1, "gone": nil},
		AuthenticationFactors: []client.AuthenticationFactor{{Type: "password", DeliveryMethod: "knowledge",
			LastAuthenticatedAt: factorTime}},
	})
	claims := verifyJWX(t, srv, g.SessionJWT)

	header := jwtSegment(t, g.SessionJWT, 0)
	wantHeader := `{"alg":"RS256","kid":"` + srv.JWKS()[0].Kid + `","typ":"JWT"}`
	if string(header) != wantHeader {
		t.Errorf("header = %s, want %s", header, wantHeader)
	}

	now := fixedNow.Unix()
	wantTop := map[string]any{
		"aud": []any{srv.ProjectID}, "iss": "stytch.com/" + srv.ProjectID, "sub": u.UserID,
		"iat": float64(now), "nbf": float64(now), "exp": float64(now + 300),
		"tenant": "acme", "level": float64(3),
	}
	for name, want := range wantTop {
		if got, _ := json.Marshal(claims[name]); string(got) != mustJSON(t, want) {
			t.Errorf("claim %s = %s, want %s", name, got, mustJSON(t, want))
		}
	}
	gotNames := slices.Sorted(func(yield func(string) bool) {
		for k := range claims {
			if !yield(k) {
				return
			}
		}
	})
	wantNames := []string{"aud", "exp", "https://stytch.com/session", "iat", "iss", "level", "nbf", "sub", "tenant"}
	if !slices.Equal(gotNames, wantNames) {
		t.Errorf("claim names = %v, want %v (reserved and null custom claims dropped)", gotNames, wantNames)
	}
	if keys := objectKeys(t, jwtSegment(t, g.SessionJWT, 1)); !slices.IsSorted(keys) {
		t.Errorf("top-level claims %v are not in alphabetical order, as Stytch writes them", keys)
	}

	var raw map[string]json.RawMessage
	if err := json.Unmarshal(jwtSegment(t, g.SessionJWT, 1), &raw); err != nil {
		t.Fatal(err)
	}
	sessionRaw := raw[SessionClaim]
	wantOrder := []string{"id", "started_at", "last_accessed_at", "expires_at", "attributes", "authentication_factors", "roles"}
	if keys := objectKeys(t, sessionRaw); !slices.Equal(keys, wantOrder) {
		t.Errorf("session claim keys = %v, want %v", keys, wantOrder)
	}
	var sc struct {
		ID             string            `json:"id"`
		StartedAt      string            `json:"started_at"`
		LastAccessedAt string            `json:"last_accessed_at"`
		ExpiresAt      string            `json:"expires_at"`
		Attributes     map[string]string `json:"attributes"`
		Factors        []json.RawMessage `json:"authentication_factors"`
		Roles          []string          `json:"roles"`
	}
	if err := json.Unmarshal(sessionRaw, &sc); err != nil {
		t.Fatal(err)
	}
	nowText := fixedNow.Format(time.RFC3339)
	checks := []struct{ name, got, want string }{
		{"id", sc.ID, g.Session.SessionID},
		{"started_at", sc.StartedAt, nowText},
		{"last_accessed_at", sc.LastAccessedAt, nowText},
		{"expires_at", sc.ExpiresAt, fixedNow.Add(90 * time.Minute).Format(time.RFC3339)},
		{"attributes", mustJSON(t, sc.Attributes), `{"ip_address":"","user_agent":""}`},
		{"roles", strings.Join(sc.Roles, ","), "stytch_user,editor,reader"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("session claim %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	for _, ts := range []string{sc.StartedAt, sc.LastAccessedAt, sc.ExpiresAt} {
		if !stytchTimestamp.MatchString(ts) {
			t.Errorf("timestamp %q is not RFC 3339 at second precision in UTC", ts)
		}
	}
	if !strings.HasPrefix(sc.ID, "session-test-") {
		t.Errorf("session id %q is not session-test-<uuid>", sc.ID)
	}
	if len(sc.Factors) != 1 {
		t.Fatalf("factors = %s, want one", sessionRaw)
	}
	if keys := objectKeys(t, sc.Factors[0]); !slices.Equal(keys, []string{"type", "delivery_method", "last_authenticated_at"}) {
		t.Errorf("factor keys = %v, want type, delivery_method, last_authenticated_at (no created_at/updated_at)", keys)
	}
	if want := `{"type":"password","delivery_method":"knowledge","last_authenticated_at":"` + factorTime.Format(time.RFC3339) + `"}`; string(sc.Factors[0]) != want {
		t.Errorf("factor = %s, want %s", sc.Factors[0], want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestDefaultFactorIsEmailMagicLinkWithSubObject(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	u := mustUser(t, srv, uniqueEmail("factor"))
	g := mustSession(t, srv, SessionParams{UserID: u.UserID})
	verifyJWX(t, srv, g.SessionJWT)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(jwtSegment(t, g.SessionJWT, 1), &raw); err != nil {
		t.Fatal(err)
	}
	var sc struct {
		Factors []json.RawMessage `json:"authentication_factors"`
	}
	if err := json.Unmarshal(raw[SessionClaim], &sc); err != nil {
		t.Fatal(err)
	}
	want := `{"type":"magic_link","delivery_method":"email","last_authenticated_at":"` + fixedNow.Format(time.RFC3339) +
		`","email_factor":{"email_id":"` + u.Emails[0].EmailID + `","email_address":"` + u.Emails[0].Email + `"}}`
	if len(sc.Factors) != 1 || string(sc.Factors[0]) != want {
		t.Errorf("factors = %s, want [%s]", raw[SessionClaim], want)
	}
	f := g.Session.AuthenticationFactors[0]
	if !f.CreatedAt.Equal(fixedNow) || !f.UpdatedAt.Equal(fixedNow) {
		t.Errorf("the session's factor has created_at %v, updated_at %v; the API shows them (unlike the JWT)", f.CreatedAt, f.UpdatedAt)
	}
}

func TestJWKSServesNineFieldsPerKey(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	path := "/v1/sessions/jwks/"
	if srv.b2b {
		path = "/v1/b2b/sessions/jwks/"
	}
	r := call(t, srv, http.MethodGet, path+srv.ProjectID, nil, false)
	var body struct {
		Keys       []json.RawMessage `json:"keys"`
		RequestID  string            `json:"request_id"`
		StatusCode int               `json:"status_code"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.StatusCode != 200 || !strings.HasPrefix(body.RequestID, "request-id-test-") || len(body.Keys) != 1 {
		t.Fatalf("JWKS answer = %s", r.body)
	}
	keys := objectKeys(t, body.Keys[0])
	slices.Sort(keys)
	if want := []string{"alg", "e", "key_ops", "kid", "kty", "n", "use", "x5c", "x5tS256"}; !slices.Equal(keys, want) {
		t.Errorf("JWK fields = %v, want %v", keys, want)
	}
	var k client.JWK
	if err := json.Unmarshal(body.Keys[0], &k); err != nil {
		t.Fatal(err)
	}
	if k.Alg != "RS256" || k.Kty != "RSA" || k.Use != "sig" || !slices.Equal(k.KeyOps, []string{"verify"}) ||
		k.E != "AQAB" || !regexp.MustCompile(`^jwk-test-[0-9a-f-]{36}$`).MatchString(k.Kid) {
		t.Errorf("JWK = %+v", k)
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil || len(n)*8 != 2048 {
		t.Errorf("n is not a base64url 2048-bit modulus (%d bytes, %v)", len(n), err)
	}
	der, err := base64.StdEncoding.DecodeString(k.X5c[0])
	if err != nil {
		t.Fatalf("x5c is not standard base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("x5c is not a DER certificate: %v", err)
	}
	pub, isRSA := cert.PublicKey.(*rsa.PublicKey)
	if !isRSA || pub.N.Cmp(new(big.Int).SetBytes(n)) != 0 || pub.E != 65537 {
		t.Errorf("x5c certifies another key than n/e")
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("x5c certificate is not self-signed: %v", err)
	}
	thumb := sha256.Sum256(der)
	if k.X5tS256 != base64.RawURLEncoding.EncodeToString(thumb[:]) {
		t.Errorf("x5tS256 is not the SHA-256 thumbprint of x5c[0]")
	}
}

func TestJWKSAnswersWithOrWithoutCredentialsAndToleratesSlashRuns(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	for _, path := range []string{
		"/v1/sessions/jwks/" + srv.ProjectID,
		"//v1/sessions/jwks/" + srv.ProjectID,
		"/v1//sessions///jwks/" + srv.ProjectID,
	} {
		for _, auth := range []bool{false, true} {
			if r := call(t, srv, http.MethodGet, path, nil, auth); r.status != http.StatusOK {
				t.Errorf("GET %s (auth %v) = %d %s", path, auth, r.status, r.body)
			}
		}
	}
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/sessions/jwks/project-test-other", nil, false),
		http.StatusNotFound, client.ErrInvalidProjectID)
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/sessions/jwks/"+srv.ProjectID+"/extra", nil, false),
		http.StatusNotFound, client.ErrRouteNotFound)
	resp, err := srv.Client().GetJWKS(context.Background(), client.GetJWKSRequest{ProjectID: srv.ProjectID})
	if err != nil || len(resp.Keys) != 1 || resp.Keys[0].Kid != srv.JWKS()[0].Kid {
		t.Errorf("client GetJWKS = %+v, %v", resp, err)
	}
}

func TestSignToken(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	_, g := userSession(t, srv)
	claims := srv.JWTClaims(g.Session)
	token, err := srv.SignToken(nil, claims, "")
	if err != nil {
		t.Fatal(err)
	}
	verifyJWX(t, srv, token)
	if token != g.SessionJWT {
		t.Errorf("SignToken(nil, JWTClaims(session)) differs from the JWT the emulator issued at the same instant")
	}
	if _, err := srv.SignToken(nil, claims, "jwk-test-unknown"); err == nil {
		t.Error("SignToken with an unknown kid succeeded")
	}
	hostile, err := srv.SignToken(map[string]any{"alg": "none"}, claims, srv.JWKS()[0].Kid)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(jwtSegment(t, hostile, 0)); got != `{"alg":"none"}` {
		t.Errorf("hostile header = %s, want it as given", got)
	}
}

func TestAuthenticateRefusesJWTsTheEmulatorDidNotIssue(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	other := newTestServer(t, Config{Now: fixedNow})
	_, g := userSession(t, srv)
	stranger, _ := userSession(t, srv)
	kid := srv.JWKS()[0].Kid
	base := srv.JWTClaims(g.Session)
	with := func(edit func(map[string]any)) map[string]any {
		c := cloneJSON(base)
		edit(c)
		return c
	}
	sign := func(header, claims map[string]any) string {
		tok, err := srv.SignToken(header, claims, "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	parts := strings.Split(g.SessionJWT, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"user-test-x"}`)) + "." + parts[2]
	_, og := userSession(t, other)

	tests := []struct {
		name   string
		token  string
		status int
		want   client.ErrorType
	}{
		{"not a JWT", "abc", 400, client.ErrUnableToParseSessionJWT},
		{"header not base64", "!!.e30.e30", 400, client.ErrUnableToParseSessionJWT},
		{"tampered payload", tampered, 400, client.ErrUnableToParseSessionJWT},
		{"alg none", sign(map[string]any{"alg": "none", "kid": kid, "typ": "JWT"}, base), 400, client.ErrUnableToParseSessionJWT},
		{"alg RS512", sign(map[string]any{"alg": "RS512", "kid": kid, "typ": "JWT"}, base), 400, client.ErrUnableToParseSessionJWT},
		{"no kid", sign(map[string]any{"alg": "RS256", "typ": "JWT"}, base), 400, client.ErrUnableToParseSessionJWT},
		{"unknown kid", sign(map[string]any{"alg": "RS256", "kid": "jwk-test-nope", "typ": "JWT"}, base), 400, client.ErrUnableToParseSessionJWT},
		{"typ JOSE", sign(map[string]any{"alg": "RS256", "kid": kid, "typ": "JOSE"}, base), 400, client.ErrUnableToParseSessionJWT},
		{"crit header", sign(map[string]any{"alg": "RS256", "kid": kid, "crit": []string{"exp"}}, base), 400, client.ErrUnableToParseSessionJWT},
		{"another emulator's JWT", og.SessionJWT, 400, client.ErrUnableToParseSessionJWT},
		{"other audience", sign(nil, with(func(c map[string]any) { c["aud"] = []string{"project-test-other"} })), 400, "jwt_invalid_audience"},
		{"other issuer", sign(nil, with(func(c map[string]any) { c["iss"] = "https://evil.example" })), 400, "jwt_invalid_issuer"},
		{"no session claim", sign(nil, with(func(c map[string]any) { delete(c, SessionClaim) })), 400, "jwt_invalid_claims"},
		{"another user's sub", sign(nil, with(func(c map[string]any) { c["sub"] = stranger.UserID })), 404, client.ErrSessionNotFound},
		{"unknown session", sign(nil, with(func(c map[string]any) {
			c[SessionClaim] = map[string]any{"id": "session-test-unknown"}
		})), 404, client.ErrSessionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: tt.token})
			wantAPIError(t, err, tt.status, tt.want)
		})
	}

	t.Run("aud as a string is accepted", func(t *testing.T) {
		token := sign(nil, with(func(c map[string]any) { c["aud"] = srv.ProjectID }))
		if _, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: token}); err != nil {
			t.Fatal(err)
		}
	})
}
