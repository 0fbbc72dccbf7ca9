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

// Version is this module's version, sent in the default User-Agent.
const Version = "0.1.0"

// MaxResponseBytes caps how much of a response body the client reads.
const MaxResponseBytes = 2 << 20

// Client calls Stytch's consumer Sessions API and RBAC policy endpoint.
// It is safe for concurrent use.
type Client struct {
	projectID  string
	secret     string
	baseURL    string // scheme://host[/prefix], no trailing slash
	httpClient *http.Client
	timeout    time.Duration
	userAgent  string
	maxRetries int
}

// New checks cfg and returns a client. It makes no request.
func New(cfg Config) (*Client, error) {
	if err := validateProjectID(cfg.ProjectID); err != nil {
		return nil, err
	}
	if err := validateSecret(cfg.ProjectID, cfg.Secret); err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = defaultBaseURL(cfg.ProjectID)
	}
	base, err := normalizeBaseURL(base)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: Timeout must not be negative", ErrInvalidConfig)
	}
	c := &Client{
		projectID:  cfg.ProjectID,
		secret:     cfg.Secret,
		baseURL:    base,
		httpClient: cfg.HTTPClient,
		timeout:    cfg.Timeout,
		userAgent:  cfg.UserAgent,
		maxRetries: 2,
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "stytchmw/" + Version
	}
	return c, nil
}

// ProjectID returns the project id the client authenticates as.
func (c *Client) ProjectID() string { return c.projectID }

// BaseURL returns the API base URL in use, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// String describes the client without its secret.
func (c *Client) String() string {
	return fmt.Sprintf("client.Client{ProjectID:%q, BaseURL:%q}", c.projectID, c.baseURL)
}

// GoString is String, so %#v does not print the secret.
func (c *Client) GoString() string { return c.String() }

func validateProjectID(id string) error {
	var rest string
	switch {
	case id == "":
		return fmt.Errorf("%w: ProjectID is required", ErrInvalidConfig)
	case strings.HasPrefix(id, "project-test-"):
		rest = id[len("project-test-"):]
	case strings.HasPrefix(id, "project-live-"):
		rest = id[len("project-live-"):]
	default:
		return fmt.Errorf("%w: ProjectID must start with project-test- or project-live-", ErrInvalidConfig)
	}
	if rest == "" || len(id) > 128 {
		return fmt.Errorf("%w: ProjectID has no id after its prefix or is too long", ErrInvalidConfig)
	}
	for _, r := range rest {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("%w: ProjectID may hold only letters, digits and '-'", ErrInvalidConfig)
		}
	}
	return nil
}

// validateSecret never puts the secret, or any part of it, in its errors.
func validateSecret(projectID, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: Secret is required", ErrInvalidConfig)
	}
	if len(secret) > 256 {
		return fmt.Errorf("%w: Secret is longer than 256 bytes", ErrInvalidConfig)
	}
	for i := 0; i < len(secret); i++ {
		if secret[i] <= ' ' || secret[i] >= 0x7f {
			return fmt.Errorf("%w: Secret holds a space, control or non-ASCII byte (at offset %d)", ErrInvalidConfig, i)
		}
	}
	live := strings.HasPrefix(projectID, "project-live-")
	if live && strings.HasPrefix(secret, "secret-test-") || !live && strings.HasPrefix(secret, "secret-live-") {
		return fmt.Errorf("%w: Secret is for the other environment than ProjectID", ErrInvalidConfig)
	}
	return nil
}

func normalizeBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: BaseURL does not parse", ErrInvalidConfig)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("%w: BaseURL must be an absolute http or https URL", ErrInvalidConfig)
	}
	if u.User != nil {
		return "", fmt.Errorf("%w: BaseURL must not carry credentials; set ProjectID and Secret", ErrInvalidConfig)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: BaseURL must not have a query or fragment", ErrInvalidConfig)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// Get lists the active sessions of a user.
func (c *Client) Get(ctx context.Context, req GetRequest) (*GetResponse, error) {
	if req.UserID == "" {
		return nil, localError(ErrInvalidUserID, "user_id is required.")
	}
	var resp GetResponse
	q := url.Values{"user_id": {req.UserID}}
	if err := c.do(ctx, http.MethodGet, "/v1/sessions", q, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Authenticate authenticates a session token or JWT, optionally extending the
// session, updating its custom claims and checking an RBAC permission.
func (c *Client) Authenticate(ctx context.Context, req AuthenticateRequest) (*AuthenticateResponse, error) {
	switch {
	case req.SessionToken != "" && req.SessionJWT != "":
		return nil, localError(ErrTooManySessionArguments, "Please include at most one of session_token or session_jwt in an authenticate request, not both.")
	case req.SessionToken == "" && req.SessionJWT == "":
		return nil, localError(ErrNoSessionArguments, "Please include one of session_token or session_jwt in an authenticate request.")
	}
	if err := validateDuration(req.SessionDurationMinutes); err != nil {
		return nil, err
	}
	claims, err := PrepareCustomClaims(req.SessionCustomClaims)
	if err != nil {
		return nil, err
	}
	req.SessionCustomClaims = claims
	if ac := req.AuthorizationCheck; ac != nil && (ac.ResourceID == "" || ac.Action == "") {
		return nil, localError(ErrBadRequest, "authorization_check needs both resource_id and action.")
	}
	var resp AuthenticateResponse
	if err := c.do(ctx, http.MethodPost, "/v1/sessions/authenticate", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Revoke revokes a session by its id, one of its tokens or one of its JWTs.
func (c *Client) Revoke(ctx context.Context, req RevokeRequest) (*RevokeResponse, error) {
	n := 0
	for _, s := range []string{req.SessionID, req.SessionToken, req.SessionJWT} {
		if s != "" {
			n++
		}
	}
	switch {
	case n > 1:
		return nil, localError(ErrTooManySessionRevokeArguments, "Please include exactly one of session_id, session_token or session_jwt in a revoke request.")
	case n == 0:
		return nil, localError(ErrNoSessionRevokeArguments, "Please include one of session_id, session_token or session_jwt in a revoke request.")
	}
	var resp RevokeResponse
	if err := c.do(ctx, http.MethodPost, "/v1/sessions/revoke", nil, req, false, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Migrate exchanges an external OIDC provider's session token for a Stytch
// session of the user with the same email address.
func (c *Client) Migrate(ctx context.Context, req MigrateRequest) (*MigrateResponse, error) {
	if req.SessionToken == "" {
		return nil, localError(ErrInvalidSessionToken, "session_token is required.")
	}
	var resp MigrateResponse
	if err := c.grant(ctx, "/v1/sessions/migrate", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// ExchangeAccessToken exchanges a Connected Apps access token for a session.
func (c *Client) ExchangeAccessToken(ctx context.Context, req ExchangeAccessTokenRequest) (*ExchangeAccessTokenResponse, error) {
	if req.AccessToken == "" {
		return nil, localError(ErrInvalidToken, "access_token is required.")
	}
	var resp ExchangeAccessTokenResponse
	if err := c.grant(ctx, "/v1/sessions/exchange_access_token", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Attest exchanges a trusted identity provider's token for a session, or adds
// it as a factor to the session named by SessionToken or SessionJWT.
func (c *Client) Attest(ctx context.Context, req AttestRequest) (*AttestResponse, error) {
	switch {
	case req.ProfileID == "":
		return nil, localError(ErrTrustedTokenProfileNotFound, "profile_id is required.")
	case req.Token == "":
		return nil, localError(ErrInvalidTrustedAuthToken, "token is required.")
	case req.SessionToken != "" && req.SessionJWT != "":
		return nil, localError(ErrTooManySessionArguments, "Please include at most one of session_token or session_jwt, not both.")
	}
	var resp AttestResponse
	if err := c.grant(ctx, "/v1/sessions/attest", &req.SessionDurationMinutes, &req.SessionCustomClaims, &req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// grant validates the session fields shared by Migrate, ExchangeAccessToken
// and Attest, then posts body.
func (c *Client) grant(ctx context.Context, path string, minutes *int, claims *CustomClaims, body any, resp *SessionGrantResponse) error {
	if err := validateDuration(*minutes); err != nil {
		return err
	}
	prepared, err := PrepareCustomClaims(*claims)
	if err != nil {
		return err
	}
	*claims = prepared
	return c.do(ctx, http.MethodPost, path, nil, body, false, resp)
}

// GetJWKS fetches the JSON Web Key Set of a project (usually the client's own,
// see ProjectID).
func (c *Client) GetJWKS(ctx context.Context, req GetJWKSRequest) (*GetJWKSResponse, error) {
	if req.ProjectID == "" {
		return nil, localError(ErrInvalidProjectID, "project_id is required.")
	}
	var resp GetJWKSResponse
	if err := c.do(ctx, http.MethodGet, "/v1/sessions/jwks/"+url.PathEscape(req.ProjectID), nil, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// GetPolicy fetches the project's RBAC policy.
func (c *Client) GetPolicy(ctx context.Context) (*GetPolicyResponse, error) {
	var resp GetPolicyResponse
	if err := c.do(ctx, http.MethodGet, "/v1/rbac/policy", nil, nil, true, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Session duration bounds, in minutes, that the API accepts.
const (
	MinSessionDurationMinutes = 5
	MaxSessionDurationMinutes = 527040
)

func validateDuration(m int) error {
	if m != 0 && (m < MinSessionDurationMinutes || m > MaxSessionDurationMinutes) {
		return localError(ErrInvalidSessionDurationMinutes,
			fmt.Sprintf("session_duration_minutes must be between %d and %d.", MinSessionDurationMinutes, MaxSessionDurationMinutes))
	}
	return nil
}

// MaxCustomClaimsBytes is the most JSON that custom claims may take.
const MaxCustomClaimsBytes = 4096

// IsReservedClaim reports whether name is a registered JWT claim (iss, sub,
// aud, exp, nbf, iat, jti) or a Stytch claim (https://stytch.com/…). Such
// names are never custom claims: Stytch ignores them in session_custom_claims.
func IsReservedClaim(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return true
	}
	return strings.HasPrefix(name, "https://stytch.com/")
}

// PrepareCustomClaims returns claims as Stytch applies them: reserved names
// dropped (Stytch ignores them), the rest checked to encode as JSON within
// MaxCustomClaimsBytes. It does not modify claims.
func PrepareCustomClaims(claims CustomClaims) (CustomClaims, error) {
	if len(claims) == 0 {
		return claims, nil
	}
	kept := make(CustomClaims, len(claims))
	for k, v := range claims {
		if !IsReservedClaim(k) {
			kept[k] = v
		}
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, localError(ErrUnableToRepresentCustomClaims, "session_custom_claims cannot be represented as JSON.")
	}
	if len(b) > MaxCustomClaimsBytes {
		return nil, localError(ErrCustomClaimsTooLarge,
			fmt.Sprintf("session_custom_claims take %d bytes of JSON; the limit is %d.", len(b), MaxCustomClaimsBytes))
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return kept, nil
}

func localError(t ErrorType, msg string) *StytchError {
	return &StytchError{
		StatusCode:   http.StatusBadRequest,
		ErrorType:    t,
		ErrorMessage: msg,
		Local:        true,
	}
}

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
