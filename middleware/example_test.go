package middleware_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func ExampleNew() {
	// An emulator stands in for Stytch here. In production the client is
	//
	//	client.New(client.Config{ProjectID: os.Getenv("STYTCH_PROJECT_ID"), Secret: os.Getenv("STYTCH_SECRET")})
	emulator := stytchtest.NewServer(stytchtest.Config{})
	defer emulator.Close()
	stytch := emulator.Client()

	// New waits at most this long for the first JWKS fetch; it does not fail
	// when Stytch is unreachable.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	auth, err := middleware.New(ctx, middleware.Config{
		Client:         stytch,
		MaxTokenAge:    time.Minute, // ask Stytch about JWTs older than a minute
		TrustedOrigins: []string{"https://app.example.com"},
		RefreshCookie:  &middleware.CookieOptions{},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := middleware.FromContext(r.Context())
		fmt.Fprintln(w, "hello", a.Session.UserID)
	})))
	mux.Handle("DELETE /documents/{id}", auth.Require(middleware.Permission("documents", "delete"))(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})))
	// http.ListenAndServe(":8080", mux) would serve it. A request without a
	// credential:
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output: 401 Bearer realm="stytch"
}

// Require with Authenticated requires a session; the handler reads it from
// the context. The stytchtest emulator plays Stytch, over real HTTP.
func ExampleAuthenticator_Require() {
	emulator, session := startEmulator()
	defer emulator.Close()
	ctx := context.Background()

	auth, err := middleware.New(ctx, middleware.Config{Client: emulator.Client(), HTTPClient: emulator.HTTPClient()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	app := httptest.NewServer(auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := middleware.FromContext(r.Context())
		fmt.Fprintf(w, "%s verified %s", a.Session.UserID, a.Verified)
	})))
	defer app.Close()

	// The user id is a fresh one each run: the output names it.
	show := func(what string, req *http.Request) {
		fmt.Printf("%s: %s\n", what, strings.ReplaceAll(do(app.Client(), req), session.Session.UserID, "<ada's user_id>"))
	}
	show("no credential", newRequest(http.MethodGet, app.URL, ""))
	show("session JWT", newRequest(http.MethodGet, app.URL, session.SessionJWT))
	req := newRequest(http.MethodGet, app.URL, "")
	req.AddCookie(&http.Cookie{Name: middleware.DefaultTokenCookie, Value: session.SessionToken})
	show("opaque session token", req)
	show("tampered JWT", newRequest(http.MethodGet, app.URL, session.SessionJWT[:len(session.SessionJWT)-4]+"AAAA"))
	// Output:
	// no credential: 401 missing_credential
	// session JWT: 200 <ada's user_id> verified local
	// opaque session token: 200 <ada's user_id> verified remote
	// tampered JWT: 401 invalid_token
}

// Require with Permission lets a request through only when the session's
// roles grant the action in the project's RBAC policy. Ada is a "reader":
// the emulator's default policy lets readers read documents, not delete
// them.
func ExampleAuthenticator_Require_permission() {
	emulator, session := startEmulator("reader")
	defer emulator.Close()
	ctx := context.Background()

	auth, err := middleware.New(ctx, middleware.Config{Client: emulator.Client(), HTTPClient: emulator.HTTPClient()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	granted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := middleware.FromContext(r.Context())
		fmt.Fprint(w, "granted to ", a.Verdict.GrantingRoles)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /documents", auth.Require(middleware.Permission("documents", "read"))(granted))
	mux.Handle("DELETE /documents/{id}", auth.Require(middleware.Permission("documents", "delete"))(granted))
	app := httptest.NewServer(mux)
	defer app.Close()

	fmt.Println("GET /documents:", do(app.Client(), newRequest(http.MethodGet, app.URL+"/documents", session.SessionJWT)))
	fmt.Println("DELETE /documents/1:", do(app.Client(), newRequest(http.MethodDelete, app.URL+"/documents/1", session.SessionJWT)))
	fmt.Println("GET /documents, no credential:", do(app.Client(), newRequest(http.MethodGet, app.URL+"/documents", "")))
	// Output:
	// GET /documents: 200 granted to [reader]
	// DELETE /documents/1: 403 consumer_session_authorization_error
	// GET /documents, no credential: 401 missing_credential
}

// Authorize checks a permission from inside a handler, when the action
// depends on data the route does not name: here a PUT creates a document
// that does not exist yet and updates one that does. Ada is an "editor":
// the emulator's default policy lets editors create documents, not update
// them.
func ExampleAuthenticator_Authorize() {
	emulator, session := startEmulator("editor")
	defer emulator.Close()
	ctx := context.Background()

	auth, err := middleware.New(ctx, middleware.Config{Client: emulator.Client(), HTTPClient: emulator.HTTPClient()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	documents := map[string]bool{"readme": true} // the application's store
	mux := http.NewServeMux()
	mux.Handle("PUT /documents/{id}", auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := "create"
		if documents[r.PathValue("id")] {
			action = "update"
		}
		verdict, err := auth.Authorize(r, "documents", action)
		if err != nil {
			middleware.WriteError(w, r, middleware.CodeOf(err).Status(), err) // 403, or 503 without a policy
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, action, "d, granted to ", verdict.GrantingRoles)
	})))
	app := httptest.NewServer(mux)
	defer app.Close()

	fmt.Println("PUT /documents/notes:", do(app.Client(), newRequest(http.MethodPut, app.URL+"/documents/notes", session.SessionJWT)))
	fmt.Println("PUT /documents/readme:", do(app.Client(), newRequest(http.MethodPut, app.URL+"/documents/readme", session.SessionJWT)))
	// Output:
	// PUT /documents/notes: 201 created, granted to [editor]
	// PUT /documents/readme: 403 consumer_session_authorization_error
}

// Revoke logs a session out: Stytch revokes it, and this Authenticator
// refuses its JWT and opaque token at once, though the JWT is still within
// its exp.
func ExampleAuthenticator_Revoke() {
	emulator, session := startEmulator()
	defer emulator.Close()
	ctx := context.Background()

	auth, err := middleware.New(ctx, middleware.Config{Client: emulator.Client(), HTTPClient: emulator.HTTPClient()})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()
	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "signed in")
	})))
	mux.Handle("POST /logout", auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := middleware.FromContext(r.Context())
		if err := auth.Revoke(r.Context(), a); err != nil {
			middleware.WriteError(w, r, middleware.CodeOf(err).Status(), err) // 503: Stytch did not revoke it
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	app := httptest.NewServer(mux)
	defer app.Close()

	fmt.Println("GET /me:", do(app.Client(), newRequest(http.MethodGet, app.URL+"/me", session.SessionJWT)))
	fmt.Println("POST /logout:", do(app.Client(), newRequest(http.MethodPost, app.URL+"/logout", session.SessionJWT)))
	fmt.Println("GET /me:", do(app.Client(), newRequest(http.MethodGet, app.URL+"/me", session.SessionJWT)))
	// Output:
	// GET /me: 200 signed in
	// POST /logout: 204
	// GET /me: 401 session_not_found
}

func ExampleNewContext() {
	// A handler test needs no Stytch: put the session in the context.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := middleware.FromContext(r.Context())
		fmt.Println(a.Session.UserID, a.Session.Roles)
	})
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(middleware.NewContext(req.Context(), &middleware.Auth{
		Session: &client.Session{UserID: "user-test-1", Roles: []string{"stytch_user", "editor"}},
	}))
	handler.ServeHTTP(nil, req)
	// Output: user-test-1 [stytch_user editor]
}

// startEmulator starts a Stytch emulator with a user, Ada, holding roles
// (besides stytch_user), and a session of hers, as a test of your own
// handlers would.
func startEmulator(roles ...string) (*stytchtest.Server, *stytchtest.SessionGrant) {
	emulator := stytchtest.NewServer(stytchtest.Config{})
	ctx := context.Background()
	user, err := emulator.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com", Roles: roles})
	if err != nil {
		log.Fatal(err)
	}
	session, err := emulator.CreateSession(ctx, stytchtest.SessionParams{UserID: user.UserID})
	if err != nil {
		log.Fatal(err)
	}
	return emulator, session
}

// newRequest builds a request, with a Bearer session JWT when jwt is set.
func newRequest(method, url, jwt string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		log.Fatal(err)
	}
	if jwt != "" {
		req.Header.Set("Authorization", "Bearer "+jwt)
	}
	return req
}

// do sends req with c and describes the answer: the status, then the body
// of a success or the error_type of a refusal.
func do(c *http.Client, req *http.Request) string {
	res, err := c.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		log.Fatal(err)
	}
	if res.StatusCode < 300 {
		return strings.TrimSpace(fmt.Sprint(res.StatusCode, " ", string(body)))
	}
	var refusal struct {
		ErrorType string `json:"error_type"`
	}
	if err := json.Unmarshal(body, &refusal); err != nil {
		log.Fatal(err)
	}
	return fmt.Sprint(res.StatusCode, " ", refusal.ErrorType)
}
