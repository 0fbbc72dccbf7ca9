package jwks

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// paddedBody is a valid JWKS of kid-a whose JSON takes exactly size bytes.
func paddedBody(t *testing.T, size int) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"keys": []any{rsaJWK("kid-a", &keyA.PublicKey, nil)}, "pad": ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > size {
		t.Fatalf("base body already %d bytes", len(body))
	}
	pad := bytes.Repeat([]byte("x"), size-len(body))
	return bytes.Replace(body, []byte(`"pad":""`), append(append([]byte(`"pad":"`), pad...), '"'), 1)
}

func TestBodyIsCappedAtOneMebibyte(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int
		chunked bool // no Content-Length: the cap applies while reading
		wantKey bool
	}{
		{"at the cap", MaxBodyBytes, false, true},
		{"at the cap, chunked", MaxBodyBytes, true, true},
		{"one byte over", MaxBodyBytes + 1, false, false},
		{"one byte over, chunked", MaxBodyBytes + 1, true, false},
		{"far over, chunked", 4 * MaxBodyBytes, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := paddedBody(t, tc.size)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.chunked {
					w.Write(body[:10])
					w.(http.Flusher).Flush()
					w.Write(body[10:])
					return
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				w.Write(body)
			}))
			defer srv.Close()
			s := openSet(t, Config{URL: srv.URL, RetryInterval: time.Hour}, nil)
			_, err := s.Key(t.Context(), "kid-a")
			if tc.wantKey && err != nil {
				t.Fatalf("Key: %v", err)
			}
			if !tc.wantKey && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Key: %v, want ErrUnavailable", err)
			}
		})
	}
}

// TestRedirectIsNotFollowed: a key set served elsewhere than the configured
// URL is refused, so a redirect cannot substitute another party's keys.
func TestRedirectIsNotFollowed(t *testing.T) {
	body := paddedBody(t, 1024)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusFound))
	defer srv.Close()
	s := openSet(t, Config{URL: srv.URL, RetryInterval: time.Hour}, nil)
	if _, err := s.Key(t.Context(), "kid-a"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Key after a redirect: %v, want ErrUnavailable", err)
	}
	// The same body at the configured URL is accepted.
	s = openSet(t, Config{URL: elsewhere.URL, RetryInterval: time.Hour}, nil)
	if _, err := s.Key(t.Context(), "kid-a"); err != nil {
		t.Fatalf("Key: %v", err)
	}
}

func TestFetchFailuresLeaveNoKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"500", http.StatusInternalServerError, `{"keys":[]}`},
		{"404", http.StatusNotFound, ``},
		{"429", http.StatusTooManyRequests, `{"error_type":"too_many_requests"}`},
		{"not JSON", http.StatusOK, `<html>hello</html>`},
		{"truncated", http.StatusOK, `{"keys":[{"kty":"RSA"`},
		{"keys not an array", http.StatusOK, `{"keys":"kid-a"}`},
		{"no key at all", http.StatusOK, `{"keys":[]}`},
		{"only garbage keys", http.StatusOK, `{"keys":[{"kty":"RSA","kid":"kid-a","n":"!!","e":"AQAB"},{"kty":"oct","k":"c2VjcmV0"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newKeyServer(t)
			srv.setAnswer(tc.status, []byte(tc.body))
			s := openSet(t, Config{URL: srv.URL, RetryInterval: time.Hour}, nil)
			if _, err := s.Key(t.Context(), "kid-a"); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Key: %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestEachRequestHasATimeout(t *testing.T) {
	srv := newKeyServer(t)
	release := srv.holdRequests() // never answers in time
	defer release()
	s := openSet(t, Config{URL: srv.URL, Timeout: 50 * time.Millisecond, RetryInterval: time.Hour}, nil)
	_, err := s.Key(t.Context(), "kid-a")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Key: %v, want ErrUnavailable", err)
	}
}

func TestGarbageAnswerKeepsTheKeysInForce(t *testing.T) {
	s, srv, clock := onFakeClock(t, Config{})
	var steps []step
	for i, body := range []string{`{"keys":[]}`, `{"keys":[{"kty":"RSA","kid":"kid-b","n":"AQAB"}]}`, `garbage`} {
		steps = append(steps,
			step{name: body, advance: 2 * time.Hour, answer: func() { srv.setAnswer(http.StatusOK, []byte(body)) },
				kid: "kid-b", want: ErrUnavailable, requests: int64(i + 2)},
			step{name: body + ", kid-a", kid: "kid-a", requests: int64(i + 2)})
	}
	runSteps(t, s, srv, clock, steps)
}

func TestAnUnchangedSetIsNotParsedAgain(t *testing.T) {
	s, srv, clock := onFakeClock(t, Config{})
	before, err := s.Key(t.Context(), "kid-a")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	runSteps(t, s, srv, clock, []step{{name: "refresh, same body", kid: "kid-unknown", want: ErrUnknownKID, requests: 2}})
	if after, _ := s.Key(t.Context(), "kid-a"); after != before {
		t.Fatal("an unchanged body was converted again")
	}
	srv.serve(t, rsaJWK("kid-a", &keyA.PublicKey, map[string]any{"use": nil}))
	runSteps(t, s, srv, clock, []step{{name: "refresh, new body", advance: time.Hour, kid: "kid-unknown", want: ErrUnknownKID, requests: 3}})
	if after, _ := s.Key(t.Context(), "kid-a"); after == before || !after.Equal(before) {
		t.Fatal("a changed body was not converted again")
	}
}
