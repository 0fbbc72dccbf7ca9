package stytchtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// M2M clients and their client-credentials tokens, served by both kinds of
// project.

// AccessTokenLifetime is how long an M2M or Connected Apps access token is
// valid after it is issued.
const AccessTokenLifetime = time.Hour

// Bounds on M2M clients.
const (
	maxM2MClients        = 10_000
	maxScopes            = 100
	maxClientIDBytes     = 128
	minClientSecretBytes = 8
	maxClientSecretBytes = 256
	// m2mSecretBytes encode to a 43-character client secret.
	m2mSecretBytes = 32
)

// The emulator's own M2M error type and messages (the OAuth error types
// are client's ErrInvalidClient… constants, RFC 6749's names).
const (
	errDuplicateClientID client.ErrorType = "duplicate_client_id"
	msgM2MClientNotFound                  = "M2M client could not be found."
	msgInvalidClient                      = "The client_id or client_secret is not valid."
)

// M2MClient is an M2M client as the API shows it. ClientSecret is set only
// in the answer that creates the client.
type M2MClient struct {
	ClientID             string         `json:"client_id"`
	ClientSecret         string         `json:"client_secret,omitempty"`
	ClientName           string         `json:"client_name"`
	ClientDescription    string         `json:"client_description"`
	Status               string         `json:"status"`
	Scopes               []string       `json:"scopes"`
	ClientSecretLastFour string         `json:"client_secret_last_four"`
	TrustedMetadata      map[string]any `json:"trusted_metadata"`
}

// M2MClientParams describes an M2M client to create.
type M2MClientParams struct {
	// ClientID imports a client under an id of its own (default: a new
	// m2m-client-test-… id): 1 to 128 of A-Z, a-z, 0-9 and "-._~", unused
	// in the project.
	ClientID string
	// ClientSecret imports a client with a secret of its own (default: a
	// new random one): 8 (Stytch's minimum) to 256 printable ASCII bytes
	// without spaces; Stytch's entropy requirements are not modelled.
	ClientSecret string
	// Name and Description are the client's display name and description.
	Name, Description string
	// Scopes are the scopes the client may be granted.
	Scopes []string
	// TrustedMetadata is stored and shown as given (it must encode as JSON).
	TrustedMetadata map[string]any
}

// m2mClient is the emulator's record of a client: its secret only as a
// hash.
type m2mClient struct {
	M2MClient
	secretHash [sha256.Size]byte
}

// view returns the client as the API shows it (without its secret).
func (c *m2mClient) view() M2MClient {
	v := c.M2MClient
	v.Scopes = slices.Clone(c.Scopes)
	v.TrustedMetadata = cloneJSON(c.TrustedMetadata)
	return v
}

// validScopes checks a list of scopes: printable, no spaces, no repeats.
func validScopes(scopes []string) *client.StytchError {
	if len(scopes) > maxScopes {
		return badRequest(client.ErrBadRequest, "A client may have at most %d scopes.", maxScopes)
	}
	for i, sc := range scopes {
		if !validID(sc) || slices.Contains(scopes[:i], sc) {
			return badRequest(client.ErrBadRequest, "A scope must be 1 to %d printable bytes without spaces, and listed once.", maxFieldBytes)
		}
	}
	return nil
}

// validClientCredentials checks a caller's own client id and secret (each
// optional): the id must fit in a URL path segment as it is, the secret be
// long enough not to be guessed.
func validClientCredentials(clientID, secret string) *client.StytchError {
	if clientID != "" && (len(clientID) > maxClientIDBytes || strings.ContainsFunc(clientID, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r))
	})) {
		return badRequest(client.ErrBadRequest, "client_id must be 1 to %d of A-Z, a-z, 0-9, '-', '.', '_' and '~'.", maxClientIDBytes)
	}
	if secret != "" && (len(secret) < minClientSecretBytes || len(secret) > maxClientSecretBytes ||
		strings.ContainsFunc(secret, func(r rune) bool { return r <= ' ' || r >= 0x7f })) {
		return badRequest(client.ErrBadRequest, "client_secret must be %d to %d printable ASCII bytes without spaces.", minClientSecretBytes, maxClientSecretBytes)
	}
	return nil
}

// CreateM2MClient creates an M2M client and returns it with its secret,
// which the emulator does not keep (only its hash).
func (s *Server) CreateM2MClient(ctx context.Context, p M2MClientParams) (M2MClient, error) {
	if err := ctx.Err(); err != nil {
		return M2MClient{}, err
	}
	c, e := s.createM2MClient(p)
	if e != nil {
		return M2MClient{}, e
	}
	return c, nil
}

func (s *Server) createM2MClient(p M2MClientParams) (M2MClient, *client.StytchError) {
	if e := validScopes(p.Scopes); e != nil {
		return M2MClient{}, e
	}
	if len(p.Name) > maxFieldBytes || len(p.Description) > 4*maxFieldBytes {
		return M2MClient{}, badRequest(client.ErrBadRequest, "client_name may take at most %d bytes, client_description %d.", maxFieldBytes, 4*maxFieldBytes)
	}
	metadata, err := copyJSON(p.TrustedMetadata)
	if err != nil {
		return M2MClient{}, badRequest(client.ErrBadRequest, "trusted_metadata cannot be represented as JSON.")
	}
	if metadata == nil {
		metadata = map[string]any{}
	}
	if e := validClientCredentials(p.ClientID, p.ClientSecret); e != nil {
		return M2MClient{}, e
	}
	clientID, secret := p.ClientID, p.ClientSecret
	if clientID == "" {
		clientID = s.newID("m2m-client")
	}
	if secret == "" {
		var b [m2mSecretBytes]byte
		_, _ = rand.Read(b[:])
		secret = base64.RawURLEncoding.EncodeToString(b[:])
	}
	c := &m2mClient{M2MClient: M2MClient{ClientID: clientID, ClientName: p.Name, ClientDescription: p.Description,
		Status: "active", Scopes: append([]string{}, p.Scopes...), ClientSecretLastFour: secret[len(secret)-4:],
		TrustedMetadata: metadata}, secretHash: sha256.Sum256([]byte(secret))}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m2mClients) >= maxM2MClients {
		return M2MClient{}, badRequest(client.ErrBadRequest, "The emulator holds its maximum of %d M2M clients.", maxM2MClients)
	}
	if _, taken := s.m2mClients[c.ClientID]; taken {
		return M2MClient{}, badRequest(errDuplicateClientID, "An M2M client with this client_id already exists.")
	}
	s.m2mClients[c.ClientID] = c
	v := c.view()
	v.ClientSecret = secret
	return v, nil
}

// m2mClientBody answers the M2M client endpoints.
type m2mClientBody struct {
	envelope
	M2MClient M2MClient `json:"m2m_client"`
}

func (s *Server) handleCreateM2MClient(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		ClientID          string         `json:"client_id"`
		ClientSecret      string         `json:"client_secret"`
		Scopes            []string       `json:"scopes"`
		ClientName        string         `json:"client_name"`
		ClientDescription string         `json:"client_description"`
		TrustedMetadata   map[string]any `json:"trusted_metadata"`
	}
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	c, e := s.createM2MClient(M2MClientParams{ClientID: req.ClientID, ClientSecret: req.ClientSecret, Name: req.ClientName, Description: req.ClientDescription,
		Scopes: req.Scopes, TrustedMetadata: req.TrustedMetadata})
	if e != nil {
		return nil, e
	}
	return m2mClientBody{ok(requestID), c}, nil
}

func (s *Server) handleGetM2MClient(_ http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.m2mClients[r.PathValue("client_id")]
	if c == nil {
		return nil, apiError(http.StatusNotFound, client.ErrM2MClientNotFound, msgM2MClientNotFound)
	}
	return m2mClientBody{ok(requestID), c.view()}, nil
}

// oauthError is the OAuth error shape (RFC 6749 §5.2) of the public OAuth
// endpoints, with Stytch's status_code and request_id.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorURI         string `json:"error_uri"`
	StatusCode       int    `json:"status_code"`
	RequestID        string `json:"request_id"`
}

// writeOAuthError writes e in the OAuth error shape.
func writeOAuthError(w http.ResponseWriter, requestID string, e *client.StytchError) {
	writeJSON(w, e.StatusCode, oauthError{Error: string(e.ErrorType), ErrorDescription: e.ErrorMessage,
		ErrorURI: errorURL(e.StatusCode), StatusCode: e.StatusCode, RequestID: requestID})
}

// readForm reads the form of an OAuth endpoint (at most MaxRequestBytes):
// application/x-www-form-urlencoded as RFC 6749 says.
func readForm(w http.ResponseWriter, r *http.Request) *client.StytchError {
	r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return badRequest(client.ErrInvalidRequest, "The request must be application/x-www-form-urlencoded.")
	}
	if err := r.ParseForm(); err != nil {
		return badRequest(client.ErrInvalidRequest, "The request body is not a valid form of at most %d bytes.", MaxRequestBytes)
	}
	return nil
}

// checkPublicProject refuses an OAuth request for another project.
func (s *Server) checkPublicProject(r *http.Request) *client.StytchError {
	if r.PathValue("project_id") != s.ProjectID {
		return apiError(http.StatusNotFound, client.ErrInvalidRequest, "No project with that project_id is served here.")
	}
	return nil
}

// authenticateClient checks client credentials in constant time: an
// unknown client and a wrong secret are the same invalid_client.
func (s *Server) authenticateClient(clientID, secret string) (*m2mClient, *client.StytchError) {
	given := sha256.Sum256([]byte(secret))
	s.mu.Lock()
	c := s.m2mClients[clientID]
	s.mu.Unlock()
	want := [sha256.Size]byte{}
	if c != nil {
		want = c.secretHash
	}
	if c == nil || subtle.ConstantTimeCompare(given[:], want[:]) != 1 || c.Status != "active" {
		return nil, apiError(http.StatusUnauthorized, client.ErrInvalidClient, msgInvalidClient)
	}
	return c, nil
}

// handleToken serves POST /v1/public/{project_id}/oauth2/token, the
// client-credentials grant.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	if e := s.checkPublicProject(r); e != nil {
		return nil, e
	}
	if e := readForm(w, r); e != nil {
		return nil, e
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		return nil, badRequest(client.ErrUnsupportedGrantType, "grant_type must be client_credentials.")
	case f.Get("client_id") == "" || f.Get("client_secret") == "":
		return nil, badRequest(client.ErrInvalidRequest, "client_id and client_secret are required.")
	}
	c, e := s.authenticateClient(f.Get("client_id"), f.Get("client_secret"))
	if e != nil {
		return nil, e
	}
	scopes := c.Scopes
	if requested, given := f["scope"]; given {
		scopes = strings.Fields(strings.Join(requested, " "))
		for _, sc := range scopes {
			if !slices.Contains(c.Scopes, sc) {
				return nil, badRequest(client.ErrInvalidScope, "The client does not have a requested scope.")
			}
		}
	}
	token, err := s.signAccessToken(accessToken{subject: c.ClientID, scopes: scopes}, s.stamp())
	if err != nil {
		return nil, apiError(http.StatusInternalServerError, client.ErrInternalServerError, "The emulator could not sign a token.")
	}
	return newTokenBody(requestID, token), nil
}

// tokenBody answers the token endpoint (and the admin API's access tokens).
type tokenBody struct {
	envelope
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

func newTokenBody(requestID, token string) tokenBody {
	return tokenBody{ok(requestID), token, "bearer", int(AccessTokenLifetime / time.Second)}
}

// CreateM2MToken issues an access token for an M2M client with scopes (all
// the client's scopes when nil; each must be one of them), as the token
// endpoint would, without its secret.
func (s *Server) CreateM2MToken(ctx context.Context, clientID string, scopes []string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	c := s.m2mClients[clientID]
	s.mu.Unlock()
	if c == nil {
		return "", apiError(http.StatusNotFound, client.ErrM2MClientNotFound, msgM2MClientNotFound)
	}
	if scopes == nil {
		scopes = c.Scopes
	}
	for _, sc := range scopes {
		if !slices.Contains(c.Scopes, sc) {
			return "", badRequest(client.ErrInvalidScope, "The client does not have the scope %q.", sc)
		}
	}
	return s.signAccessToken(accessToken{subject: clientID, scopes: scopes}, s.stamp())
}
