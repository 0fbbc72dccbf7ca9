package middleware

import (
	"net/http"
	"time"
)

// CookieOptions turns on writing a refreshed session JWT back to the
// browser, and sets the cookie's attributes. The zero value is the
// documented default.
//
// The cookie is written only when the request's credential came from the
// cookie Name (so a Bearer client is never handed a cookie it did not ask
// for) and Stytch answered with a JWT other than the one sent: after an
// expired JWT was refreshed, or a JWT older than MaxTokenAge was
// re-authenticated. The browser's next requests then carry a JWT that
// verifies locally again.
type CookieOptions struct {
	// Name of the cookie (default "stytch_session_jwt", the name Stytch's
	// frontend SDKs use, so the SDK and the middleware keep one cookie).
	Name string
	// Path (default "/": the session is valid for the whole site, as the
	// frontend SDKs write it).
	Path string
	// Domain (default none: a host-only cookie, the narrowest scope). Set it
	// only when the SDK is configured to share the session with subdomains.
	Domain string
	// Insecure drops the Secure attribute (default: Secure, so the JWT never
	// travels over plain HTTP; browsers accept Secure cookies from
	// http://localhost, so development needs no change).
	Insecure bool
	// HTTPOnly hides the cookie from JavaScript (default off). Off by default
	// because Stytch's frontend SDK reads and rewrites this cookie from
	// JavaScript: a HttpOnly cookie of the same name cannot be replaced by
	// script, so the SDK's own refreshes would stop reaching the server.
	// Turn it on when no frontend SDK manages the session: it keeps an XSS
	// from reading the JWT.
	HTTPOnly bool
	// SameSite (default http.SameSiteLaxMode, as the frontend SDKs: sent on
	// top-level navigations, withheld from cross-site subrequests; Strict
	// would log users out when they follow a link to the site).
	SameSite http.SameSite
}

// refreshCookie is the resolved cookie template.
type refreshCookie struct {
	name, path, domain string
	source             string // the Name of the cookie's Source
	secure, httpOnly   bool
	sameSite           http.SameSite
}

func newRefreshCookie(o *CookieOptions) *refreshCookie {
	if o == nil {
		return nil
	}
	c := &refreshCookie{
		name: o.Name, path: o.Path, domain: o.Domain,
		secure: !o.Insecure, httpOnly: o.HTTPOnly, sameSite: o.SameSite,
	}
	if c.name == "" {
		c.name = DefaultJWTCookie
	}
	c.source = "cookie:" + c.name
	if c.path == "" {
		c.path = "/"
	}
	if c.sameSite == 0 || c.sameSite == http.SameSiteDefaultMode {
		c.sameSite = http.SameSiteLaxMode
	}
	return c
}

// appliesTo reports whether a refreshed JWT from the source should be
// written back.
func (c *refreshCookie) appliesTo(src *Source) bool {
	return c != nil && src != nil && src.Ambient && src.Kind == SessionJWT && src.Name == c.source
}

// write sets the cookie to jwt, expiring with the session (expiresAt): the
// cookie then lives exactly as long as the session it stands for, as the
// frontend SDKs write it. A zero expiresAt makes a browser-session cookie.
func (c *refreshCookie) write(w http.ResponseWriter, jwt string, expiresAt time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     c.name,
		Value:    jwt,
		Path:     c.path,
		Domain:   c.domain,
		Expires:  expiresAt,
		Secure:   c.secure,
		HttpOnly: c.httpOnly,
		SameSite: c.sameSite,
	})
}
