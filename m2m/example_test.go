package m2m_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/stytchmw/stytchmw/m2m"
)

func ExampleTokenSource_Client() {
	// fakeStytch stands in for https://test.stytch.com's token endpoint.
	fakeStytch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("client_secret") != "do-not-print-this-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"bad credentials"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"eyJ.m2m.token","token_type":"bearer","expires_in":3600}`)
	}))
	defer fakeStytch.Close()
	// service is the protected API the program calls.
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "service saw %q", r.Header.Get("Authorization"))
	}))
	defer service.Close()

	tokens, err := m2m.New(m2m.Config{
		ProjectID:    "project-test-00000000-0000-0000-0000-000000000000",
		ClientID:     "m2m-client-test-00000000-0000-0000-0000-000000000000",
		ClientSecret: "do-not-print-this-secret",
		Scopes:       []string{"read:users"},
		BaseURL:      fakeStytch.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.TrimPrefix(tokens.String(), "m2m.TokenSource{TokenURL:\""+fakeStytch.URL))

	// The client fetches a token on first use and renews it before it expires.
	res, err := tokens.Client(nil).Get(service.URL + "/users")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(string(body))
	// Output:
	// /v1/public/project-test-00000000-0000-0000-0000-000000000000/oauth2/token", ClientID:"m2m-client-test-00000000-0000-0000-0000-000000000000"}
	// service saw "Bearer eyJ.m2m.token"
}
