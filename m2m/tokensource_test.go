package m2m

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/internal/redact"
	"github.com/stytchmw/stytchmw/internal/redact/redacttest"
)

const (
	projectID = "project-test-1d8c5a8e-2b1e-4a66-9c1e-0a3f6f1f2b7c"
	clientID  = "m2m-client-test-d731954d-dab3-4a2b-bdee-07f3ad1be885"
	// secret holds characters that the form and JSON escape, so that each
	// escaped form must be redacted too.
	secret = "NHQhc7ZqRbZt+PH4/NH9gVtvb&UOrQ2x_2hZm8j1mNq<Ct5G4oBd=="
)

// tokenServer is a fake Stytch token endpoint: it checks each request and
// answers with a numbered token, or with fail's answer when fail is set.
type tokenServer struct {
	t    *testing.T
	n    atomic.Int32
	mu   sync.Mutex
	fail func(w http.ResponseWriter, form url.Values)
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.t.Helper()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/public/"+projectID+"/oauth2/token" {
		s.t.Errorf("request %s %s", r.Method, r.URL.Path)
	}
	if h := r.Header.Get("Authorization"); h != "" {
		s.t.Errorf("Authorization header %q sent: the secret belongs in the form", h)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		s.t.Errorf("Content-Type %q", ct)
	}
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.t.Errorf("body %q: %v", body, err)
	}
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		fail(w, form)
		return
	}
	want := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}, "scope": {"read:users write:*"}}
	if !reflect.DeepEqual(form, want) {
		s.t.Errorf("form %v, want %v", form, want)
	}
	n := s.n.Add(1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"access-token-%d","token_type":"bearer","expires_in":3600,"request_id":"r","status_code":200}`, n)
}

func (s *tokenServer) setFail(f func(http.ResponseWriter, url.Values)) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

func testConfig(base string) Config {
	return Config{ProjectID: projectID, ClientID: clientID, ClientSecret: secret, Scopes: []string{"read:users", "write:*"}, BaseURL: base}
}

// startTokenSource starts a fake token endpoint and a TokenSource of it.
func startTokenSource(t *testing.T) (*tokenServer, *httptest.Server, *TokenSource) {
	t.Helper()
	ts := &tokenServer{t: t}
	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	src, err := New(testConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return ts, srv, src
}

func TestTokenIsFetchedOnceAndReused(t *testing.T) {
	ts, srv, src := startTokenSource(t)
	if want := srv.URL + "/v1/public/" + projectID + "/oauth2/token"; src.TokenURL() != want {
		t.Fatalf("TokenURL %q, want %q", src.TokenURL(), want)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			tok, err := src.Token()
			if err != nil || tok.AccessToken != "access-token-1" || tok.TokenType != "bearer" {
				t.Errorf("token %+v, %v", tok, err)
			}
		})
	}
	wg.Wait()
	if n := ts.n.Load(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

// roundTripFunc lets the synctest test call the fake endpoint in memory:
// a goroutine blocked on a real socket would keep the bubble's clock from
// advancing. The HTTP path over real sockets is covered by the other tests.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTokenIsRenewedBeforeItExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := &tokenServer{t: t}
		cfg := testConfig("https://stytch.example")
		cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			rec := httptest.NewRecorder()
			ts.ServeHTTP(rec, r)
			return rec.Result(), nil
		})}
		src, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		token := func() string {
			t.Helper()
			tok, err := src.Token()
			if err != nil {
				t.Fatal(err)
			}
			return tok.AccessToken
		}
		if got := token(); got != "access-token-1" {
			t.Fatalf("first token %q", got)
		}
		// Valid until EarlyExpiry before its 3600 s lifetime ends.
		time.Sleep(time.Hour - EarlyExpiry - time.Second)
		if got := token(); got != "access-token-1" {
			t.Fatalf("token %q before the renewal point, want the first", got)
		}
		time.Sleep(2 * time.Second)
		if got := token(); got != "access-token-2" {
			t.Fatalf("token %q after the renewal point, want a new one", got)
		}
		// A failed renewal is an error, not the expired token.
		time.Sleep(time.Hour)
		ts.setFail(func(w http.ResponseWriter, _ url.Values) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"client is inactive"}`)
		})
		if tok, err := src.Token(); !errors.Is(err, client.ErrInvalidClient) || tok != nil {
			t.Fatalf("token %v, error %v; want ErrInvalidClient", tok, err)
		}
		if n := ts.n.Load(); n != 2 {
			t.Fatalf("%d tokens issued, want 2", n)
		}
	})
}

func TestErrorsAreTypedAndRedacted(t *testing.T) {
	cases := []struct {
		name  string
		fail  func(http.ResponseWriter, url.Values)
		check func(*testing.T, error)
	}{
		{"OAuth error echoing the secret", func(w http.ResponseWriter, form url.Values) {
			desc, _ := json.Marshal("no client with secret " + form.Get("client_secret"))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":%s,"error_uri":"https://stytch.com/docs?s=%s",
				"status_code":401,"request_id":"request-id-test-1"}`, desc, url.QueryEscape(form.Get("client_secret")))
		}, func(t *testing.T, err error) {
			var se *client.StytchError
			if !errors.Is(err, client.ErrInvalidClient) || !errors.As(err, &se) || se.StatusCode != 401 ||
				se.RequestID != "request-id-test-1" || !strings.Contains(se.ErrorMessage, "[REDACTED]") {
				t.Fatalf("error %#v", err)
			}
		}},
		{"invalid scope", func(w http.ResponseWriter, _ url.Values) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_scope","error_description":"write:* is not granted"}`)
		}, func(t *testing.T, err error) {
			if !errors.Is(err, client.ErrInvalidScope) {
				t.Fatalf("error %v", err)
			}
		}},
		{"proxy page echoing the form", func(w http.ResponseWriter, form url.Values) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<p>bad gateway for %s</p>", form.Encode())
		}, func(t *testing.T, err error) {
			var re *client.RequestError
			if !errors.As(err, &re) || re.StatusCode != http.StatusBadGateway || !strings.Contains(re.BodyExcerpt, "[REDACTED]") ||
				re.Path != "/v1/public/"+projectID+"/oauth2/token" {
				t.Fatalf("error %#v", err)
			}
		}},
		{"form echoed, cut at the excerpt's edge", func(w http.ResponseWriter, form url.Values) {
			body := form.Encode()
			lead := redact.ExcerptBytes - strings.Index(body, "client_secret=") - len("client_secret=") - 20
			textEcho("%s")(w, strings.Repeat("x", max(lead, 0))+body)
		}, quotedRequestError(http.StatusBadGateway)},
		{"token answer turned into a 502", func(w http.ResponseWriter, _ url.Values) {
			writeJSON(w, http.StatusBadGateway, `{"access_token":"`+accessToken+`","token_type":"bearer","expires_in":3600}`)
		}, quotedRequestError(http.StatusBadGateway)},
		{"token answer as a form, turned into a 502", func(w http.ResponseWriter, _ url.Values) {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, url.Values{"access_token": {accessToken}, "token_type": {"bearer"}}.Encode())
		}, quotedRequestError(http.StatusBadGateway)},
		{"OAuth error beside a token, quoting it", func(w http.ResponseWriter, _ url.Values) {
			q := redacttest.PHPJSONString("token " + accessToken + " lacks a scope")
			writeJSON(w, http.StatusOK, `{"access_token":"`+accessToken+`","error":"invalid_scope","error_description":`+q+`,"request_id":`+q+`}`)
		}, func(t *testing.T, err error) {
			var se *client.StytchError
			if !errors.Is(err, client.ErrInvalidScope) || !errors.As(err, &se) || se.ErrorMessage != "token [REDACTED] lacks a scope" {
				t.Fatalf("error %#v", err)
			}
		}},
		{"success without a token", func(w http.ResponseWriter, _ url.Values) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"token_type":"bearer"}`)
		}, func(t *testing.T, err error) {
			var re *client.RequestError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), "missing access_token") {
				t.Fatalf("error %#v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts, srv, src := startTokenSource(t)
			ts.setFail(tc.fail)
			_, err := src.Token()
			assertNoLeak(t, "Token", err)
			tc.check(t, err)

			// Through the http.Client the error is the same, wrapped.
			_, err = src.Client(nil).Get(srv.URL + "/api")
			assertNoLeak(t, "Client", err)
			tc.check(t, err)
		})
	}
}

// quotedRequestError checks that err is a *client.RequestError of status
// quoting the body with a redaction in it.
func quotedRequestError(status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var re *client.RequestError
		if !errors.As(err, &re) || re.StatusCode != status || !strings.Contains(re.BodyExcerpt, redact.Marker) {
			t.Fatalf("error %#v, want a RequestError of status %d quoting the redacted body", err, status)
		}
	}
}

func TestNetworkErrorIsARequestError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	src, err := New(testConfig(base))
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Token()
	var re *client.RequestError
	if !errors.As(err, &re) || re.StatusCode != 0 || re.Err == nil || strings.Contains(err.Error(), base) {
		t.Fatalf("error %#v", err)
	}
}

// TestClientSendsTheBearerToken: the http.Client adds a current token, and
// does not carry it across a redirect to another origin.
func TestClientSendsTheBearerToken(t *testing.T) {
	ts := &tokenServer{t: t}
	stytch := httptest.NewServer(ts)
	t.Cleanup(stytch.Close)
	var elsewhereHits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhereHits.Add(1) }))
	t.Cleanup(elsewhere.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/data", http.StatusFound)
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusFound)
		default:
			fmt.Fprint(w, r.Header.Get("Authorization"))
		}
	}))
	t.Cleanup(api.Close)
	src, err := New(testConfig(stytch.URL))
	if err != nil {
		t.Fatal(err)
	}
	hc := src.Client(nil)
	for _, path := range []string{"/data", "/moved"} {
		res, err := hc.Get(api.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "Bearer access-token-1" {
			t.Fatalf("%s: the API saw Authorization %q", path, body)
		}
	}
	if _, err := hc.Get(api.URL + "/away"); !errors.Is(err, ErrCrossOriginRedirect) {
		t.Fatalf("cross-origin redirect: error %v, want ErrCrossOriginRedirect", err)
	}
	if n := elsewhereHits.Load(); n != 0 {
		t.Fatalf("the other origin got %d requests", n)
	}
	if n := ts.n.Load(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	long := strings.Repeat("x", 257)
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"no project", func(c *Config) { c.ProjectID = "" }},
		{"project id with a slash", func(c *Config) { c.ProjectID = "project-test-a/b" }},
		{"no client id", func(c *Config) { c.ClientID = "" }},
		{"no secret", func(c *Config) { c.ClientSecret = "" }},
		{"secret too long", func(c *Config) { c.ClientSecret = long }},
		{"client id too long", func(c *Config) { c.ClientID = long }},
		{"empty scope", func(c *Config) { c.Scopes = []string{""} }},
		{"scope with a space", func(c *Config) { c.Scopes = []string{"read:a write:b"} }},
		{"base URL with credentials", func(c *Config) { c.BaseURL = "https://u:" + secret + "@stytch.example" }},
		{"base URL not http", func(c *Config) { c.BaseURL = "ftp://stytch.example" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig("")
			tc.edit(&cfg)
			src, err := New(cfg)
			if src != nil || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New = %v, %v; want ErrInvalidConfig", src, err)
			}
			assertNoLeak(t, "New", err)
		})
	}
	src, err := New(testConfig(""))
	if err != nil || src.TokenURL() != "https://test.stytch.com/v1/public/"+projectID+"/oauth2/token" {
		t.Fatalf("default base URL: %v, %v", src, err)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	cfg := testConfig("https://stytch.example")
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("m2m", "config", cfg)
	asJSON, _ := json.Marshal(cfg)
	texts := []string{logged.String(), string(asJSON), cfg.GoString(), src.GoString()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		texts = append(texts, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, src), fmt.Sprintf(verb, *src))
		// As for client.Config, fmt cannot reach the methods of a Config held
		// in an unexported field; the documentation says to hold it by pointer.
	}
	for _, text := range texts {
		if strings.Contains(text, "NHQhc7ZqRbZt") {
			t.Fatalf("secret printed: %q", text)
		}
	}
	if !strings.Contains(cfg.String(), "ClientSecret:[REDACTED]") || !strings.Contains(logged.String(), `"client_secret":"[REDACTED]"`) {
		t.Fatalf("redaction not shown: %q, %q", cfg.String(), logged.String())
	}
	var back Config
	if err := json.Unmarshal([]byte(`{"ClientSecret":"s"}`), &back); err != nil || back.ClientSecret != "s" {
		t.Fatalf("decoding a Config: %v, %q", err, back.ClientSecret)
	}
	if (*TokenSource)(nil).String() != "m2m.TokenSource(nil)" {
		t.Fatal("nil TokenSource")
	}
}

// TestFetchIsBoundedByTheHTTPClient: a token endpoint that never answers
// holds Token only for the HTTP client's Timeout.
func TestFetchIsBoundedByTheHTTPClient(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(block); srv.Close() })
	cfg := testConfig(srv.URL)
	cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Token()
	var re *client.RequestError
	if !errors.As(err, &re) || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("error %v, want a timed-out RequestError", err)
	}
}
