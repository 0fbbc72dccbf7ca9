package stytchtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// fixedNow starts the frozen clocks of the tests.
var fixedNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// newTestServer starts an emulator closed at the end of the test.
func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	srv, err := StartServer(cfg)
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// frozenServer is an emulator whose clock stands at fixedNow.
func frozenServer(t *testing.T) *Server {
	t.Helper()
	return newTestServer(t, Config{Now: fixedNow})
}

// uniqueEmail returns an email address no other test (nor another run of
// this one, with -count) uses on the shared server.
func uniqueEmail(prefix string) string {
	return prefix + "-" + newUUID() + "@example.com"
}

func mustUser(t *testing.T, srv *Server, email string, roles ...string) client.User {
	t.Helper()
	u, err := srv.CreateUser(context.Background(), UserParams{Email: email, Name: "Test User", Roles: roles})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

func mustSession(t *testing.T, srv *Server, p SessionParams) *SessionGrant {
	t.Helper()
	g, err := srv.CreateSession(context.Background(), p)
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return g
}

// userSession creates a user with roles and a session for it.
func userSession(t *testing.T, srv *Server, roles ...string) (client.User, *SessionGrant) {
	t.Helper()
	u := mustUser(t, srv, "", roles...)
	return u, mustSession(t, srv, SessionParams{UserID: u.UserID})
}

// wantAPIError checks that err is a *client.StytchError from the API with
// status and type, and a request id of the project's environment.
func wantAPIError(t *testing.T, err error, status int, errType client.ErrorType) *client.StytchError {
	t.Helper()
	var se *client.StytchError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want a *client.StytchError %d %s", err, err, status, errType)
	}
	if se.StatusCode != status || se.ErrorType != errType {
		t.Fatalf("error = %d %s (%s), want %d %s", se.StatusCode, se.ErrorType, se.ErrorMessage, status, errType)
	}
	if se.Local {
		t.Fatalf("error %v was found by the client; the test wants the emulator's answer", se)
	}
	if !strings.HasPrefix(se.RequestID, "request-id-test-") || se.ErrorURL != errorURL(status) || se.ErrorMessage == "" {
		t.Fatalf("error body request_id=%q error_url=%q message=%q: not Stytch's shape", se.RequestID, se.ErrorURL, se.ErrorMessage)
	}
	return se
}

// rawResponse is an answer read without the client package.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// decodeOK checks the answer is a 200 and decodes its body into out.
func (r rawResponse) decodeOK(t *testing.T, out any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d (body %s), want 200", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// object returns the body as a JSON object.
func (r rawResponse) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// call sends one request with the project's credentials when auth is set.
// A string body is sent as is; any other non-nil body is encoded as JSON.
func call(t *testing.T, srv *Server, method, path string, body any, auth bool) rawResponse {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.SetBasicAuth(srv.ProjectID, srv.Secret)
	}
	res, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{status: res.StatusCode, header: res.Header, body: data}
}

// wantErrorBody checks a raw answer is a Stytch error of status and type.
func wantErrorBody(t *testing.T, r rawResponse, status int, errType client.ErrorType) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d (body %s), want %d", r.status, r.body, status)
	}
	m := r.object(t)
	if m["status_code"] != float64(status) || m["error_type"] != string(errType) ||
		m["error_url"] != errorURL(status) || m["error_message"] == "" ||
		!strings.HasPrefix(fmt.Sprint(m["request_id"]), "request-id-test-") {
		t.Fatalf("body = %s, want a Stytch error %d %s", r.body, status, errType)
	}
}
