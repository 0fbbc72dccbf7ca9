package middleware

import (
	"errors"
	"net/http"
	"strings"
)

// CredentialKind says what a Source yields.
type CredentialKind uint8

const (
	// SessionJWT is a Stytch JWT: a session JWT, verified locally, and with
	// Stytch only when it is expired, or older than MaxTokenAge; or, on a
	// route whose rule accepts machines, an M2M or Connected Apps access
	// token, verified locally only.
	SessionJWT CredentialKind = iota + 1
	// SessionToken is an opaque Stytch session token: always authenticated
	// with Stytch, its successes cached for SessionTokenCacheTTL.
	SessionToken
)

// String names the kind for logs.
func (k CredentialKind) String() string {
	switch k {
	case SessionJWT:
		return "session_jwt"
	case SessionToken:
		return "session_token"
	}
	return "unknown"
}

// Default cookie names, those Stytch's frontend SDKs write.
const (
	DefaultJWTCookie   = "stytch_session_jwt"
	DefaultTokenCookie = "stytch_session"
)

// Source is one place a request may carry a credential. The middleware tries
// its sources in order and uses the first that yields a credential:
//
//   - A source that finds nothing returns "" and the next one is tried; an
//     empty cookie or an empty Authorization header counts as nothing.
//   - A source that finds a credential it cannot use returns an error, and
//     the request is refused (401): a present but malformed credential never
//     falls through to the next source, so a client's mistake is reported
//     rather than masked by an older cookie.
//   - Credentials are never read from the query string (URLs end up in logs,
//     Referer headers and browser history).
//
// Every credential is checked against Config.Tuning.MaxCredentialBytes before it
// is parsed. An opaque token must be made of token68 characters before it
// may be sent to Stytch; a JWT is checked character by character by its
// strict base64url decoding.
type Source struct {
	// Name identifies the source in Auth.Source, logs and observations,
	// e.g. "bearer" or "cookie:stytch_session".
	Name string
	// Kind is what the source yields.
	Kind CredentialKind
	// Ambient marks credentials a browser attaches on its own, such as
	// cookies: only those are exposed to cross-site request forgery, so
	// cross-origin protection applies to them alone.
	Ambient bool
	// Extract returns the credential, "" when the request carries none, or
	// an error when one is present but unusable. It must not read the body.
	Extract func(r *http.Request) (string, error)
}

// BearerSource reads a session JWT from the Authorization header:
//
//   - "Bearer <jwt>": the scheme is case-insensitive (RFC 7235), followed by
//     one or more spaces and the token, which must consist of token68
//     characters (RFC 6750). "Bearer" with no token, with a tab or other
//     separator, or with a space inside the token is malformed (401).
//   - Another scheme (Basic, Digest, …) is not a bearer credential: it is
//     ignored and the next source is tried. Such a header belongs to another
//     layer (a proxy's Basic authentication, say), and the cookies that
//     follow are still checked, with cross-origin protection.
//   - Several Authorization headers are refused (401, ErrMultipleCredentials),
//     whatever their schemes: which one an upstream proxy acted on is
//     unknowable.
func BearerSource() Source {
	return Source{Name: "bearer", Kind: SessionJWT, Extract: bearerToken}
}

// CookieSource reads a credential of the given kind from the cookie name.
// An empty cookie counts as absent. When the request carries several
// cookies of that name, the first non-empty one is used; browsers send the
// cookie with the most specific path first.
func CookieSource(name string, kind CredentialKind) Source {
	return Source{
		Name:    "cookie:" + name,
		Kind:    kind,
		Ambient: true,
		Extract: func(r *http.Request) (string, error) { return cookieValue(r, name), nil },
	}
}

// DefaultSources returns the default sources in order: the Authorization
// Bearer header (JWT), the stytch_session_jwt cookie (JWT), the
// stytch_session cookie (opaque token).
func DefaultSources() []Source {
	return []Source{
		BearerSource(),
		CookieSource(DefaultJWTCookie, SessionJWT),
		CookieSource(DefaultTokenCookie, SessionToken),
	}
}

var errNoBearerToken = errors.New(`authorization header has the Bearer scheme but no token`)
var errBearerSeparator = errors.New(`authorization header's Bearer scheme is not followed by a space`)
var errCredentialChars = errors.New(`credential holds characters no session JWT or token holds`)

func bearerToken(r *http.Request) (string, error) { return parseBearer(r.Header["Authorization"]) }

// parseBearer reads the token of the Bearer credential among the values of
// an Authorization header (or of gRPC's authorization metadata), as
// BearerSource documents.
func parseBearer(values []string) (string, error) {
	switch {
	case len(values) == 0:
		return "", nil
	case len(values) > 1:
		return "", newError(ErrMultipleCredentials, nil)
	}
	v := values[0]
	const scheme = "bearer"
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", nil // empty, or another scheme: not ours
	}
	rest := v[len(scheme):]
	if rest == "" {
		return "", newError(ErrMalformedCredential, errNoBearerToken)
	}
	if rest[0] != ' ' {
		if isToken68Char(rest[0]) {
			return "", nil // a scheme that merely starts with "bearer"
		}
		return "", newError(ErrMalformedCredential, errBearerSeparator)
	}
	token := strings.TrimLeft(rest, " ")
	if token == "" {
		return "", newError(ErrMalformedCredential, errNoBearerToken)
	}
	return token, nil // its size and characters are checked by extract
}

// isToken68 reports whether s is token68 (RFC 7235 §2.1):
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	i := 0
	for ; i < len(s) && isToken68Char(s[i]); i++ {
	}
	if i == 0 {
		return false
	}
	for ; i < len(s) && s[i] == '='; i++ {
	}
	return i == len(s)
}

func isToken68Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// cookieValue returns the first non-empty value of the cookie name, without
// allocating: it scans the Cookie headers as net/http's Request.Cookie
// does (pairs split on ';', surrounding spaces and one pair of double
// quotes removed) but returns substrings of the header.
func cookieValue(r *http.Request, name string) string {
	for _, line := range r.Header["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = trimSpace(part)
			k, v, ok := strings.Cut(part, "=")
			if !ok || k != name {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if v != "" {
				return v
			}
		}
	}
	return ""
}

// trimSpace removes the spaces and tabs around a cookie pair (cheaper than
// strings.Trim with a cutset, which builds a set on every call).
func trimSpace(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// credential is what extraction found.
type credential struct {
	token  string
	source *Source
}

// extract runs the sources in order. It returns a nil source and no error
// when no source found a credential.
func (a *Authenticator) extract(r *http.Request) (credential, error) {
	for i := range a.sources {
		s := &a.sources[i]
		token, err := s.Extract(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				err = newError(ErrMalformedCredential, err)
			}
			return credential{source: s}, err
		}
		if token == "" {
			continue
		}
		if err := a.checkCredential(s.Kind, token); err != nil {
			return credential{source: s}, err
		}
		return credential{token: token, source: s}, nil
	}
	return credential{}, nil
}
