package docsapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/examples/internal/docstore"
	"github.com/stytchmw/stytchmw/middleware"
)

// API is the documents API's handlers. They run behind the router's
// authorization rules (see examples/chi and examples/nethttp): they read
// the session the middleware put in the request's context and never look
// at credentials themselves.
type API struct {
	auth   *middleware.Authenticator
	store  *docstore.Store
	logger *slog.Logger
}

// API returns the handlers, which log out through auth.
func (d *Demo) API(auth *middleware.Authenticator) *API {
	return &API{auth: auth, store: d.store, logger: d.Logger}
}

// maxRequestBody bounds a POST /documents body: the largest document, JSON
// escaped (\uXXXX is 6 bytes per byte at worst), fits.
const maxRequestBody = 8 * (docstore.MaxTitleBytes + docstore.MaxBodyBytes)

// Healthz answers 200 "ok" once the Authenticator is ready: in fleet mode,
// once it has loaded the fleet's revocations (before, 503, so that a load
// balancer sends it no traffic that a revoked session could use). The
// route needs no authentication.
func (a *API) Healthz(w http.ResponseWriter, _ *http.Request) { healthz(w, a.auth) }

// healthz answers 200 "ok" when auth is ready, else 503.
func healthz(w http.ResponseWriter, auth *middleware.Authenticator) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !auth.Status().Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready: the fleet's revocations are not loaded\n")
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}

// Me is the /me answer: the session the middleware established.
type Me struct {
	UserID                string                        `json:"user_id"`
	SessionID             string                        `json:"session_id"`
	Roles                 []string                      `json:"roles"`
	AuthenticationFactors []client.AuthenticationFactor `json:"authentication_factors"`
	CustomClaims          map[string]any                `json:"custom_claims"`
	// Verified is "local" when the session JWT was verified in process,
	// "remote" when Stytch was asked (opaque token, expired JWT, JWT older
	// than MaxTokenAge).
	Verified string `json:"verified"`
}

// Me answers the request's session.
func (a *API) Me(w http.ResponseWriter, r *http.Request) {
	auth, ok := a.session(w, r)
	if !ok {
		return
	}
	s := auth.Session
	me := Me{
		UserID:                s.UserID,
		SessionID:             s.SessionID,
		Roles:                 orEmpty(s.Roles),
		AuthenticationFactors: orEmpty(s.AuthenticationFactors),
		CustomClaims:          s.CustomClaims,
		Verified:              auth.Verified.String(),
	}
	if me.CustomClaims == nil {
		me.CustomClaims = map[string]any{}
	}
	writeJSON(w, http.StatusOK, me)
}

// DocumentList is the GET /documents answer.
type DocumentList struct {
	Documents []docstore.Document `json:"documents"`
}

// ListDocuments answers every document (documents:read).
func (a *API) ListDocuments(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, DocumentList{Documents: a.store.List()})
}

// NewDocument is the POST /documents request body.
type NewDocument struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// CreateDocument stores a document owned by the session's user
// (documents:create) and answers 201 with it and its Location.
func (a *API) CreateDocument(w http.ResponseWriter, r *http.Request) {
	auth, ok := a.session(w, r)
	if !ok {
		return
	}
	req, ok := decodeNewDocument(w, r)
	if !ok {
		return
	}
	doc, err := a.store.Create(auth.Session.UserID, req.Title, req.Body)
	if !storeError(w, err) {
		return
	}
	w.Header().Set("Location", "/documents/"+doc.ID)
	writeJSON(w, http.StatusCreated, doc)
}

// decodeNewDocument reads a POST body {"title", "body"}, answering the
// client's mistake itself (and false) when it is not one JSON object of
// those fields.
func decodeNewDocument(w http.ResponseWriter, r *http.Request) (NewDocument, bool) {
	var req NewDocument
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "The request body must be application/json.")
		return req, false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeProblem(w, http.StatusRequestEntityTooLarge, "request_too_large", "The request body is too large.")
			return req, false
		}
		writeProblem(w, http.StatusBadRequest, "invalid_request_body", `The request body must be a JSON object {"title", "body"}.`)
		return req, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeProblem(w, http.StatusBadRequest, "invalid_request_body", "The request body must hold one JSON object.")
		return req, false
	}
	return req, true
}

// storeError answers a docstore error (and false), or reports nil (true).
func storeError(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, docstore.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid_document", "A document needs a title of at most "+
			strconv.Itoa(docstore.MaxTitleBytes)+" bytes and a body of at most "+strconv.Itoa(docstore.MaxBodyBytes)+" bytes, in UTF-8.")
	case errors.Is(err, docstore.ErrFull):
		writeProblem(w, http.StatusInsufficientStorage, "store_full", "The document store is full.")
	default:
		writeProblem(w, http.StatusInternalServerError, "internal_error", "The document could not be stored.")
	}
	return false
}

// DeleteDocument deletes the document {id} (documents:delete): 204, or 404
// when there is none. Both routers set the path value (chi since v5.1).
func (a *API) DeleteDocument(w http.ResponseWriter, r *http.Request) {
	if err := a.store.Delete(r.PathValue("id")); err != nil {
		writeProblem(w, http.StatusNotFound, "document_not_found", "There is no document with this id.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Logout revokes the request's session with Stytch through the
// Authenticator, which then refuses the session's JWT and opaque token at
// once, and clears the session cookies: 204. A session Stytch no longer
// knows is already logged out. When Stytch cannot be reached the session
// is not revoked: 503, and the cookies stay, so the user can try again.
func (a *API) Logout(w http.ResponseWriter, r *http.Request) {
	auth, ok := a.session(w, r)
	if !ok {
		return
	}
	logout(w, r, a.auth, auth, auth.Session.SessionID, a.logger)
}

// logout revokes the session of auth (whose id is sessionID, for the log)
// through authn and clears the session cookies: 204; 503 when Stytch did
// not revoke it.
func logout(w http.ResponseWriter, r *http.Request, authn *middleware.Authenticator, auth *middleware.Auth, sessionID string, logger *slog.Logger) {
	if err := authn.Revoke(r.Context(), auth); err != nil {
		logger.WarnContext(r.Context(), "logout: Stytch did not revoke the session", "session_id", sessionID, "error", err)
		middleware.WriteError(w, r, middleware.CodeOf(err).Status(), err)
		return
	}
	for _, name := range []string{middleware.DefaultJWTCookie, middleware.DefaultTokenCookie} {
		// The attributes of the cookies the middleware and Stytch's frontend
		// SDKs write, so that the browser replaces them.
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
			Secure: true, SameSite: http.SameSiteLaxMode})
	}
	w.WriteHeader(http.StatusNoContent)
}

// session returns the request's Auth record. The routes' rules guarantee
// one; without it (a route wired without its rule) the request is refused
// with the middleware's 401 rather than served anonymously.
func (a *API) session(w http.ResponseWriter, r *http.Request) (*middleware.Auth, bool) {
	auth, ok := middleware.FromContext(r.Context())
	if !ok || auth.Session == nil {
		middleware.WriteError(w, r, http.StatusUnauthorized, middleware.ErrNoCredential)
		return nil, false
	}
	return auth, true
}

// problem is the API's error body, in the middleware's (and Stytch's) shape.
type problem struct {
	StatusCode   int    `json:"status_code"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
}

func writeProblem(w http.ResponseWriter, status int, errorType, message string) {
	writeJSON(w, status, problem{StatusCode: status, ErrorType: errorType, ErrorMessage: message})
}

// writeJSON answers v as JSON. The answers hold session data: no caching.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"status_code":500,"error_type":"internal_error","error_message":"The answer could not be encoded."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// orEmpty makes a nil slice encode as [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
