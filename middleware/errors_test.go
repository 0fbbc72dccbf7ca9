package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

func TestCodesStatusAndMessage(t *testing.T) {
	want := map[Code]int{
		ErrNoCredential: 401, ErrMalformedCredential: 401, ErrCredentialTooLarge: 401,
		ErrMultipleCredentials: 401, ErrInvalidToken: 401, ErrTokenExpired: 401, ErrTokenTooOld: 401,
		ErrSessionNotFound: 401, ErrCrossOrigin: 403, ErrForbidden: 403, ErrNoRule: 403,
		ErrMemberForbidden: 403, ErrTenancy: 403, ErrInsufficientScope: 403,
		ErrUnavailable: 503, ErrPolicyUnavailable: 503,
	}
	if len(want) != len(codes) {
		t.Fatalf("%d codes tested, %d defined", len(want), len(codes))
	}
	for code, status := range want {
		if code.Status() != status {
			t.Errorf("%s: status %d, want %d", code, code.Status(), status)
		}
		if code.Message() == "" {
			t.Errorf("%s: no message", code)
		}
	}
	if Code("nope").Status() != 500 {
		t.Error("an unknown code must map to 500")
	}
}

func TestErrorMatching(t *testing.T) {
	cause := &client.StytchError{StatusCode: 404, ErrorType: client.ErrSessionNotFound}
	err := fmt.Errorf("wrapped: %w", newError(ErrSessionNotFound, cause))
	if !errors.Is(err, ErrSessionNotFound) || errors.Is(err, ErrInvalidToken) {
		t.Fatal("errors.Is must match the code and only it")
	}
	if !errors.Is(err, client.ErrSessionNotFound) {
		t.Fatal("errors.Is must reach the cause")
	}
	var e *Error
	if !errors.As(err, &e) || e.Code.Status() != 401 {
		t.Fatal("errors.As must find the *Error")
	}
	if CodeOf(err).Status() != 401 || CodeOf(err) != ErrSessionNotFound {
		t.Fatalf("status %d, CodeOf %q", CodeOf(err).Status(), CodeOf(err))
	}
	if CodeOf(ErrUnavailable).Status() != 503 || CodeOf(ErrForbidden) != ErrForbidden {
		t.Fatal("a bare Code must carry its status")
	}
	if CodeOf(errors.New("other")).Status() != 500 || CodeOf(errors.New("other")) != "" {
		t.Fatal("an error without a code is a 500")
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		err       error
		status    int
		challenge string
	}{
		{newError(ErrNoCredential, nil), 401, `Bearer realm="stytch"`},
		{newError(ErrInvalidToken, errors.New("bad signature")), 401, `Bearer realm="stytch", error="invalid_token"`},
		{newError(ErrSessionNotFound, nil), 401, `Bearer realm="stytch", error="invalid_token"`},
		{newError(ErrForbidden, nil), 403, ""},
		{newError(ErrCrossOrigin, nil), 403, ""},
		{newError(ErrUnavailable, errors.New("dial tcp: refused")), 503, ""},
		{errors.New("not ours"), 500, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, httptest.NewRequest("GET", "/", nil), CodeOf(tt.err).Status(), tt.err)
			res := w.Result()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Fatalf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
			if res.Header.Get("Content-Type") != "application/json; charset=utf-8" || res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v", res.Header)
			}
			var body map[string]any
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if len(body) != 3 || body["status_code"] != float64(tt.status) || body["error_type"] == "" || body["error_message"] == "" {
				t.Fatalf("body %v", body)
			}
			if code := CodeOf(tt.err); code != "" && body["error_type"] != string(code) {
				t.Fatalf("error_type %v, want %s", body["error_type"], code)
			}
			// The cause's text is for logs, never for the client.
			if msg := body["error_message"].(string); msg != CodeOf(tt.err).Message() {
				t.Fatalf("error_message %q is not the code's fixed message", msg)
			}
		})
	}
}

// TestCustomErrorHandler: the handler gets the suggested status and the
// cause, and its answer is the one sent.
func TestCustomErrorHandler(t *testing.T) {
	type seen struct {
		status int
		err    error
	}
	got := make(chan seen, 1)
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.ErrorHandler = func(w http.ResponseWriter, r *http.Request, status int, err error) {
			got <- seen{status, err}
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte(`{"status_code":418,"error_type":"custom","error_message":"tea"}`))
		}
	}})
	r := e.call(routeRequired, bearer("a.b.c"))
	if r.status != http.StatusTeapot || r.err.ErrorType != "custom" {
		t.Fatalf("answer %d %s, want the custom handler's", r.status, r.body)
	}
	s := <-got
	if s.status != 401 || !errors.Is(s.err, ErrMalformedCredential) {
		t.Fatalf("handler got %d %v", s.status, s.err)
	}
}
