package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/stytchmw/stytchmw/internal/redact"
)

// MaxResponseBytes caps how much of a response body the client reads.
const MaxResponseBytes = 2 << 20

const (
	// defaultRetryBase is the mean wait before the first retry; each later
	// retry doubles it, up to maxBackoff, with ±50 % jitter.
	defaultRetryBase = 100 * time.Millisecond
	maxBackoff       = 5 * time.Second
	// maxRetryAfter is the longest Retry-After the client waits out; a
	// longer one ends the retries at once rather than hold the caller.
	maxRetryAfter = 10 * time.Second
	// maxErrorBodyBytes is the largest answer decoded as a Stytch error
	// (whose bodies are far smaller); a larger one is quoted as an
	// excerpt, which bounds what redacting an error costs.
	maxErrorBodyBytes = 64 << 10
)

// errNotStytchJSON is the cause of a RequestError for a non-2xx answer that
// is not a Stytch (or OAuth2-style) JSON error body.
var errNotStytchJSON = errors.New("answer is not a Stytch JSON error")

// outcome is the result of one attempt.
type outcome struct {
	err error
	// retry says whether an idempotent request may be sent again: the
	// request got no answer, or a 5xx or 429 one.
	retry bool
	// retryAfter is the server's Retry-After delay, if it sent one.
	retryAfter time.Duration
}

// do sends one API request and decodes a 200/201 answer into out.
// Idempotent requests are retried, with jittered exponential backoff or the
// server's Retry-After, on network errors, attempt timeouts, 5xx and 429;
// other requests are sent once.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, idempotent bool, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("stytch client: encode %s request: %w", path, err)
		}
	}
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	attempts := 1
	if idempotent {
		attempts += c.maxRetries
	}
	_, public := body.(publicForm)
	for attempt := 1; ; attempt++ {
		o := c.attempt(ctx, method, target, path, query, payload, public, out)
		if o.err == nil {
			return nil
		}
		if attempt >= attempts || !o.retry || ctx.Err() != nil || o.retryAfter > maxRetryAfter {
			return withAttempts(o.err, attempt)
		}
		wait := c.backoff(attempt)
		if o.retryAfter > 0 {
			wait = o.retryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return withAttempts(o.err, attempt) // the retry could not finish in time
		}
		if err := c.sleep(ctx, wait); err != nil {
			return &RequestError{Method: method, Path: path, StatusCode: statusOf(o.err), Attempts: attempt,
				Err: fmt.Errorf("%w while waiting to retry; last attempt: %w", err, o.err)}
		}
	}
}

// backoff is the wait before retry number attempt (1-based): the mean
// doubles from retryBase up to maxBackoff, jittered by ±50 % so that
// clients failing together do not retry together.
func (c *Client) backoff(attempt int) time.Duration {
	mean := c.retryBase
	for i := 1; i < attempt && mean < maxBackoff; i++ {
		mean *= 2
	}
	mean = min(mean, maxBackoff)
	if mean <= 0 {
		return 0
	}
	return mean/2 + rand.N(mean)
}

// sleepContext waits d, or until ctx ends and returns its error.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func withAttempts(err error, n int) error {
	var re *RequestError
	if errors.As(err, &re) {
		re.Attempts = n
	}
	return err
}

// statusOf is the HTTP status an error carries, or 0.
func statusOf(err error) int {
	var se *StytchError
	if errors.As(err, &se) {
		return se.StatusCode
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// attempt sends the request once, bounded by the per-attempt timeout.
// Whatever of the answer an error holds (its fields, a quoted excerpt, a
// decoding or transport error quoting it) goes through the request's
// redactor first. A public request (see publicForm) is sent as a form
// without the project's credentials; payload, its JSON, is what the errors
// are redacted with.
func (c *Client) attempt(ctx context.Context, method, target, path string, query url.Values, payload []byte, public bool, out any) outcome {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var r *redact.Redactor // built on the first failure that needs it
	red := func() *redact.Redactor {
		if r == nil {
			r = c.redactor(query, payload)
		}
		return r
	}
	fail := func(status int, excerpt string, err error) *RequestError {
		return &RequestError{Method: method, Path: path, StatusCode: status, BodyExcerpt: excerpt, Attempts: 1, Err: err}
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return outcome{err: fail(0, "", scrubURLError(err))}
	}
	authHeader, _ := c.credentials()
	req.Header.Set("Authorization", authHeader)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if public {
		asPublicForm(req, payload)
	}
	res, err := c.httpClient.Do(req)
	if err != nil {
		// net/http quotes a malformed status line or header.
		return outcome{err: fail(0, "", red().Err(c.transportError(parent, err))), retry: true}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseBytes+1))
	if err != nil {
		return outcome{err: fail(res.StatusCode, "", red().Err(fmt.Errorf("read response body: %w", c.transportError(parent, err)))), retry: true}
	}
	retryStatus := res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500
	if len(data) > MaxResponseBytes {
		return outcome{err: fail(res.StatusCode, "", fmt.Errorf("response body exceeds %d bytes", MaxResponseBytes)), retry: retryStatus}
	}
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusCreated {
		if err := decodeAnswer(data, out); err != nil {
			// A JSON answer may hold session tokens: quote only bodies
			// that are not JSON objects (an HTML page from a proxy, say).
			quote := ""
			if !isJSONObject(data) {
				quote = red().Excerpt(data)
			}
			// A decoding error may quote a value of the answer.
			return outcome{err: fail(res.StatusCode, quote, red().Err(fmt.Errorf("decode response: %w", err)))}
		}
		return outcome{}
	}
	retryAfter := parseRetryAfter(res.Header.Get("Retry-After"))
	var se *StytchError
	if len(data) <= maxErrorBodyBytes {
		se = decodeAPIError(data, res.StatusCode)
	}
	if se != nil {
		redactAPIError(red(), se)
		return outcome{err: se, retry: retryStatus, retryAfter: retryAfter}
	}
	return outcome{err: fail(res.StatusCode, red().Excerpt(data), errNotStytchJSON), retry: retryStatus, retryAfter: retryAfter}
}

// transportError drops the URL from a *url.Error (it may carry a user id in
// its query; method and path are already in the RequestError) and names an
// attempt timeout as such.
func (c *Client) transportError(parent context.Context, err error) error {
	err = scrubURLError(err)
	if parent.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("attempt timed out after %s: %w", c.timeout, err)
	}
	return err
}

// decodeAnswer decodes a success body, which must be a JSON object holding
// what the answer type requires (see the check methods).
func decodeAnswer(data []byte, out any) error {
	if !isJSONObject(data) {
		return errors.New("answer is not a JSON object")
	}
	if err := json.Unmarshal(data, out); err != nil {
		return err
	}
	if c, ok := out.(interface{ check() error }); ok {
		return c.check()
	}
	return nil
}

func isJSONObject(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// decodeAPIError reads a Stytch error body, or an OAuth2-style one. It
// returns nil when data is neither. The HTTP status wins over the body's
// status_code, as in Stytch's Go SDK.
func decodeAPIError(data []byte, status int) *StytchError {
	var body struct {
		StytchError
		OAuthError       string `json:"error"`
		ErrorDescription string `json:"error_description"`
		ErrorURI         string `json:"error_uri"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil
	}
	se := body.StytchError
	if se.ErrorType == "" && body.OAuthError != "" {
		se.ErrorType, se.ErrorMessage, se.ErrorURL = ErrorType(body.OAuthError), body.ErrorDescription, body.ErrorURI
	}
	if se.ErrorType == "" {
		return nil
	}
	se.StatusCode = status
	return &se
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		d = time.Duration(min(secs, 1<<20)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return max(d, 0)
}

// redactor returns the redactor of a request's answer: it removes the
// project secret (and so the Basic credentials) and the credentials the
// request carried in query or payload.
func (c *Client) redactor(query url.Values, payload []byte) *redact.Redactor {
	_, secret := c.credentials()
	return redact.New(append(redact.Credentials(query, payload), secret)...)
}

// scrubURLError drops the URL from a *url.Error: it may carry a user id in
// its query, and the operation and path are already in the RequestError.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
