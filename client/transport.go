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
	"strings"
	"time"
	"unicode/utf8"
)

// MaxResponseBytes caps how much of a response body the client reads.
const MaxResponseBytes = 2 << 20

// do sends one API request and decodes a 200/201 answer into out. Idempotent
// requests are retried on network errors, 5xx and 429.
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
	for attempt := 1; ; attempt++ {
		retryAfter, err := c.attempt(ctx, method, target, path, payload, out)
		if err == nil {
			return nil
		}
		if attempt >= attempts || !retryable(err) || retryAfter > maxRetryAfter {
			return withAttempts(err, attempt)
		}
		wait := backoff(attempt)
		if retryAfter > 0 {
			wait = retryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return withAttempts(err, attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return withAttempts(err, attempt)
		case <-t.C:
		}
	}
}

// maxRetryAfter is the longest Retry-After the client waits out; a longer one
// ends the retries at once.
const maxRetryAfter = 10 * time.Second

func backoff(attempt int) time.Duration {
	base := 100 * time.Millisecond << (attempt - 1)
	return base/2 + rand.N(base) // full jitter around base
}

func withAttempts(err error, n int) error {
	var re *RequestError
	if errors.As(err, &re) {
		re.Attempts = n
	}
	return err
}

func retryable(err error) bool {
	var se *StytchError
	if errors.As(err, &se) {
		return se.StatusCode == http.StatusTooManyRequests || se.StatusCode >= 500
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.StatusCode == 0 || re.StatusCode == http.StatusTooManyRequests || re.StatusCode >= 500
	}
	return false
}

// attempt sends the request once. It returns the server's Retry-After delay,
// if any, with the error.
func (c *Client) attempt(ctx context.Context, method, target, path string, payload []byte, out any) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, &RequestError{Method: method, Path: path, Attempts: 1, Err: err}
	}
	req.SetBasicAuth(c.projectID, c.secret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	res, err := c.httpClient.Do(req)
	if err != nil {
		return 0, &RequestError{Method: method, Path: path, Attempts: 1, Err: scrubURLError(err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseBytes+1))
	if err != nil {
		return 0, &RequestError{Method: method, Path: path, StatusCode: res.StatusCode, Attempts: 1,
			Err: fmt.Errorf("read response body: %w", err)}
	}
	if len(data) > MaxResponseBytes {
		return 0, &RequestError{Method: method, Path: path, StatusCode: res.StatusCode, Attempts: 1,
			Err: fmt.Errorf("response body exceeds %d bytes", MaxResponseBytes)}
	}
	retryAfter := parseRetryAfter(res.Header.Get("Retry-After"))
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, &RequestError{Method: method, Path: path, StatusCode: res.StatusCode, Attempts: 1,
				BodyExcerpt: excerpt(data), Err: fmt.Errorf("decode response: %w", err)}
		}
		return 0, nil
	}
	if se := decodeAPIError(data, res.StatusCode); se != nil {
		return retryAfter, se
	}
	return retryAfter, &RequestError{Method: method, Path: path, StatusCode: res.StatusCode, Attempts: 1,
		BodyExcerpt: excerpt(data), Err: errors.New("answer is not a Stytch JSON error")}
}

// decodeAPIError reads a Stytch error body, or an OAuth2-style one. It
// returns nil when data is neither.
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

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return max(d, 0)
}

// excerpt returns the start of a body as printable text.
func excerpt(data []byte) string {
	const n = 128
	if len(data) > n {
		data = data[:n]
	}
	s := strings.ToValidUTF8(string(data), string(utf8.RuneError))
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
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
