package nethttp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/stytchtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is an emulator, an Authenticator for it, and a session JWT per
// kind of user.
type fixture struct {
	srv  *stytchtest.Server
	auth *middleware.Authenticator
	// jwt holds a session JWT per user: "user" (stytch_user only),
	// "reader", "editor", "admin".
	jwt map[string]string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	srv := stytchtest.NewServer(stytchtest.Config{})
	t.Cleanup(srv.Close)
	auth, err := middleware.New(ctx, middleware.Config{Client: srv.Client(), Now: srv.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = auth.Close() })
	f := &fixture{srv: srv, auth: auth, jwt: map[string]string{}}
	for name, roles := range map[string][]string{"user": nil, "reader": {"reader"}, "editor": {"editor"}, "admin": {"admin"}} {
		u, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: name + "@example.com", Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		g, err := srv.CreateSession(ctx, stytchtest.SessionParams{UserID: u.UserID})
		if err != nil {
			t.Fatal(err)
		}
		f.jwt[name] = g.SessionJWT
	}
	return f
}

// call sends one request to the test server as who ("" for no
// credential) and returns the status, the Allow header and the body.
func (f *fixture) call(t *testing.T, ts *httptest.Server, method, path, who string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.jwt[who])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.Join(resp.Header.Values("Allow"), ","), string(body)
}
