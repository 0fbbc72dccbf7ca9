package docsapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/stytchmw/stytchmw/examples/internal/docstore"
	"github.com/stytchmw/stytchmw/middleware"
)

// OrgParam is the path parameter that names the organization of the B2B
// example's document routes: /orgs/{organization_id}/documents.
const OrgParam = "organization_id"

// B2BAPI is the B2B documents API's handlers (examples/b2b). They run
// behind the route table's rules: the organization in the path is the one
// the rule's check was about, so a handler that runs may act on it.
type B2BAPI struct {
	auth   *middleware.Authenticator
	docs   *orgStores
	logger *slog.Logger
}

// B2BAPI returns the B2B handlers, which log out through auth. The Demo
// must come from OpenB2B.
func (d *Demo) B2BAPI(auth *middleware.Authenticator) *B2BAPI {
	return &B2BAPI{auth: auth, docs: d.b2b.docs, logger: d.Logger}
}

// Healthz is API.Healthz: 200 "ok" once the Authenticator is ready.
func (a *B2BAPI) Healthz(w http.ResponseWriter, _ *http.Request) { healthz(w, a.auth) }

// MemberMe is the B2B /me answer: the member session the middleware
// established.
type MemberMe struct {
	MemberID         string   `json:"member_id"`
	MemberSessionID  string   `json:"member_session_id"`
	OrganizationID   string   `json:"organization_id"`
	OrganizationSlug string   `json:"organization_slug"`
	Roles            []string `json:"roles"`
	// Verified is "local" or "remote", as in Me.
	Verified string `json:"verified"`
}

// Me answers the request's member session.
func (a *B2BAPI) Me(w http.ResponseWriter, r *http.Request) {
	auth, ok := memberSession(w, r)
	if !ok {
		return
	}
	s := auth.MemberSession
	writeJSON(w, http.StatusOK, MemberMe{
		MemberID:         s.MemberID,
		MemberSessionID:  s.MemberSessionID,
		OrganizationID:   s.OrganizationID,
		OrganizationSlug: s.OrganizationSlug,
		Roles:            orEmpty(s.Roles),
		Verified:         auth.Verified.String(),
	})
}

// ListDocuments answers the organization's documents (documents:read in
// that organization).
func (a *B2BAPI) ListDocuments(w http.ResponseWriter, r *http.Request) {
	store, ok := a.store(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, DocumentList{Documents: store.List()})
}

// CreateDocument stores a document of the organization owned by the
// session's member (documents:create in that organization): 201, with its
// Location.
func (a *B2BAPI) CreateDocument(w http.ResponseWriter, r *http.Request) {
	auth, ok := memberSession(w, r)
	if !ok {
		return
	}
	store, ok := a.store(w, r)
	if !ok {
		return
	}
	req, ok := decodeNewDocument(w, r)
	if !ok {
		return
	}
	doc, err := store.Create(auth.MemberSession.MemberID, req.Title, req.Body)
	if !storeError(w, err) {
		return
	}
	w.Header().Set("Location", "/orgs/"+r.PathValue(OrgParam)+"/documents/"+doc.ID)
	writeJSON(w, http.StatusCreated, doc)
}

// DeleteDocument deletes the organization's document {id}
// (documents:delete in that organization): 204, or 404 when it has none.
func (a *B2BAPI) DeleteDocument(w http.ResponseWriter, r *http.Request) {
	store, ok := a.store(w, r)
	if !ok {
		return
	}
	if err := store.Delete(r.PathValue("id")); err != nil {
		writeProblem(w, http.StatusNotFound, "document_not_found", "This organization has no document with this id.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Logout revokes the member session and clears the cookies, as API.Logout.
func (a *B2BAPI) Logout(w http.ResponseWriter, r *http.Request) {
	auth, ok := memberSession(w, r)
	if !ok {
		return
	}
	logout(w, r, a.auth, auth, auth.MemberSession.MemberSessionID, a.logger)
}

// store returns the document store of the path's organization.
func (a *B2BAPI) store(w http.ResponseWriter, r *http.Request) (*docstore.Store, bool) {
	if _, ok := memberSession(w, r); !ok {
		return nil, false
	}
	store, err := a.docs.of(r.PathValue(OrgParam))
	if errors.Is(err, docstore.ErrFull) {
		writeProblem(w, http.StatusInsufficientStorage, "store_full", "The document store holds too many organizations.")
		return nil, false
	}
	return store, storeError(w, err)
}

// memberSession returns the request's Auth record of a member session,
// which the routes' rules guarantee; without one (a route wired without
// its rule) the request is refused with the middleware's 401.
func memberSession(w http.ResponseWriter, r *http.Request) (*middleware.Auth, bool) {
	auth, ok := middleware.FromContext(r.Context())
	if !ok || auth.MemberSession == nil {
		middleware.WriteError(w, r, http.StatusUnauthorized, middleware.ErrNoCredential)
		return nil, false
	}
	return auth, true
}
