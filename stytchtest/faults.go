package stytchtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// Fault is a failure the emulator plays on an endpoint instead of, or before,
// its normal answer. Latency delays the request; then the first of Drop,
// Status (with Malformed or Oversized), Malformed, Oversized and GarbageKeys
// that is set decides the answer; with none of them the normal answer
// follows the delay.
type Fault struct {
	// Latency delays the answer (or the drop). Close cuts the delay short.
	Latency time.Duration
	// Status answers with this HTTP status (400..599) and a Stytch-shaped
	// error body of ErrorType.
	Status int
	// ErrorType is the error_type of a Status answer; empty picks the one
	// Stytch uses for that status (too_many_requests for 429,
	// internal_server_error for 500, …).
	ErrorType string
	// Drop closes the connection without answering.
	Drop bool
	// Malformed answers with a body that is not JSON (with Status, or 200).
	Malformed bool
	// Oversized answers with a JSON body larger than client.MaxResponseBytes
	// (with Status, or 200).
	Oversized bool
	// GarbageKeys (EndpointJWKS and EndpointB2BJWKS only) serves unusable keys before the real
	// ones: an RSA key whose modulus is not base64url, an unknown kty, an
	// RSA key for another algorithm and one for encryption.
	GarbageKeys bool
	// RetryAfter adds a Retry-After header (whole seconds, rounded up).
	RetryAfter time.Duration
	// Count is how many requests the fault applies to; 0 means every request
	// until ClearFaults.
	Count int
}

// oversizedBytes is how large an Oversized answer is.
const oversizedBytes = client.MaxResponseBytes + 64<<10

// InjectFault makes endpoint play f on its next f.Count requests (every
// request when f.Count is 0), replacing any fault the endpoint had. Faults
// apply before credentials are checked, as when Stytch itself is failing;
// every faulted request is counted by Requests. It returns an error, and
// changes nothing, when f makes no sense (a Status outside 400..599,
// GarbageKeys on another endpoint than a JWKS, negative durations or
// count, no effect at all).
func (s *Server) InjectFault(endpoint Endpoint, f Fault) error {
	if !endpoint.valid() {
		return fmt.Errorf("stytchtest: InjectFault: unknown endpoint %q", endpoint)
	}
	switch {
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("stytchtest: InjectFault: Status %d is not an error status (400..599)", f.Status)
	case f.ErrorType != "" && f.Status == 0:
		return errors.New("stytchtest: InjectFault: ErrorType needs a Status")
	case f.GarbageKeys && endpoint != EndpointJWKS && endpoint != EndpointB2BJWKS:
		return errors.New("stytchtest: InjectFault: GarbageKeys applies to EndpointJWKS and EndpointB2BJWKS only")
	case f.Latency < 0 || f.RetryAfter < 0 || f.Count < 0:
		return errors.New("stytchtest: InjectFault: Latency, RetryAfter and Count must not be negative")
	case f == Fault{Count: f.Count}:
		return errors.New("stytchtest: InjectFault: the fault does nothing")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = &f
	return nil
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Requests returns how many requests reached endpoint (whatever their
// outcome: faults, bad credentials and errors count) since the start or the
// last ResetCounters.
func (s *Server) Requests(endpoint Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[endpoint]
}

// ResetCounters sets every request counter to zero.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

// arrive counts a request to endpoint and takes the fault it must play, if
// any.
func (s *Server) arrive(endpoint Endpoint) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[endpoint]++
	f := s.faults[endpoint]
	if f == nil {
		return nil
	}
	taken := *f
	if f.Count > 0 {
		if f.Count--; f.Count == 0 {
			delete(s.faults, endpoint)
		}
	}
	return &taken
}

// playFault plays f and reports whether it answered the request (or
// dropped it), in which case the endpoint must not.
func (s *Server) playFault(w http.ResponseWriter, r *http.Request, f *Fault, requestID string, oauth bool) bool {
	if f.Latency > 0 && !s.sleep(r.Context(), f.Latency) {
		return true // the client left or the server is closing: nobody to answer
	}
	if f.RetryAfter > 0 {
		secs := (f.RetryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	status := http.StatusOK
	if f.Status != 0 {
		status = f.Status
	}
	switch {
	case f.Drop:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		} else {
			panic(http.ErrAbortHandler) // no hijacking (HTTP/2): abort the stream instead
		}
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"request_id":%q,"status_code":%d,"this is":not JSON`, requestID, status)
	case f.Oversized:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"request_id":%q,"status_code":%d,"padding":"`, requestID, status)
		_, _ = w.Write([]byte(strings.Repeat("x", oversizedBytes)))
		_, _ = w.Write([]byte("\"}\n"))
	case f.Status != 0:
		t := client.ErrorType(f.ErrorType)
		switch {
		case t != "":
		case s.b2b && f.Status == http.StatusForbidden:
			t = client.ErrSessionAuthorization
		default:
			t = defaultErrorType(f.Status)
		}
		e := &client.StytchError{StatusCode: f.Status, ErrorType: t, ErrorMessage: defaultErrorMessage(t)}
		if oauth {
			writeOAuthError(w, requestID, e)
		} else {
			writeError(w, requestID, e)
		}
	case f.GarbageKeys:
		keys := garbageKeys()
		for _, k := range s.JWKS() {
			keys = append(keys, k)
		}
		writeJSON(w, http.StatusOK, map[string]any{"keys": keys, "request_id": requestID, "status_code": http.StatusOK})
	default:
		return false
	}
	return true
}

// sleep waits d, or less if ctx ends or the server closes; it reports
// whether it waited the whole time.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// garbageKeys are JWKs no verifier can use for a session JWT.
func garbageKeys() []any {
	return []any{
		map[string]any{"kty": "RSA", "kid": "jwk-garbage-modulus", "alg": "RS256", "use": "sig", "key_ops": []string{"verify"}, "n": "!!not base64url!!", "e": "AQAB"},
		map[string]any{"kty": "XYZ", "kid": "jwk-garbage-kty", "alg": "XYZ1", "use": "sig"},
		map[string]any{"kty": "RSA", "kid": "jwk-garbage-alg", "alg": "RS512", "use": "sig", "n": "AQAB", "e": "AQAB"},
		map[string]any{"kty": "RSA", "kid": "jwk-garbage-use", "alg": "RS256", "use": "enc", "n": "AQAB", "e": "AQAB"},
	}
}
