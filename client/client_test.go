package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewRejectsBadConfig(t *testing.T) {
	valid := Config{ProjectID: testProjectID, Secret: testSecret}
	cases := []struct {
		name     string
		edit     func(*Config)
		wantText string
	}{
		{"missing project id", func(c *Config) { c.ProjectID = "" }, "ProjectID is required"},
		{"project id without environment prefix", func(c *Config) { c.ProjectID = "project-1d8c5a8e" }, "ProjectID must start with"},
		{"project id with only the prefix", func(c *Config) { c.ProjectID = "project-test-" }, "ProjectID has no id"},
		{"project id with a space", func(c *Config) { c.ProjectID = "project-test-1d8c 5a8e" }, "ProjectID may hold only"},
		{"project id with a slash", func(c *Config) { c.ProjectID = "project-test-../x" }, "ProjectID may hold only"},
		{"project id too long", func(c *Config) { c.ProjectID = "project-test-" + strings.Repeat("a", 200) }, "too long"},
		{"missing secret", func(c *Config) { c.Secret = "" }, "Secret is required"},
		{"secret with a space", func(c *Config) { c.Secret = testSecret + " x" }, "Secret holds a space"},
		{"secret with a newline", func(c *Config) { c.Secret = testSecret + "\n" }, "Secret holds a space, control"},
		{"secret not ASCII", func(c *Config) { c.Secret = testSecret + "é" }, "non-ASCII"},
		{"secret too long", func(c *Config) { c.Secret = testSecret + strings.Repeat("s", 300) }, "Secret is longer"},
		{"live secret for a test project", func(c *Config) { c.Secret = "secret-live-q9Xw3lKcR2vB7nT0pYh5" }, "other environment"},
		{"test secret for a live project", func(c *Config) { c.ProjectID = "project-live-1d8c5a8e" }, "other environment"},
		{"base URL without scheme", func(c *Config) { c.BaseURL = "test.stytch.com" }, "absolute http or https"},
		{"base URL with another scheme", func(c *Config) { c.BaseURL = "ftp://test.stytch.com" }, "absolute http or https"},
		{"base URL without host", func(c *Config) { c.BaseURL = "https:///v1" }, "absolute http or https"},
		{"base URL that does not parse", func(c *Config) { c.BaseURL = "https://exa mple.com:port" }, "does not parse"},
		{"base URL with credentials", func(c *Config) { c.BaseURL = "https://" + testProjectID + ":" + testSecret + "@proxy.example.com" }, "must not carry credentials"},
		{"base URL with a query", func(c *Config) { c.BaseURL = "https://proxy.example.com/?token=x" }, "query or fragment"},
		{"base URL with an empty query", func(c *Config) { c.BaseURL = "https://proxy.example.com/?" }, "query or fragment"},
		{"base URL with a fragment", func(c *Config) { c.BaseURL = "https://proxy.example.com/#x" }, "query or fragment"},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, "Timeout must not be negative"},
		{"too many retries", func(c *Config) { c.MaxRetries = MaxMaxRetries + 1 }, "MaxRetries must be at most"},
		{"user agent splitting a header", func(c *Config) { c.UserAgent = "app/1\r\nX-Evil: 1" }, "UserAgent must be printable"},
		{"user agent too long", func(c *Config) { c.UserAgent = strings.Repeat("u", 300) }, "UserAgent is longer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.edit(&cfg)
			c, err := New(cfg)
			if c != nil || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New = %v, %v; want an ErrInvalidConfig error", c, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q lacks %q", err, tc.wantText)
			}
			assertNoSecret(t, err)
			if cfg.Secret != "" && strings.Contains(err.Error(), strings.TrimSpace(cfg.Secret)) {
				t.Errorf("error %q holds the configured secret", err)
			}
		})
	}
}

func TestNewDefaultsAndOverrides(t *testing.T) {
	cases := []struct {
		name, projectID, secret, baseURL, want string
	}{
		{"test project uses the test API", testProjectID, testSecret, "", TestBaseURL},
		{"live project uses the live API", "project-live-1d8c5a8e", "secret-live-q9Xw3lKcR2vB7nT0pYh5", "", LiveBaseURL},
		{"explicit base URL wins", "project-live-1d8c5a8e", "secret-live-x", "https://login.example.com", "https://login.example.com"},
		{"trailing slashes are dropped", testProjectID, testSecret, "https://login.example.com//", "https://login.example.com"},
		{"path prefix is kept", testProjectID, testSecret, "http://127.0.0.1:8080/stytch/", "http://127.0.0.1:8080/stytch"},
		{"escaped path prefix stays escaped", testProjectID, testSecret, "http://proxy.internal/a%2Fb/", "http://proxy.internal/a%2Fb"},
		{"scheme is lower-cased", testProjectID, testSecret, "HTTPS://login.example.com", "https://login.example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Config{ProjectID: tc.projectID, Secret: tc.secret, BaseURL: tc.baseURL})
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tc.want || c.ProjectID() != tc.projectID {
				t.Fatalf("BaseURL %q, ProjectID %q; want %q, %q", c.BaseURL(), c.ProjectID(), tc.want, tc.projectID)
			}
			if c.timeout != DefaultTimeout || c.maxRetries != DefaultMaxRetries || c.userAgent != "stytchmw/"+Version {
				t.Fatalf("defaults: timeout %s, retries %d, user agent %q", c.timeout, c.maxRetries, c.userAgent)
			}
		})
	}
}

// TestBaseURLPrefixOnTheWire checks, over HTTP, that the default User-Agent
// is sent and a path prefix ends up in front of the API path.
func TestBaseURLPrefixOnTheWire(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, revokeJSON))
	c, err := New(Config{ProjectID: testProjectID, Secret: testSecret, BaseURL: api.URL + "/stytch/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Revoke(context.Background(), RevokeRequest{SessionID: "s"}); err != nil {
		t.Fatal(err)
	}
	r := api.requests()[0]
	if r.RequestURI != "/stytch/v1/sessions/revoke" || r.Header.Get("User-Agent") != "stytchmw/"+Version {
		t.Fatalf("sent %s with User-Agent %q", r.RequestURI, r.Header.Get("User-Agent"))
	}
}

// everyVerb formats v with each fmt verb but %p, alone and nested in
// containers.
func everyVerb(v any) []string {
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%t", "%10.3v"} {
		out = append(out,
			fmt.Sprintf(verb, v),
			fmt.Sprintf(verb, []any{v}),
			fmt.Sprintf(verb, map[string]any{"k": v}),
			fmt.Sprintf(verb, struct{ Exported any }{v}))
	}
	return append(out, fmt.Sprint(v), fmt.Sprintln(v))
}

func TestSecretNeverPrinted(t *testing.T) {
	cfg := Config{ProjectID: testProjectID, Secret: testSecret, BaseURL: "https://login.example.com", UserAgent: "app/1"}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withCreds := cfg
	withCreds.BaseURL = "https://user:" + testSecret + "@proxy.example.com"
	values := map[string]any{
		"Config": cfg, "*Config": &cfg, "Config with credentials in BaseURL": withCreds,
		"*Client": c, "Client": *c, "struct with *Client": struct{ c *Client }{c},
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			for _, s := range everyVerb(v) {
				assertTextHasNoSecret(t, s)
			}
			if _, isConfig := v.(Config); !isConfig {
				// fmt prints %p of a non-pointer by reflection, without
				// calling any method: only a Config value is exposed to
				// that (see the Config doc); a Client is not.
				assertTextHasNoSecret(t, fmt.Sprintf("%p", v))
				assertTextHasNoSecret(t, fmt.Sprintf("%p", []any{v}))
			}
			var text, js bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("configured", "value", v)
			slog.New(slog.NewJSONHandler(&js, nil)).Info("configured", "value", v)
			assertTextHasNoSecret(t, text.String())
			assertTextHasNoSecret(t, js.String())
			if b, err := json.Marshal(v); err == nil {
				assertTextHasNoSecret(t, string(b))
			}
		})
	}
	// Redaction must still say what is configured.
	for _, s := range []string{fmt.Sprintf("%+v", cfg), fmt.Sprint(c)} {
		if !strings.Contains(s, testProjectID) || !strings.Contains(s, "login.example.com") {
			t.Errorf("%q lacks the project id or base URL", s)
		}
	}
	if s := fmt.Sprint(cfg); !strings.Contains(s, "Secret:[REDACTED]") {
		t.Errorf("%q does not show that a secret is set", s)
	}
	var js bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("configured", "config", cfg, "client", c)
	for _, want := range []string{`"secret":"[REDACTED]"`, `"project_id":"` + testProjectID + `"`, `"base_url":"https://login.example.com"`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("slog output %s lacks %s", js.String(), want)
		}
	}
	if s := fmt.Sprint((*Client)(nil)); s != "<nil>" {
		t.Errorf("nil client prints %q", s)
	}
}

// TestConfigJSONDecodesSecret checks that redacting on encode does not stop
// a Config from being loaded from JSON.
func TestConfigJSONDecodesSecret(t *testing.T) {
	var cfg Config
	if err := json.Unmarshal([]byte(`{"ProjectID":"`+testProjectID+`","Secret":"`+testSecret+`"}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Secret != testSecret {
		t.Fatalf("Secret %q not decoded", cfg.Secret)
	}
	b, err := json.Marshal(cfg)
	if err != nil || !strings.Contains(string(b), `"Secret":"[REDACTED]"`) {
		t.Fatalf("encoded %s, %v", b, err)
	}
}

// TestEchoedSecretIsScrubbed: a proxy (or a confused server) that echoes the
// request must not put the credentials into our errors.
func TestEchoedSecretIsScrubbed(t *testing.T) {
	cases := []struct {
		name   string
		handle func(http.ResponseWriter, *http.Request, int)
	}{
		{"non-JSON body", func(w http.ResponseWriter, r *http.Request, _ int) {
			w.WriteHeader(http.StatusBadGateway)
			user, pass, _ := r.BasicAuth()
			fmt.Fprintf(w, "auth %s %s:%s", r.Header.Get("Authorization"), user, pass)
		}},
		{"Stytch error message", func(w http.ResponseWriter, r *http.Request, _ int) {
			_, pass, _ := r.BasicAuth()
			writeJSON(w, http.StatusUnauthorized, `{"status_code":401,"request_id":"r","error_type":"unauthorized_credentials",
				"error_message":"secret `+pass+` rejected, header `+r.Header.Get("Authorization")+`","error_url":"u"}`)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, tc.handle)
			c, _ := newTestClient(t, api.URL, nil)
			err := authenticate(c)
			if err == nil {
				t.Fatal("no error")
			}
			assertNoSecret(t, err)
			if !strings.Contains(err.Error(), "[REDACTED]") {
				t.Fatalf("error %q does not show the redaction", err)
			}
		})
	}
}

// TestEchoedTokenIsScrubbed: a proxy that echoes the request body must not
// put the session token or JWT the call sent into our errors (which the
// middleware logs), in a quoted excerpt or in an error's fields.
func TestEchoedTokenIsScrubbed(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("c2Vzc2lvbg", 150) + ".c2lnbmF0dXJl"
	echoBody := func(w http.ResponseWriter, r *http.Request, _ int) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "proxy error for %s", body)
	}
	echoInMessage := func(w http.ResponseWriter, r *http.Request, _ int) {
		body, _ := io.ReadAll(r.Body)
		quoted, _ := json.Marshal(string(body))
		writeJSON(w, http.StatusBadRequest, `{"status_code":400,"request_id":"r","error_type":"bad_request",
			"error_message":`+string(quoted)+`,"error_details":{"echo":`+string(quoted)+`}}`)
	}
	cases := []struct {
		name   string
		req    AuthenticateRequest
		token  string
		handle func(http.ResponseWriter, *http.Request, int)
	}{
		{"token in a non-JSON body", AuthenticateRequest{SessionToken: fixtureToken}, fixtureToken, echoBody},
		{"JWT in a non-JSON body", AuthenticateRequest{SessionJWT: jwt}, jwt, echoBody},
		{"token in a Stytch error", AuthenticateRequest{SessionToken: fixtureToken}, fixtureToken, echoInMessage},
		{"JWT in a Stytch error", AuthenticateRequest{SessionJWT: jwt}, jwt, echoInMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Not newFakeAPI: it reads the body before the handler can echo it.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.handle(w, r, 1) }))
			t.Cleanup(srv.Close)
			c, _ := newTestClient(t, srv.URL, nil)
			_, err := c.Authenticate(context.Background(), tc.req)
			if err == nil {
				t.Fatal("no error")
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				text := fmt.Sprintf(verb, err)
				if strings.Contains(text, tc.token[:20]) {
					t.Fatalf("the request's token leaked into %q", text)
				}
				if !strings.Contains(text, "[REDACTED]") {
					t.Fatalf("error %q does not show the redaction", text)
				}
			}
		})
	}
}

// TestDescriptionsCalledDirectly covers what fmt never reaches because
// Format takes precedence: callers may still call these methods themselves.
func TestDescriptionsCalledDirectly(t *testing.T) {
	cfg := Config{ProjectID: testProjectID, Secret: testSecret}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GoString() != cfg.String() || c.GoString() != c.String() {
		t.Fatal("GoString differs from String")
	}
	for _, s := range []string{cfg.GoString(), c.GoString(), cfg.LogValue().String(), c.LogValue().String()} {
		assertTextHasNoSecret(t, s)
	}
	var nilClient *Client
	if nilClient.String() != "client.Client(nil)" || nilClient.LogValue().String() != "<nil>" {
		t.Fatalf("nil client: %q, %q", nilClient.String(), nilClient.LogValue())
	}
	if s := (Config{}).String(); !strings.Contains(s, "Secret:,") {
		t.Fatalf("an unset secret should print empty: %q", s)
	}
	unparsable := Config{BaseURL: "https://user:" + testSecret + "@exa mple.com:port"}
	if s := unparsable.String(); !strings.Contains(s, `BaseURL:"[REDACTED]"`) {
		t.Fatalf("an unparsable BaseURL should be hidden whole: %q", s)
	}
	if ErrSessionNotFound.Error() != "stytch: session_not_found" {
		t.Fatalf("ErrorType.Error() = %q", ErrSessionNotFound.Error())
	}
}

func TestGrantAnswerSessionMustHaveID(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{"request_id":"r","status_code":200,"user_id":"u","session":{"user_id":"u"}}`))
	c, _ := newTestClient(t, api.URL, nil)
	_, err := c.Attest(context.Background(), AttestRequest{ProfileID: "p", Token: "t"})
	if !strings.Contains(fmt.Sprint(err), "session without session_id") {
		t.Fatalf("got %v, want the missing session_id named", err)
	}
}
