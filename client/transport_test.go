package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/internal/redact"
)

func authenticate(c *Client) error {
	_, err := c.Authenticate(context.Background(), AuthenticateRequest{SessionToken: fixtureToken})
	return err
}

func getSessions(c *Client) error {
	_, err := c.Get(context.Background(), GetRequest{UserID: "user-test-1"})
	return err
}

func TestStytchErrorMapping(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   StytchError
	}{
		{
			name:   "session not found",
			status: http.StatusNotFound,
			body: `{"status_code":404,"request_id":"request-id-test-7b1e","error_type":"session_not_found",
				"error_message":"Session could not be found.","error_url":"https://stytch.com/docs/api/errors/404"}`,
			want: StytchError{
				StatusCode: 404, RequestID: "request-id-test-7b1e", ErrorType: ErrSessionNotFound,
				ErrorMessage: "Session could not be found.", ErrorURL: "https://stytch.com/docs/api/errors/404",
			},
		},
		{
			name:   "unauthorized credentials",
			status: http.StatusUnauthorized,
			body: `{"status_code":401,"request_id":"request-id-test-2","error_type":"unauthorized_credentials",
				"error_message":"Unauthorized credentials.","error_url":"https://stytch.com/docs/api/errors/401"}`,
			want: StytchError{
				StatusCode: 401, RequestID: "request-id-test-2", ErrorType: ErrUnauthorizedCredentials,
				ErrorMessage: "Unauthorized credentials.", ErrorURL: "https://stytch.com/docs/api/errors/401",
			},
		},
		{
			name:   "authorization denied, with details and unknown fields",
			status: http.StatusForbidden,
			body: `{"status_code":403,"request_id":"request-id-test-3","error_type":"consumer_session_authorization_error",
				"error_message":"The User is not authorized to perform the requested action on that resource.",
				"error_url":"https://stytch.com/docs/api/errors/403","error_details":{"resource_id":"documents"},"new_field":1}`,
			want: StytchError{
				StatusCode: 403, RequestID: "request-id-test-3", ErrorType: ErrConsumerSessionAuthorization,
				ErrorMessage: "The User is not authorized to perform the requested action on that resource.",
				ErrorURL:     "https://stytch.com/docs/api/errors/403", ErrorDetails: map[string]any{"resource_id": "documents"},
			},
		},
		{
			name:   "HTTP status wins over the body's status_code",
			status: http.StatusBadRequest,
			body:   `{"status_code":200,"request_id":"r","error_type":"too_many_session_arguments","error_message":"m","error_url":"u"}`,
			want: StytchError{
				StatusCode: 400, RequestID: "r", ErrorType: ErrTooManySessionArguments, ErrorMessage: "m", ErrorURL: "u",
			},
		},
		{
			name:   "OAuth2-style error body",
			status: http.StatusBadRequest,
			body:   `{"error":"invalid_grant","error_description":"The access token has expired.","error_uri":"https://stytch.com/docs/api/errors/400"}`,
			want: StytchError{
				StatusCode: 400, ErrorType: "invalid_grant", ErrorMessage: "The access token has expired.",
				ErrorURL: "https://stytch.com/docs/api/errors/400",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(tc.status, tc.body))
			c, _ := newTestClient(t, api.URL, nil)
			err := authenticate(c)
			assertNoSecret(t, err)
			var se *StytchError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v, want *StytchError", err, err)
			}
			if !reflect.DeepEqual(*se, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", *se, tc.want)
			}
			if !errors.Is(err, tc.want.ErrorType) {
				t.Errorf("errors.Is(err, %s) is false", tc.want.ErrorType)
			}
			if errors.Is(err, ErrInternalServerError) {
				t.Errorf("errors.Is matched a different error type")
			}
			head := "stytch api: " + strconv.Itoa(tc.want.StatusCode) + " " + string(tc.want.ErrorType) + ": " + tc.want.ErrorMessage
			if !strings.HasPrefix(err.Error(), head) || !strings.Contains(err.Error(), tc.want.RequestID) {
				t.Errorf("error %q, want it to start %q and name the request id", err, head)
			}
		})
	}
}

// TestStytchErrorIsWorksWrapped checks the documented call-site idiom
// through a caller's own wrapping.
func TestStytchErrorIsWorksWrapped(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusNotFound,
		`{"status_code":404,"request_id":"r","error_type":"session_not_found","error_message":"Session could not be found.","error_url":"u"}`))
	c, _ := newTestClient(t, api.URL, nil)
	err := errors.Join(errors.New("loading page"), authenticate(c))
	if !errors.Is(err, ErrSessionNotFound) {
		t.Fatalf("errors.Is through wrapping failed: %v", err)
	}
}

func TestAnswersWithoutStytchJSON(t *testing.T) {
	html := "<html>\r\n<head><title>502 Bad Gateway</title></head>\n<body>" + strings.Repeat("upstream gone ", 40) + "</body></html>"
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantExcerpt string // "" means none
		wantErr     string
	}{
		{"non-JSON 502", http.StatusBadGateway, "text/html", html,
			strings.NewReplacer("\r", " ", "\n", " ").Replace(html[:redact.ExcerptBytes]),
			"not a Stytch JSON error"},
		{"JSON error without error_type", http.StatusServiceUnavailable, "application/json", `{"message":"no healthy upstream"}`,
			`{"message":"no healthy upstream"}`, "not a Stytch JSON error"},
		{"empty 204", http.StatusNoContent, "", "", "", "not a Stytch JSON error"},
		{"invalid UTF-8 and control bytes", http.StatusBadRequest, "text/plain", "bad\x00\xff\x1bbody", "bad \uFFFD body", "not a Stytch JSON error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			c, _ := newTestClient(t, api.URL, nil)
			err := authenticate(c)
			assertNoSecret(t, err)
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v, want *RequestError", err, err)
			}
			if re.StatusCode != tc.status || re.BodyExcerpt != tc.wantExcerpt || re.Method != http.MethodPost ||
				re.Path != "/v1/sessions/authenticate" || re.Attempts != 1 {
				t.Fatalf("got %#v\nwant status %d, excerpt %q", re, tc.status, tc.wantExcerpt)
			}
			if !strings.Contains(err.Error(), "HTTP "+strconv.Itoa(tc.status)) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q lacks the status or %q", err, tc.wantErr)
			}
			if api.count() != 1 {
				t.Errorf("POST sent %d times", api.count())
			}
		})
	}
}

func TestMalformedSuccessAnswers(t *testing.T) {
	cases := []struct {
		name        string
		body        string
		wantExcerpt string
		wantErr     string
	}{
		{"truncated JSON is not quoted (it may hold tokens)", `{"request_id":"r","session_token":"` + fixtureToken, "", "decode response"},
		{"wrong type", `{"request_id":"r","session":"not an object"}`, "", "decode response"},
		{"HTML page", "<html>captive portal</html>", "<html>captive portal</html>", "not a JSON object"},
		{"null", "null", "null", "not a JSON object"},
		{"array", "[]", "[]", "not a JSON object"},
		{"empty", "", "", "not a JSON object"},
		{"empty object has no session", "{}", "", "lacks session"},
		{"session without user id", `{"session":{"session_id":"s"}}`, "", "lacks session"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusOK, tc.body))
			c, _ := newTestClient(t, api.URL, nil)
			err := authenticate(c)
			assertNoSecret(t, err)
			var re *RequestError
			if !errors.As(err, &re) || re.StatusCode != http.StatusOK || re.BodyExcerpt != tc.wantExcerpt {
				t.Fatalf("got %#v, want a 200 *RequestError quoting %q", err, tc.wantExcerpt)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q lacks %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), fixtureToken) {
				t.Errorf("error %q quotes a session token", err)
			}
		})
	}
}

func TestGrantAnswerMustNameTheUser(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{"request_id":"r","status_code":200}`))
	c, _ := newTestClient(t, api.URL, nil)
	_, err := c.Migrate(context.Background(), MigrateRequest{SessionToken: "t"})
	var re *RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "lacks user_id") {
		t.Fatalf("got %v, want a *RequestError saying user_id is missing", err)
	}
}

func TestResponseBodyLimit(t *testing.T) {
	big := `{"request_id":"` + strings.Repeat("x", MaxResponseBytes) + `"}`
	t.Run("just under the limit is read", func(t *testing.T) {
		body := `{"keys":[],"request_id":"` + strings.Repeat("x", MaxResponseBytes-40) + `"}`
		if len(body) > MaxResponseBytes {
			t.Fatal("fixture too big")
		}
		api := newFakeAPI(t, jsonAnswer(http.StatusOK, body))
		c, _ := newTestClient(t, api.URL, nil)
		if _, err := c.GetJWKS(context.Background(), GetJWKSRequest{ProjectID: testProjectID}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("over the limit fails and a 200 is not retried", func(t *testing.T) {
		api := newFakeAPI(t, jsonAnswer(http.StatusOK, big))
		c, _ := newTestClient(t, api.URL, nil)
		_, err := c.GetJWKS(context.Background(), GetJWKSRequest{ProjectID: testProjectID})
		assertNoSecret(t, err)
		var re *RequestError
		if !errors.As(err, &re) || re.StatusCode != http.StatusOK || !strings.Contains(err.Error(), "exceeds") || re.BodyExcerpt != "" {
			t.Fatalf("got %v, want a *RequestError for the size", err)
		}
		if n := api.count(); n != 1 {
			t.Fatalf("%d requests, want 1", n)
		}
	})
	t.Run("an oversized 503 is retried", func(t *testing.T) {
		api := newFakeAPI(t, jsonAnswer(http.StatusServiceUnavailable, big))
		c, _ := newTestClient(t, api.URL, func(cfg *Config) { cfg.MaxRetries = 1 })
		_, err := c.GetPolicy(context.Background())
		var re *RequestError
		if !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable || re.Attempts != 2 {
			t.Fatalf("got %#v, want a 503 *RequestError after 2 attempts", err)
		}
		if n := api.count(); n != 2 {
			t.Fatalf("%d requests, want 2", n)
		}
	})
}

const unavailableJSON = `{"status_code":503,"request_id":"r","error_type":"server_unavailable","error_message":"Unavailable.","error_url":"u"}`

func TestIdempotentReadsRetryUpToTheBound(t *testing.T) {
	reads := []struct {
		name string
		call func(*Client) error
	}{
		{"Get", getSessions},
		{"GetJWKS", func(c *Client) error {
			_, err := c.GetJWKS(context.Background(), GetJWKSRequest{ProjectID: testProjectID})
			return err
		}},
		{"GetPolicy", func(c *Client) error { _, err := c.GetPolicy(context.Background()); return err }},
	}
	answers := []struct {
		name     string
		status   int
		body     string
		wantType ErrorType // "" means a *RequestError
	}{
		{"500 JSON", http.StatusInternalServerError,
			`{"status_code":500,"request_id":"r","error_type":"internal_server_error","error_message":"Oops","error_url":"u"}`, ErrInternalServerError},
		{"503 JSON", http.StatusServiceUnavailable, unavailableJSON, ErrServerUnavailable},
		{"429 JSON without Retry-After", http.StatusTooManyRequests,
			`{"status_code":429,"request_id":"r","error_type":"too_many_requests","error_message":"Too many requests have been made.","error_url":"u"}`, ErrTooManyRequests},
		{"502 HTML", http.StatusBadGateway, "<html>bad gateway</html>", ""},
	}
	retries := []struct {
		maxRetries int
		wantSent   int
	}{{0, 1 + DefaultMaxRetries}, {-1, 1}, {1, 2}, {MaxMaxRetries, 1 + MaxMaxRetries}}
	for _, read := range reads {
		for _, a := range answers {
			for _, r := range retries {
				t.Run(read.name+"/"+a.name+"/MaxRetries="+strconv.Itoa(r.maxRetries), func(t *testing.T) {
					api := newFakeAPI(t, jsonAnswer(a.status, a.body))
					c, waits := newTestClient(t, api.URL, func(cfg *Config) { cfg.MaxRetries = r.maxRetries })
					err := read.call(c)
					assertNoSecret(t, err)
					if a.wantType != "" && !errors.Is(err, a.wantType) {
						t.Fatalf("error %v, want %s", err, a.wantType)
					}
					var re *RequestError
					if a.wantType == "" && (!errors.As(err, &re) || re.Attempts != r.wantSent || re.StatusCode != a.status) {
						t.Fatalf("error %#v, want a *RequestError after %d attempts", err, r.wantSent)
					}
					if n := api.count(); n != r.wantSent {
						t.Fatalf("%d requests, want %d", n, r.wantSent)
					}
					w := waits.recorded()
					if len(w) != r.wantSent-1 {
						t.Fatalf("%d waits, want %d", len(w), r.wantSent-1)
					}
					for i, d := range w {
						mean := min(defaultRetryBase<<i, maxBackoff)
						if d < mean/2 || d >= mean/2+mean {
							t.Errorf("wait %d = %s, want in [%s, %s)", i+1, d, mean/2, mean/2+mean)
						}
					}
				})
			}
		}
	}
}

func TestRetryThenSuccess(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 3 {
			writeJSON(w, http.StatusServiceUnavailable, unavailableJSON)
			return
		}
		writeJSON(w, http.StatusOK, getJSON)
	})
	c, _ := newTestClient(t, api.URL, nil)
	resp, err := c.Get(context.Background(), GetRequest{UserID: "user-test-1"})
	if err != nil || len(resp.Sessions) != 1 {
		t.Fatalf("got %v, %v; want the sessions after two retries", resp, err)
	}
	reqs := api.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.RequestURI != "/v1/sessions?user_id=user-test-1" {
			t.Errorf("retry sent %s", r.RequestURI)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	tooMany := `{"status_code":429,"request_id":"r","error_type":"too_many_requests","error_message":"Too many requests have been made.","error_url":"u"}`
	t.Run("seconds are waited out instead of the backoff", func(t *testing.T) {
		api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "3")
				writeJSON(w, http.StatusTooManyRequests, tooMany)
				return
			}
			writeJSON(w, http.StatusOK, policyJSON)
		})
		c, waits := newTestClient(t, api.URL, nil)
		if _, err := c.GetPolicy(context.Background()); err != nil {
			t.Fatal(err)
		}
		if w := waits.recorded(); !reflect.DeepEqual(w, []time.Duration{3 * time.Second}) {
			t.Fatalf("waits %v, want [3s]", w)
		}
	})
	t.Run("a wait longer than the cap ends the retries", func(t *testing.T) {
		api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusTooManyRequests, tooMany)
		})
		c, waits := newTestClient(t, api.URL, nil)
		_, err := c.GetPolicy(context.Background())
		if !errors.Is(err, ErrTooManyRequests) || api.count() != 1 || len(waits.recorded()) != 0 {
			t.Fatalf("err %v after %d requests and waits %v; want one request, no wait", err, api.count(), waits.recorded())
		}
	})
	t.Run("a wait past the context deadline ends the retries", func(t *testing.T) {
		api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, unavailableJSON)
		})
		c, waits := newTestClient(t, api.URL, nil)
		// The deadline leaves time for the request but not for the 5 s wait.
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		defer cancel()
		_, err := c.GetPolicy(ctx)
		if !errors.Is(err, ErrServerUnavailable) || api.count() != 1 || len(waits.recorded()) != 0 {
			t.Fatalf("err %v after %d requests and waits %v; want one request, no wait", err, api.count(), waits.recorded())
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Now()
	cases := []struct {
		in       string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"0", 0, 0},
		{"7", 7 * time.Second, 7 * time.Second},
		{"-3", 0, 0},
		{"soon", 0, 0},
		{"99999999999999999999", 0, 0},
		{now.Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
		{now.Add(30 * time.Second).UTC().Format(http.TimeFormat), 28 * time.Second, 30 * time.Second},
	}
	for _, tc := range cases {
		if got := parseRetryAfter(tc.in); got < tc.min || got > tc.max {
			t.Errorf("parseRetryAfter(%q) = %s, want in [%s, %s]", tc.in, got, tc.min, tc.max)
		}
	}
}

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	c := &Client{retryBase: defaultRetryBase}
	for attempt := 1; attempt <= MaxMaxRetries; attempt++ {
		mean := min(defaultRetryBase<<(attempt-1), maxBackoff)
		seen := map[time.Duration]bool{}
		for range 50 {
			d := c.backoff(attempt)
			if d < mean/2 || d >= mean/2+mean {
				t.Fatalf("backoff(%d) = %s, want in [%s, %s)", attempt, d, mean/2, mean/2+mean)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Fatalf("backoff(%d) is not jittered", attempt)
		}
	}
	if d := (&Client{}).backoff(1); d != 0 {
		t.Fatalf("zero base gave %s", d)
	}
}

func TestPOSTsAreNeverRetried(t *testing.T) {
	posts := []struct {
		name string
		call func(*Client) error
	}{
		{"Authenticate", authenticate},
		{"Revoke", func(c *Client) error {
			_, err := c.Revoke(context.Background(), RevokeRequest{SessionID: "s"})
			return err
		}},
		{"Migrate", func(c *Client) error {
			_, err := c.Migrate(context.Background(), MigrateRequest{SessionToken: "t"})
			return err
		}},
		{"ExchangeAccessToken", func(c *Client) error {
			_, err := c.ExchangeAccessToken(context.Background(), ExchangeAccessTokenRequest{AccessToken: "a"})
			return err
		}},
		{"Attest", func(c *Client) error {
			_, err := c.Attest(context.Background(), AttestRequest{ProfileID: "p", Token: "t"})
			return err
		}},
	}
	answers := []struct {
		name   string
		handle func(http.ResponseWriter, *http.Request, int)
	}{
		{"503", jsonAnswer(http.StatusServiceUnavailable, unavailableJSON)},
		{"429 with Retry-After", func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, `{"status_code":429,"request_id":"r","error_type":"too_many_requests","error_message":"m","error_url":"u"}`)
		}},
		{"connection reset", resetConnection},
	}
	for _, p := range posts {
		for _, a := range answers {
			t.Run(p.name+"/"+a.name, func(t *testing.T) {
				api := newFakeAPI(t, a.handle)
				c, waits := newTestClient(t, api.URL, func(cfg *Config) { cfg.MaxRetries = MaxMaxRetries })
				err := p.call(c)
				assertNoSecret(t, err)
				if err == nil {
					t.Fatal("no error")
				}
				if n := api.count(); n != 1 || len(waits.recorded()) != 0 {
					t.Fatalf("sent %d times, waited %v; want once, no wait", n, waits.recorded())
				}
			})
		}
	}
}

// resetConnection drops the connection without an answer, with an RST.
func resetConnection(w http.ResponseWriter, _ *http.Request, _ int) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func TestNetworkErrors(t *testing.T) {
	firstFailures := []struct {
		name string
		fail func(http.ResponseWriter, *http.Request, int)
	}{
		{"a GET reset before the answer is retried", resetConnection},
		{"a GET cut off mid-body is retried", func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"request_id":`)
			w.(http.Flusher).Flush()
			resetConnection(w, r, n)
		}},
	}
	for _, tc := range firstFailures {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					tc.fail(w, r, n)
					return
				}
				writeJSON(w, http.StatusOK, getJSON)
			})
			c, _ := newTestClient(t, api.URL, nil)
			if err := getSessions(c); err != nil {
				t.Fatal(err)
			}
			if n := api.count(); n != 2 {
				t.Fatalf("%d requests, want 2", n)
			}
		})
	}
	t.Run("every attempt reset gives a *RequestError after the bound", func(t *testing.T) {
		api := newFakeAPI(t, resetConnection)
		c, _ := newTestClient(t, api.URL, nil)
		err := getSessions(c)
		assertNoSecret(t, err)
		var re *RequestError
		if !errors.As(err, &re) || re.StatusCode != 0 || re.Attempts != 1+DefaultMaxRetries || re.Err == nil {
			t.Fatalf("got %#v, want a *RequestError without status after %d attempts", err, 1+DefaultMaxRetries)
		}
		if strings.Contains(err.Error(), api.URL) || strings.Contains(err.Error(), "user-test-1") {
			t.Errorf("error %q repeats the URL or the user id", err)
		}
		if n := api.count(); n != 1+DefaultMaxRetries {
			t.Fatalf("%d requests, want %d", n, 1+DefaultMaxRetries)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		c, _ := newTestClient(t, "http://"+addr, nil)
		err = authenticate(c)
		assertNoSecret(t, err)
		var re *RequestError
		if !errors.As(err, &re) || re.StatusCode != 0 || re.Attempts != 1 {
			t.Fatalf("got %#v, want a *RequestError", err)
		}
	})
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, unavailableJSON)
	})
	c, _ := newTestClient(t, api.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waited = d
		cancel() // the caller gives up while the client waits
		return sleepContext(ctx, d)
	}
	_, err := c.GetPolicy(ctx)
	assertNoSecret(t, err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v does not match context.Canceled", err)
	}
	if !errors.Is(err, ErrServerUnavailable) {
		t.Fatalf("error %v lost the last attempt's error", err)
	}
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 1 || re.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %#v, want a *RequestError after 1 attempt with status 503", err)
	}
	if waited != 5*time.Second || api.count() != 1 {
		t.Fatalf("waited %s after %d requests, want 5s after 1", waited, api.count())
	}
}

func TestSleepContext(t *testing.T) {
	if err := sleepContext(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// blockUntilGone holds the request until the client gives up on it.
func blockUntilGone(arrived chan<- struct{}) func(http.ResponseWriter, *http.Request, int) {
	return func(_ http.ResponseWriter, r *http.Request, _ int) {
		if arrived != nil {
			arrived <- struct{}{}
		}
		<-r.Context().Done()
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	t.Run("POST times out once", func(t *testing.T) {
		api := newFakeAPI(t, blockUntilGone(nil))
		c, _ := newTestClient(t, api.URL, func(cfg *Config) { cfg.Timeout = 20 * time.Millisecond })
		err := authenticate(c)
		assertNoSecret(t, err)
		var re *RequestError
		if !errors.As(err, &re) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "attempt timed out after 20ms") {
			t.Fatalf("got %v, want an attempt timeout", err)
		}
		if n := api.count(); n != 1 {
			t.Fatalf("%d requests, want 1", n)
		}
	})
	t.Run("GET times out on every attempt", func(t *testing.T) {
		api := newFakeAPI(t, blockUntilGone(nil))
		c, _ := newTestClient(t, api.URL, func(cfg *Config) { cfg.Timeout = 20 * time.Millisecond; cfg.MaxRetries = 1 })
		err := getSessions(c)
		var re *RequestError
		if !errors.As(err, &re) || re.Attempts != 2 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %#v, want a timeout after 2 attempts", err)
		}
		if n := api.count(); n != 2 {
			t.Fatalf("%d requests, want 2", n)
		}
	})
	t.Run("a slow body counts against the attempt", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"request_id":`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		c, _ := newTestClient(t, api.URL, func(cfg *Config) { cfg.Timeout = 20 * time.Millisecond })
		err := authenticate(c)
		var re *RequestError
		if !errors.As(err, &re) || re.StatusCode != http.StatusOK || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %#v, want a body-read timeout", err)
		}
	})
}

func TestCallerCancelIsNotRetried(t *testing.T) {
	arrived := make(chan struct{}, 1)
	api := newFakeAPI(t, blockUntilGone(arrived))
	c, waits := newTestClient(t, api.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	err := func() error { _, err := c.GetPolicy(ctx); return err }()
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "attempt timed out") {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := api.count(); n != 1 || len(waits.recorded()) != 0 {
		t.Fatalf("%d requests and waits %v after the caller cancelled", n, waits.recorded())
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	target := newFakeAPI(t, jsonAnswer(http.StatusOK, policyJSON))
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusFound)
	})
	c, _ := newTestClient(t, api.URL, nil)
	_, err := c.GetPolicy(context.Background())
	var re *RequestError
	if !errors.As(err, &re) || re.StatusCode != http.StatusFound {
		t.Fatalf("got %v, want a *RequestError for the 302", err)
	}
	if target.count() != 0 {
		t.Fatal("the redirect was followed")
	}
}

func TestCustomHTTPClientIsUsed(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, policyJSON))
	tls := newTLSFakeAPI(t)
	for _, tc := range []struct {
		name, url string
		hc        *http.Client
	}{
		{"plain", api.URL, &http.Client{Transport: &countingTransport{}}},
		{"TLS server's own client", tls.URL, tls.Client()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, tc.url, func(cfg *Config) { cfg.HTTPClient = tc.hc })
			if _, err := c.GetPolicy(context.Background()); err != nil {
				t.Fatal(err)
			}
			if ct, ok := tc.hc.Transport.(*countingTransport); ok && ct.n != 1 {
				t.Fatalf("custom transport saw %d requests", ct.n)
			}
		})
	}
}

type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return http.DefaultTransport.RoundTrip(r)
}
