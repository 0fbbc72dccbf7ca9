package stytchtest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	if !regexp.MustCompile(`^project-test-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(srv.ProjectID) {
		t.Errorf("ProjectID = %q", srv.ProjectID)
	}
	if !strings.HasPrefix(srv.Secret, "secret-test-") || len(srv.Secret) < 40 {
		t.Errorf("Secret = %q", srv.Secret)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(srv.URL) || srv.Client().BaseURL() != srv.URL ||
		srv.Client().ProjectID() != srv.ProjectID || srv.CACertificatePEM() != nil {
		t.Errorf("URL = %q, client base %q", srv.URL, srv.Client().BaseURL())
	}
	if got := srv.Policy(); mustJSON(t, got) != mustJSON(t, DefaultPolicy()) {
		t.Errorf("policy = %+v, want DefaultPolicy", got)
	}
	if srv.Issuer() != "stytch.com/"+srv.ProjectID {
		t.Errorf("Issuer = %q", srv.Issuer())
	}
}

func TestConfigGiven(t *testing.T) {
	t.Parallel()
	p := client.Policy{Resources: []client.PolicyResource{{ResourceID: "r", Actions: []string{"a"}}}}
	srv := newTestServer(t, Config{ProjectID: "project-live-abc", Secret: "secret-live-xyz", Policy: &p})
	if srv.ProjectID != "project-live-abc" || srv.Secret != "secret-live-xyz" || len(srv.Policy().Resources) != 1 {
		t.Errorf("server = %+v", srv)
	}
	u, g := userSession(t, srv)
	if !strings.HasPrefix(u.UserID, "user-live-") || !strings.HasPrefix(g.Session.SessionID, "session-live-") ||
		!strings.HasPrefix(srv.JWKS()[0].Kid, "jwk-live-") {
		t.Errorf("ids %s %s %s do not carry the live environment", u.UserID, g.Session.SessionID, srv.JWKS()[0].Kid)
	}
	if _, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: g.SessionJWT}); err != nil {
		t.Fatal(err)
	}
	p.Resources[0].ResourceID = "changed"
	if srv.Policy().Resources[0].ResourceID != "r" {
		t.Error("the server shares Config.Policy with its caller")
	}
}

func TestStartServerRefusesBadConfig(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	bad := client.Policy{Resources: []client.PolicyResource{{ResourceID: "stytch_thing", Actions: []string{"a"}}}}
	for name, cfg := range map[string]Config{
		"project id":   {ProjectID: "not-a-project"},
		"secret":       {Secret: "has space"},
		"wrong env":    {ProjectID: "project-test-x", Secret: "secret-live-x"},
		"policy":       {Policy: &bad},
		"address":      {Addr: "256.0.0.1:0"},
		"address busy": {Addr: busy.Addr().String()},
	} {
		if srv, err := StartServer(cfg); err == nil {
			srv.Close()
			t.Errorf("%s: StartServer accepted %+v", name, cfg)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("NewServer did not panic on a bad Config")
		}
	}()
	NewServer(Config{ProjectID: "bad"})
}

func TestCredentialsAreRequiredExceptForJWKS(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	wrong := []struct {
		name     string
		user, pw string
		set      bool
	}{
		{"none", "", "", false},
		{"wrong secret", srv.ProjectID, srv.Secret + "x", true},
		{"wrong project", "project-test-other", srv.Secret, true},
		{"secret prefix", srv.ProjectID, srv.Secret[:len(srv.Secret)-1], true},
		{"swapped", srv.Secret, srv.ProjectID, true},
	}
	for _, rt := range srv.routeTable() {
		if rt.endpoint == "" || rt.public {
			continue
		}
		for _, w := range wrong {
			req, err := http.NewRequest(rt.method, srv.URL+rt.pattern, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			if w.set {
				req.SetBasicAuth(w.user, w.pw)
			}
			res, err := srv.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(res.Body)
			res.Body.Close()
			wantErrorBody(t, rawResponse{status: res.StatusCode, body: buf.Bytes()}, http.StatusUnauthorized, client.ErrUnauthorizedCredentials)
		}
	}
	bad, err := client.New(client.Config{ProjectID: srv.ProjectID, Secret: "secret-test-wrong", BaseURL: srv.URL, HTTPClient: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.GetPolicy(context.Background())
	wantAPIError(t, err, http.StatusUnauthorized, client.ErrUnauthorizedCredentials)
	if _, err := bad.GetJWKS(context.Background(), client.GetJWKSRequest{ProjectID: srv.ProjectID}); err != nil {
		t.Errorf("JWKS refused a request with wrong credentials: %v", err)
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	_, g := userSession(t, srv)
	wantErrorBody(t, call(t, srv, http.MethodGet, "/v1/nothing", nil, true), http.StatusNotFound, client.ErrRouteNotFound)
	wantErrorBody(t, call(t, srv, http.MethodGet, "/", nil, false), http.StatusNotFound, client.ErrRouteNotFound)
	r := call(t, srv, http.MethodGet, "/v1/sessions/authenticate", nil, true)
	wantErrorBody(t, r, http.StatusMethodNotAllowed, client.ErrMethodNotAllowed)
	if r.header.Get("Allow") != http.MethodPost {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
	if r := call(t, srv, http.MethodPost, "//v1///sessions//authenticate", map[string]any{"session_token": g.SessionToken}, true); r.status != 200 {
		t.Errorf("runs of slashes: %d %s", r.status, r.body)
	}
	if r := call(t, srv, http.MethodGet, "/v1/rbac/policy?unused=1", nil, true); r.status != 200 {
		t.Errorf("policy: %d %s", r.status, r.body)
	}
}

func TestRequestBodies(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	huge := `{"session_token":"` + strings.Repeat("x", MaxRequestBytes) + `"}`
	for name, body := range map[string]string{
		"too large":     huge,
		"not JSON":      "session_token=abc",
		"empty":         "",
		"array":         `["session_token"]`,
		"trailing data": `{"session_token":"a"} {}`,
		"truncated":     `{"session_token":`,
	} {
		t.Run(name, func(t *testing.T) {
			wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/authenticate", body, true), http.StatusBadRequest, client.ErrBadRequest)
		})
	}
	// Unknown fields are ignored on Stytch's endpoints, as SDKs may send
	// fields the emulator does not know.
	wantErrorBody(t, call(t, srv, http.MethodPost, "/v1/sessions/authenticate", `{"session_token":"a","future_field":1}`, true),
		http.StatusNotFound, client.ErrSessionNotFound)
}

func TestRequestIDsAreUnique(t *testing.T) {
	t.Parallel()
	srv := sharedServer(t)
	seen := map[string]bool{}
	for range 20 {
		id, _ := call(t, srv, http.MethodGet, "/v1/rbac/policy", nil, true).object(t)["request_id"].(string)
		if seen[id] || !regexp.MustCompile(`^request-id-test-[0-9a-f-]{36}$`).MatchString(id) {
			t.Fatalf("request id %q repeated or malformed", id)
		}
		seen[id] = true
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{TLS: true})
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %q", srv.URL)
	}
	_, g := userSession(t, srv)
	if _, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: g.SessionJWT}); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(srv.CACertificatePEM())
	if block == nil {
		t.Fatal("CACertificatePEM is not PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA = %v, %v", ca, err)
	}
	// A client that does not trust the CA is refused.
	plain := &http.Client{Transport: &http.Transport{}}
	defer plain.CloseIdleConnections()
	_, err = plain.Get(srv.URL + "/v1/sessions/jwks/" + srv.ProjectID)
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Errorf("an untrusting client got %v, want an unknown-authority error", err)
	}
	// The certificate names localhost and ::1 too.
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	leaf, err := tlsLeaf(t, srv)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", name, err)
		}
	}
}

// tlsLeaf fetches the server's certificate.
func tlsLeaf(t *testing.T, srv *Server) (*x509.Certificate, error) {
	t.Helper()
	res, err := srv.HTTPClient().Get(srv.URL + "/v1/sessions/jwks/" + srv.ProjectID)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return res.TLS.PeerCertificates[0], nil
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogsCarryNoTokenNorQuery(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	srv := newTestServer(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	u, g := userSession(t, srv)
	ctx := context.Background()
	_, _ = srv.Client().Authenticate(ctx, client.AuthenticateRequest{SessionToken: g.SessionToken})
	_, _ = srv.Client().Authenticate(ctx, client.AuthenticateRequest{SessionJWT: g.SessionJWT})
	_, _ = srv.Client().Get(ctx, client.GetRequest{UserID: u.UserID})
	call(t, srv, http.MethodGet, "/v1/"+g.SessionToken, nil, true)
	srv.Close() // flush: every request has been logged
	out := logs.String()
	for _, secret := range []string{g.SessionToken, g.SessionJWT, u.UserID, srv.Secret} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"route=/v1/sessions/authenticate", "route=/v1/sessions ", "route=unmatched", "status=404", "status=200"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
}
