package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const (
	m2mClientID = "m2m-client-test-d731954d-dab3-4a2b-bdee-07f3ad1be885"
	// m2mSecret is shaped like Stytch's client secrets (URL-safe).
	m2mSecret      = "NHQhc7ZqRbZtPH4NH9gVtvbUOrQ2x_2hZm8j1mNqCt5G4oBd"
	m2mAccessToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0LTEiLCJ0eXAiOiJKV1QifQ.eyJzY29wZSI6InJlYWQ6dXNlcnMifQ.c2lnbmF0dXJlLW9mLXRoZS1hY2Nlc3MtdG9rZW4"
)

// formEqual fails unless body is the form want.
func formEqual(t *testing.T, body []byte, want url.Values) {
	t.Helper()
	got, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatalf("body %q is not a form: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("form\n got %v\nwant %v", got, want)
	}
}

// assertPublicRequest checks a request to a public OAuth endpoint: a form,
// and no project credentials.
func assertPublicRequest(t *testing.T, r recordedRequest, path string) {
	t.Helper()
	if r.Method != http.MethodPost || r.RequestURI != path {
		t.Errorf("request %s %s, want POST %s", r.Method, r.RequestURI, path)
	}
	if h := r.Header.Get("Authorization"); h != "" {
		t.Errorf("Authorization %q sent to a public endpoint", h)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != testUserAgent {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestM2MToken(t *testing.T) {
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{"access_token":"`+m2mAccessToken+`","expires_in":3600,"token_type":"bearer"}`))
	c, _ := newTestClient(t, api.URL+"/prefix", nil)
	got, err := c.M2MToken(context.Background(), M2MTokenRequest{ClientID: m2mClientID, ClientSecret: m2mSecret, Scopes: []string{"read:users", "write:*"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (&M2MTokenResponse{AccessToken: m2mAccessToken, TokenType: "bearer", ExpiresIn: 3600}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	r := api.requests()[0]
	assertPublicRequest(t, r, "/prefix/v1/public/"+testProjectID+"/oauth2/token")
	formEqual(t, r.Body, url.Values{"grant_type": {"client_credentials"}, "client_id": {m2mClientID},
		"client_secret": {m2mSecret}, "scope": {"read:users write:*"}})

	// No scopes: the field is left out, meaning all of the client's.
	if _, err := c.M2MToken(context.Background(), M2MTokenRequest{ClientID: m2mClientID, ClientSecret: "s e+c/r=t"}); err != nil {
		t.Fatal(err)
	}
	formEqual(t, api.requests()[1].Body, url.Values{"grant_type": {"client_credentials"}, "client_id": {m2mClientID}, "client_secret": {"s e+c/r=t"}})
}

func TestOAuth2TokenURL(t *testing.T) {
	for _, tc := range []struct{ project, base, want string }{
		{testProjectID, "", "https://test.stytch.com/v1/public/" + testProjectID + "/oauth2/token"},
		{"project-live-1", "", "https://api.stytch.com/v1/public/project-live-1/oauth2/token"},
		{testProjectID, "https://login.example.com/stytch/", "https://login.example.com/stytch/v1/public/" + testProjectID + "/oauth2/token"},
	} {
		got, err := OAuth2TokenURL(tc.project, tc.base)
		if err != nil || got != tc.want {
			t.Errorf("OAuth2TokenURL(%q, %q) = %q, %v; want %q", tc.project, tc.base, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ project, base string }{
		{"", ""}, {"project-test-a/b", ""}, {testProjectID, "ftp://x"}, {testProjectID, "https://u:p@x"}, {testProjectID, "https://x?q=1"},
	} {
		if _, err := OAuth2TokenURL(tc.project, tc.base); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("OAuth2TokenURL(%q, %q) error %v, want ErrInvalidConfig", tc.project, tc.base, err)
		}
	}
}

// TestOAuthErrorsAreTyped: the token endpoint's RFC 6749 error answer is a
// *StytchError matched by the OAuth error constants, never retried.
func TestOAuthErrorsAreTyped(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   ErrorType
	}{
		{http.StatusUnauthorized, ErrInvalidClient},
		{http.StatusBadRequest, ErrInvalidScope},
		{http.StatusBadRequest, ErrInvalidRequest},
		{http.StatusBadRequest, ErrUnsupportedGrantType},
	} {
		t.Run(string(tc.want), func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(tc.status, `{"error":"`+string(tc.want)+`","error_description":"described",
				"error_uri":"https://stytch.com/docs/oauth","status_code":`+fmt.Sprint(tc.status)+`,"request_id":"request-id-test-7"}`))
			c, _ := newTestClient(t, api.URL, nil)
			_, err := c.M2MToken(context.Background(), M2MTokenRequest{ClientID: m2mClientID, ClientSecret: m2mSecret, Scopes: []string{"read:users"}})
			var se *StytchError
			if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.StatusCode != tc.status || se.ErrorMessage != "described" ||
				se.ErrorURL != "https://stytch.com/docs/oauth" || se.RequestID != "request-id-test-7" || se.Local {
				t.Fatalf("error %#v", err)
			}
			if api.count() != 1 {
				t.Fatalf("%d requests, want 1", api.count())
			}
		})
	}
}

// TestPublicRequestSecretsAreScrubbed: an endpoint (or proxy) echoing the
// form must not put the client secret or the introspected token into our
// errors, as for the project secret and session tokens.
func TestPublicRequestSecretsAreScrubbed(t *testing.T) {
	echoRaw := func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "proxy error: secret=%s token=%s", r.PostForm.Get("client_secret"), r.PostForm.Get("token"))
	}
	echoOAuth := func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		desc, _ := json.Marshal("bad client_secret " + r.PostForm.Get("client_secret") + " for token " + r.PostForm.Get("token"))
		writeJSON(w, http.StatusUnauthorized, `{"error":"invalid_client","error_description":`+string(desc)+`,
			"error_uri":"https://x/`+r.PostForm.Get("client_secret")+`","request_id":`+string(desc)+`}`)
	}
	token := func(ctx context.Context, c *Client) error {
		_, err := c.M2MToken(ctx, M2MTokenRequest{ClientID: m2mClientID, ClientSecret: m2mSecret})
		return err
	}
	introspect := func(ctx context.Context, c *Client) error {
		_, err := c.IntrospectToken(ctx, IntrospectTokenRequest{Token: m2mAccessToken, ClientID: "connected-app-test-1", ClientSecret: m2mSecret})
		return err
	}
	create := func(ctx context.Context, c *Client) error {
		_, err := c.CreateM2MClient(ctx, CreateM2MClientRequest{Scopes: []string{"read:users"}, ClientSecret: m2mSecret})
		return err
	}
	echoJSON := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		quoted, _ := json.Marshal(string(body))
		writeJSON(w, http.StatusBadRequest, `{"status_code":400,"error_type":"bad_request","error_message":`+string(quoted)+`}`)
	}
	cases := []struct {
		name   string
		handle http.HandlerFunc
		call   func(context.Context, *Client) error
	}{
		{"token, non-JSON echo", echoRaw, token},
		{"token, OAuth error echo", echoOAuth, token},
		{"introspect, non-JSON echo", echoRaw, introspect},
		{"introspect, OAuth error echo", echoOAuth, introspect},
		{"create client, Stytch error echo", echoJSON, create},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handle)
			t.Cleanup(srv.Close)
			c, _ := newTestClient(t, srv.URL, nil)
			err := tc.call(context.Background(), c)
			if err == nil {
				t.Fatal("no error")
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				text := fmt.Sprintf(verb, err)
				if strings.Contains(text, m2mSecret[:20]) || strings.Contains(text, m2mAccessToken[40:80]) {
					t.Fatalf("a secret leaked into %q", text)
				}
				if !strings.Contains(text, "[REDACTED]") {
					t.Fatalf("error %q does not show the redaction", text)
				}
			}
		})
	}
}

func TestM2MClients(t *testing.T) {
	const created = `{"m2m_client":{"client_id":"` + m2mClientID + `","client_secret":"` + m2mSecret + `","client_name":"billing",
		"client_description":"","status":"active","scopes":["read:users"],"client_secret_last_four":"oBd","trusted_metadata":{"team":"b"},
		"next_client_secret_last_four":null},"request_id":"r","status_code":200}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodPost {
			writeJSON(w, http.StatusOK, created)
			return
		}
		writeJSON(w, http.StatusOK, strings.Replace(created, `"client_secret":"`+m2mSecret+`",`, "", 1))
	})
	c, _ := newTestClient(t, api.URL, nil)
	got, err := c.CreateM2MClient(context.Background(), CreateM2MClientRequest{Scopes: []string{"read:users"}, ClientName: "billing",
		TrustedMetadata: map[string]any{"team": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	wantClient := M2MClient{ClientID: m2mClientID, ClientName: "billing", Status: "active", Scopes: []string{"read:users"},
		ClientSecretLastFour: "oBd", TrustedMetadata: map[string]any{"team": "b"}}
	if want := (&CreateM2MClientResponse{RequestID: "r", StatusCode: 200, M2MClient: M2MClientWithClientSecret{wantClient, m2mSecret}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("created %+v", got)
	}
	fetched, err := c.GetM2MClient(context.Background(), GetM2MClientRequest{ClientID: "m2m client/x"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fetched.M2MClient, wantClient) {
		t.Fatalf("fetched %+v", fetched)
	}
	reqs := api.requests()
	if reqs[0].RequestURI != "/v1/m2m/clients" || reqs[1].Method != http.MethodGet || reqs[1].RequestURI != "/v1/m2m/clients/m2m%20client%2Fx" {
		t.Fatalf("requests %s %s, %s %s", reqs[0].Method, reqs[0].RequestURI, reqs[1].Method, reqs[1].RequestURI)
	}
	jsonEqual(t, reqs[0].Body, `{"scopes":["read:users"],"client_name":"billing","trusted_metadata":{"team":"b"}}`)
	if _, _, ok := (&http.Request{Header: reqs[1].Header}).BasicAuth(); !ok {
		t.Fatal("M2M client management must use the project's credentials")
	}
}

func TestM2MValidationErrorsSendNothing(t *testing.T) {
	cases := []struct {
		name string
		call func(context.Context, *Client) error
		want ErrorType
	}{
		{"token without client id", func(ctx context.Context, c *Client) error {
			_, err := c.M2MToken(ctx, M2MTokenRequest{ClientSecret: "s"})
			return err
		}, ErrInvalidRequest},
		{"token without secret", func(ctx context.Context, c *Client) error {
			_, err := c.M2MToken(ctx, M2MTokenRequest{ClientID: "c"})
			return err
		}, ErrInvalidRequest},
		{"token with an empty scope", func(ctx context.Context, c *Client) error {
			_, err := c.M2MToken(ctx, M2MTokenRequest{ClientID: "c", ClientSecret: "s", Scopes: []string{"read:users", ""}})
			return err
		}, ErrInvalidScope},
		{"token with a scope holding a space", func(ctx context.Context, c *Client) error {
			_, err := c.M2MToken(ctx, M2MTokenRequest{ClientID: "c", ClientSecret: "s", Scopes: []string{"read:users write:users"}})
			return err
		}, ErrInvalidScope},
		{"create with a scope holding a newline", func(ctx context.Context, c *Client) error {
			_, err := c.CreateM2MClient(ctx, CreateM2MClientRequest{Scopes: []string{"read\n"}})
			return err
		}, ErrInvalidScope},
		{"get without client id", func(ctx context.Context, c *Client) error {
			_, err := c.GetM2MClient(ctx, GetM2MClientRequest{})
			return err
		}, ErrInvalidRequest},
		{"get with a dot-dot client id", func(ctx context.Context, c *Client) error {
			_, err := c.GetM2MClient(ctx, GetM2MClientRequest{ClientID: ".."})
			return err
		}, ErrInvalidRequest},
		{"introspect without token", func(ctx context.Context, c *Client) error {
			_, err := c.IntrospectToken(ctx, IntrospectTokenRequest{ClientID: "c"})
			return err
		}, ErrInvalidRequest},
		{"introspect without client id", func(ctx context.Context, c *Client) error {
			_, err := c.IntrospectToken(ctx, IntrospectTokenRequest{Token: "t"})
			return err
		}, ErrInvalidRequest},
	}
	api := newFakeAPI(t, jsonAnswer(http.StatusOK, `{}`))
	c, _ := newTestClient(t, api.URL, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(context.Background(), c)
			var se *StytchError
			if !errors.Is(err, tc.want) || !errors.As(err, &se) || !se.Local {
				t.Fatalf("error %v, want a local %s", err, tc.want)
			}
		})
	}
	if api.count() != 0 {
		t.Fatalf("validation errors sent %d requests", api.count())
	}
}

func TestMalformedM2MAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		call         func(*Client) error
	}{
		{"token without access_token", `{"token_type":"bearer","expires_in":3600}`, func(c *Client) error {
			_, err := c.M2MToken(context.Background(), M2MTokenRequest{ClientID: "c", ClientSecret: "s"})
			return err
		}},
		{"created client without secret", `{"m2m_client":{"client_id":"c"}}`, func(c *Client) error {
			_, err := c.CreateM2MClient(context.Background(), CreateM2MClientRequest{})
			return err
		}},
		{"fetched client without id", `{"m2m_client":{}}`, func(c *Client) error {
			_, err := c.GetM2MClient(context.Background(), GetM2MClientRequest{ClientID: "c"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonAnswer(http.StatusOK, tc.answer))
			c, _ := newTestClient(t, api.URL, nil)
			var re *RequestError
			if err := tc.call(c); !errors.As(err, &re) {
				t.Fatalf("error %v, want a RequestError", err)
			}
		})
	}
}
