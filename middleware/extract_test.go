package middleware

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string
		code    Code // "" for no error
	}{
		{"absent", nil, "", ""},
		{"bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", ""},
		{"lower-case scheme", []string{"bearer abc.def.ghi"}, "abc.def.ghi", ""},
		{"upper-case scheme", []string{"BEARER abc.def.ghi"}, "abc.def.ghi", ""},
		{"several spaces", []string{"Bearer    abc"}, "abc", ""},
		{"empty header", []string{""}, "", ""},
		{"basic is not ours", []string{"Basic dXNlcjpwYXNz"}, "", ""},
		{"scheme starting with bearer", []string{"Bearerish abc"}, "", ""},
		{"bearer without token", []string{"Bearer"}, "", ErrMalformedCredential},
		{"bearer with spaces only", []string{"Bearer   "}, "", ErrMalformedCredential},
		{"tab separator", []string{"Bearer\tabc"}, "", ErrMalformedCredential},
		{"comma separator", []string{"Bearer,abc"}, "", ErrMalformedCredential},
		{"two headers", []string{"Bearer a", "Bearer b"}, "", ErrMultipleCredentials},
		{"bearer and basic", []string{"Basic x", "Bearer b"}, "", ErrMultipleCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header["Authorization"] = tt.headers
			got, err := bearerToken(r)
			if got != tt.want {
				t.Errorf("token %q, want %q", got, tt.want)
			}
			if tt.code == "" && err != nil || tt.code != "" && !errors.Is(err, tt.code) {
				t.Errorf("error %v, want %v", err, tt.code)
			}
		})
	}
}

func TestCookieValue(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"absent", nil, ""},
		{"only", []string{"stytch_session_jwt=abc"}, "abc"},
		{"among others", []string{"a=1; stytch_session_jwt=abc; b=2"}, "abc"},
		{"no spaces", []string{"a=1;stytch_session_jwt=abc;b=2"}, "abc"},
		{"quoted", []string{`stytch_session_jwt="abc"`}, "abc"},
		{"empty is absent", []string{"stytch_session_jwt="}, ""},
		{"empty quoted is absent", []string{`stytch_session_jwt=""`}, ""},
		{"first non-empty", []string{"stytch_session_jwt=; stytch_session_jwt=second"}, "second"},
		{"first of several", []string{"stytch_session_jwt=first; stytch_session_jwt=second"}, "first"},
		{"several headers", []string{"a=1", "stytch_session_jwt=abc"}, "abc"},
		{"prefix of another name", []string{"stytch_session_jwt_old=abc"}, ""},
		{"other name with our prefix", []string{"xstytch_session_jwt=abc"}, ""},
		{"no value separator", []string{"stytch_session_jwt"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header["Cookie"] = tt.lines
			if got := cookieValue(r, DefaultJWTCookie); got != tt.want {
				t.Errorf("%q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsToken68(t *testing.T) {
	for s, want := range map[string]bool{
		"":            false,
		"abc":         true,
		"a.b.c":       true,
		"a-b_c~d+e/f": true,
		"abc==":       true,
		"=":           false,
		"ab=c":        false,
		"a b":         false,
		"a\"b":        false,
		"a,b":         false,
		"a;b":         false,
		"é":           false,
		"a\x00":       false,
	} {
		if got := isToken68(s); got != want {
			t.Errorf("isToken68(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestCredentialSources runs each source and combination of sources end to
// end: which credential wins, what a malformed one does, and what the
// handler is told.
func TestCredentialSources(t *testing.T) {
	e := newEnv(t, envOptions{})
	jwt, token := e.grant.SessionJWT, e.grant.SessionToken
	tests := []struct {
		name   string
		opts   []reqOption
		status int
		code   Code
		source string
	}{
		{"bearer", []reqOption{bearer(jwt)}, 200, "", "bearer"},
		{"jwt cookie", []reqOption{cookie(DefaultJWTCookie, jwt)}, 200, "", "cookie:stytch_session_jwt"},
		{"token cookie", []reqOption{cookie(DefaultTokenCookie, token)}, 200, "", "cookie:stytch_session"},
		{"bearer wins over cookies", []reqOption{bearer(jwt), cookie(DefaultJWTCookie, "garbage"), cookie(DefaultTokenCookie, "garbage")}, 200, "", "bearer"},
		{"jwt cookie wins over token cookie", []reqOption{cookie(DefaultJWTCookie, jwt), cookie(DefaultTokenCookie, "garbage")}, 200, "", "cookie:stytch_session_jwt"},
		{"empty jwt cookie falls through", []reqOption{cookie(DefaultJWTCookie, ""), cookie(DefaultTokenCookie, token)}, 200, "", "cookie:stytch_session"},
		{"basic header falls through to cookie", []reqOption{header("Authorization", "Basic dXNlcjpwYXNz"), cookie(DefaultJWTCookie, jwt)}, 200, "", "cookie:stytch_session_jwt"},
		{"lower-case bearer", []reqOption{header("Authorization", "bearer "+jwt)}, 200, "", "bearer"},
		{"nothing", nil, 401, ErrNoCredential, ""},
		{"empty cookies only", []reqOption{cookie(DefaultJWTCookie, ""), cookie(DefaultTokenCookie, "")}, 401, ErrNoCredential, ""},
		{"basic header alone", []reqOption{header("Authorization", "Basic dXNlcjpwYXNz")}, 401, ErrNoCredential, ""},
		{"malformed bearer does not fall through", []reqOption{header("Authorization", "Bearer"), cookie(DefaultJWTCookie, jwt)}, 401, ErrMalformedCredential, ""},
		{"bearer with a space inside", []reqOption{header("Authorization", "Bearer "+jwt+" x"), cookie(DefaultJWTCookie, jwt)}, 401, ErrMalformedCredential, ""},
		{"two authorization headers", []reqOption{bearer(jwt), bearer(jwt)}, 401, ErrMultipleCredentials, ""},
		{"garbage bearer", []reqOption{bearer("not-a-jwt")}, 401, ErrMalformedCredential, ""},
		{"garbage jwt cookie", []reqOption{cookie(DefaultJWTCookie, "a.b.c")}, 401, ErrMalformedCredential, ""},
		{"oversized bearer", []reqOption{bearer(strings.Repeat("a", defaultMaxCredentialBytes+1))}, 401, ErrCredentialTooLarge, ""},
		{"oversized cookie", []reqOption{cookie(DefaultTokenCookie, strings.Repeat("a", defaultMaxCredentialBytes+1))}, 401, ErrCredentialTooLarge, ""},
		{"oversized but correctly signed", []reqOption{bearer(func() string {
			c := e.claims()
			c["padding"] = strings.Repeat("p", defaultMaxCredentialBytes)
			return e.sign(nil, c, "")
		}())}, 401, ErrCredentialTooLarge, ""},
		{"token in the query string is never read", []reqOption{func(r *http.Request) {
			q := r.URL.Query()
			q.Set("session_jwt", jwt)
			q.Set("stytch_session_jwt", jwt)
			q.Set("access_token", jwt)
			r.URL.RawQuery = q.Encode()
		}}, 401, ErrNoCredential, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.count("authenticate")
			r := e.call(routeRequired, tt.opts...)
			r.want(t, tt.status, tt.code)
			if tt.status == 200 {
				if r.echo.Source != tt.source || r.echo.UserID != e.user.UserID {
					t.Fatalf("handler saw source %q user %q, want %q %q", r.echo.Source, r.echo.UserID, tt.source, e.user.UserID)
				}
			}
			if tt.status != 200 {
				if e.count("authenticate") != before {
					t.Fatal("a refused credential reached Stytch")
				}
				noToken(t, r, jwt)
			}
		})
	}
}

// TestSourcesConfigurable: names, order and a custom extractor.
func TestSourcesConfigurable(t *testing.T) {
	custom := Source{
		Name: "header:X-Session",
		Kind: SessionJWT,
		Extract: func(r *http.Request) (string, error) {
			v := r.Header.Get("X-Session")
			if v == "bad" {
				return "", errors.New("X-Session is bad")
			}
			return v, nil
		},
	}
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Sources = []Source{CookieSource("sess", SessionToken), custom, BearerSource()}
	}})
	jwt, token := e.grant.SessionJWT, e.grant.SessionToken

	r := e.call(routeRequired, cookie("sess", token), header("X-Session", jwt), bearer(jwt))
	r.want(t, 200, "")
	if r.echo.Source != "cookie:sess" || r.echo.Verified != "remote" {
		t.Fatalf("source %q verified %q, want the renamed opaque cookie first, verified remotely", r.echo.Source, r.echo.Verified)
	}
	r = e.call(routeRequired, header("X-Session", jwt), bearer("garbage"))
	r.want(t, 200, "")
	if r.echo.Source != "header:X-Session" || r.echo.Verified != "local" {
		t.Fatalf("source %q verified %q, want the custom header, verified locally", r.echo.Source, r.echo.Verified)
	}
	e.call(routeRequired, header("X-Session", "bad"), bearer(jwt)).want(t, 401, ErrMalformedCredential)
	// The default cookie names are no longer read.
	e.call(routeRequired, cookie(DefaultJWTCookie, jwt)).want(t, 401, ErrNoCredential)
}

func TestInvalidSourcesRejected(t *testing.T) {
	e := newEnv(t, envOptions{})
	for name, sources := range map[string][]Source{
		"empty":      {},
		"no name":    {{Kind: SessionJWT, Extract: bearerToken}},
		"no kind":    {{Name: "x", Extract: bearerToken}},
		"no extract": {{Name: "x", Kind: SessionJWT}},
	} {
		if _, err := New(t.Context(), Config{Client: e.srv.Client(), Sources: sources}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err %v, want ErrInvalidConfig", name, err)
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	a := &Authenticator{sources: DefaultSources(), maxCredentialBytes: defaultMaxCredentialBytes}
	jwt := "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0LTEiLCJ0eXAiOiJKV1QifQ." + strings.Repeat("eyJzdWIiOiJ1c2VyIn0", 40) + "." + strings.Repeat("c2ln", 86)
	cases := map[string]func(*http.Request){
		"bearer":     func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+jwt) },
		"jwt-cookie": func(r *http.Request) { r.Header.Set("Cookie", "_ga=GA1.1.1; theme=dark; stytch_session_jwt="+jwt) },
		"none":       func(r *http.Request) { r.Header.Set("Cookie", "_ga=GA1.1.1; theme=dark") },
		"basic+token": func(r *http.Request) {
			r.Header.Set("Authorization", "Basic x")
			r.Header.Set("Cookie", "stytch_session=tok")
		},
	}
	for name, set := range cases {
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			set(r)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.extract(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzExtract: no input makes extraction panic, and whatever it yields
// obeys its documented rules.
func FuzzExtract(f *testing.F) {
	f.Add("Bearer abc.def.ghi", "stytch_session=tok")
	f.Add("bearer   x", "")
	f.Add("Basic dXNlcjpwYXNz", `stytch_session_jwt="a.b.c"; stytch_session=`)
	f.Add("Bearer", "stytch_session_jwt=; stytch_session_jwt=b")
	f.Add("Bearer\t\x00", ";;=;stytch_session=\xff")
	f.Add("", "stytch_session="+strings.Repeat("a", defaultMaxCredentialBytes+1))
	a := &Authenticator{sources: DefaultSources(), maxCredentialBytes: defaultMaxCredentialBytes}
	f.Fuzz(func(t *testing.T, authorization, cookies string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if authorization != "" {
			r.Header["Authorization"] = []string{authorization}
		}
		if cookies != "" {
			r.Header["Cookie"] = []string{cookies}
		}
		cred, err := a.extract(r)
		if err != nil {
			if CodeOf(err) == "" || CodeOf(err).Status() != http.StatusUnauthorized {
				t.Fatalf("error %v has no 401 code", err)
			}
			return
		}
		if cred.source == nil {
			if cred.token != "" {
				t.Fatal("a token without a source")
			}
			return
		}
		if cred.token == "" || len(cred.token) > defaultMaxCredentialBytes {
			t.Fatalf("token of %d bytes accepted", len(cred.token))
		}
		if cred.source.Kind == SessionToken && !isToken68(cred.token) {
			t.Fatal("an opaque token with characters outside token68 accepted")
		}
		if !strings.Contains(authorization, cred.token) && !strings.Contains(cookies, cred.token) {
			t.Fatal("the token is not from the request")
		}
	})
}
