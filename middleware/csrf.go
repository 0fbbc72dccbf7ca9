package middleware

import (
	"fmt"
	"net/http"
)

// Cross-site request forgery and cookie credentials
//
// A browser attaches cookies to any request to their site, including one a
// hostile page makes it send, so a credential taken from a cookie proves
// nothing about who wanted an unsafe request. For credentials from an
// Ambient source the middleware therefore applies net/http's
// CrossOriginProtection before any verification: a request with a method
// other than GET, HEAD or OPTIONS (POST, PUT, PATCH, DELETE, …) whose
// Sec-Fetch-Site header says cross-site, or whose Origin does not match its
// Host, is refused with 403 (ErrCrossOrigin), unless its Origin is one of
// Config.TrustedOrigins. Requests without either header (non-browser
// clients) pass, as net/http decides.
//
// Credentials from the Authorization header are exempt: a page cannot make
// a browser send a header it chose without a CORS preflight.
// Config.DisableCrossOriginProtection turns the check off, for applications
// that defend against forgery in another way.

// newCrossOriginProtection builds the check, or returns nil when disabled.
func newCrossOriginProtection(cfg Config) (*http.CrossOriginProtection, error) {
	if cfg.DisableCrossOriginProtection {
		if len(cfg.TrustedOrigins) > 0 {
			return nil, fmt.Errorf("%w: TrustedOrigins is set but DisableCrossOriginProtection turns the check off", ErrInvalidConfig)
		}
		return nil, nil
	}
	cop := http.NewCrossOriginProtection()
	for _, origin := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("%w: TrustedOrigins: %w", ErrInvalidConfig, err)
		}
	}
	return cop, nil
}

// checkCrossOrigin refuses an unsafe cross-origin request whose credential
// came from an ambient source.
func (a *Authenticator) checkCrossOrigin(r *http.Request, src *Source) error {
	if a.crossOrigin == nil || !src.Ambient {
		return nil
	}
	if err := a.crossOrigin.Check(r); err != nil {
		return newError(ErrCrossOrigin, err)
	}
	return nil
}
