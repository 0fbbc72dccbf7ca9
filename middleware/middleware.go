package middleware

import (
	"net/http"
	"time"
)

// Handler requires a session: it authenticates the request and passes it
// on with the session in its context (read it with FromContext,
// SessionFrom, UserID, Roles, JWT), or refuses it through the ErrorHandler:
// 401 without a valid credential, 403 for a cross-origin request with a
// cookie credential, 503 when Stytch had to be asked and could not be.
func (a *Authenticator) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serve(w, r, next, false)
	})
}

// Optional lets a request without any credential through anonymously (no
// Auth in its context), and otherwise behaves as Handler: a credential that
// is present but invalid is still refused with 401, so a client's broken
// token is reported rather than silently ignored.
func (a *Authenticator) Optional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serve(w, r, next, true)
	})
}

func (a *Authenticator) serve(w http.ResponseWriter, r *http.Request, next http.Handler, optional bool) {
	start := a.startTimer()
	at, err := a.authenticateRequest(r)
	if err != nil {
		a.refuse(w, r, start, at, err)
		return
	}
	if at.source == nil {
		if optional {
			a.observe(r.Context(), start, Observation{Outcome: OutcomeAnonymous})
			next.ServeHTTP(w, r)
			return
		}
		a.refuse(w, r, start, at, newError(ErrNoCredential, nil))
		return
	}
	a.accepted(w, r, start, &at)
	next.ServeHTTP(w, r.WithContext(a.withAuth(r.Context(), at.auth)))
}

// authenticateRequest finds the request's credential and establishes its
// session. An attempt with a nil source and no error means no credential.
func (a *Authenticator) authenticateRequest(r *http.Request) (attempt, error) {
	if err := a.checkOpen(); err != nil {
		return attempt{}, err
	}
	cred, err := a.extract(r)
	if err != nil || cred.source == nil {
		return attempt{source: cred.source}, err
	}
	if err := a.checkCrossOrigin(r, cred.source); err != nil {
		return attempt{source: cred.source, token: cred.token}, err
	}
	at, err := a.authenticateCredential(r.Context(), cred.source.Kind, cred.token, a.maxAge)
	at.source, at.token = cred.source, cred.token
	at.auth.Source = cred.source.Name
	return at, err
}

// accepted records an established session: the refreshed cookie, the
// observation.
func (a *Authenticator) accepted(w http.ResponseWriter, r *http.Request, start time.Time, at *attempt) {
	if at.refreshed && a.cookie.appliesTo(at.source) {
		a.cookie.write(w, at.auth.JWT, at.auth.Session.ExpiresAt)
	}
	a.observe(r.Context(), start, Observation{
		Outcome:      OutcomeAuthenticated,
		Verification: at.auth.Verified,
		Source:       at.auth.Source,
		Cached:       at.cached,
	})
}

// refuse logs, observes and answers a refused request.
func (a *Authenticator) refuse(w http.ResponseWriter, r *http.Request, start time.Time, at attempt, err error) {
	source := at.sourceName()
	a.logRefusal(r.Context(), err, source, at.token)
	a.observe(r.Context(), start, Observation{
		Outcome:      outcomeOf(err),
		Code:         CodeOf(err),
		Verification: at.auth.Verified,
		Source:       source,
		Cached:       at.cached,
	})
	a.errorHandler(w, r, StatusOf(err), err)
}

// Refuse answers a request the way the middleware answers its own
// refusals: it logs err (when a Logger is set), reports it to the Observer
// and calls the ErrorHandler with StatusOf(err). Routers built on this
// package (route tables, custom guards) use it so that every refusal looks
// and is counted alike. err should carry a Code (see ErrNoRule).
func (a *Authenticator) Refuse(w http.ResponseWriter, r *http.Request, err error) {
	a.refuse(w, r, a.startTimer(), attempt{}, err)
}
