package stytchtest

import (
	"net/http"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// maxOpaqueTokenBytes bounds the opaque tokens the emulator looks up.
const maxOpaqueTokenBytes = 1024

// wireSession is client.Session as Stytch writes it: custom_claims is {}
// rather than absent when there are none.
type wireSession struct {
	client.Session
	CustomClaims map[string]any `json:"custom_claims"`
}

func toWire(v client.Session) wireSession {
	claims := v.CustomClaims
	if claims == nil {
		claims = map[string]any{}
	}
	return wireSession{Session: v, CustomClaims: claims}
}

// authenticateBody is the answer of POST /v1/sessions/authenticate.
type authenticateBody struct {
	client.AuthenticateResponse
	Session wireSession `json:"session"`
}

// getBody is the answer of GET /v1/sessions.
type getBody struct {
	client.GetResponse
	Sessions []wireSession `json:"sessions"`
}

// checkDuration applies the API's session_duration_minutes rule, as the
// client does: zero means "not given", anything else must be 5..527040.
func checkDuration(minutes int) *client.StytchError {
	if minutes != 0 && (minutes < client.MinSessionDurationMinutes || minutes > client.MaxSessionDurationMinutes) {
		return badRequest(client.ErrInvalidSessionDurationMinutes, "session_duration_minutes must be between %d and %d.",
			client.MinSessionDurationMinutes, client.MaxSessionDurationMinutes)
	}
	return nil
}

// checkSessionArgs applies the rules authenticate and exchange share:
// exactly one of token and jwt, a valid duration, custom claims that
// prepareClaims accepts (returned prepared). request names the request in
// errors.
func checkSessionArgs(request, token, jwt string, minutes int, claims map[string]any) (map[string]any, *client.StytchError) {
	switch {
	case token != "" && jwt != "":
		return nil, badRequest(client.ErrTooManySessionArguments, "Please include at most one of session_token or session_jwt in %s request, not both.", request)
	case token == "" && jwt == "":
		return nil, badRequest(client.ErrNoSessionArguments, "Please include one of session_token or session_jwt in %s request.", request)
	}
	if e := checkDuration(minutes); e != nil {
		return nil, e
	}
	return prepareClaims(claims)
}

// sessionRef names a session the way a request does: exactly one field set.
type sessionRef struct {
	id, token, jwt string
}

// resolve turns a reference into a session id (and, for a JWT, the user it
// names), verifying a JWT's signature. It takes no lock for the signature.
func (s *Server) resolve(ref sessionRef) (jwtSubject, *client.StytchError) {
	switch {
	case ref.jwt != "":
		return s.verifyJWT(ref.jwt)
	case ref.token != "":
		if len(ref.token) > maxOpaqueTokenBytes {
			return jwtSubject{}, apiError(http.StatusNotFound, client.ErrSessionNotFound, msgSessionNotFound)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if sn := s.sessionsByToken[tokenHash(ref.token)]; sn != nil {
			return jwtSubject{sessionID: sn.id, userID: sn.userID, orgID: sn.orgID}, nil
		}
		return jwtSubject{}, apiError(http.StatusNotFound, client.ErrSessionNotFound, msgSessionNotFound)
	}
	return jwtSubject{sessionID: ref.id}, nil
}

// activeSessionLocked returns the active session named by sub, or
// session_not_found. s.mu must be held.
func (s *Server) activeSessionLocked(sub jwtSubject, now time.Time) (*session, *client.StytchError) {
	sn := s.sessions[sub.sessionID]
	if sn == nil || !sn.active(now) || sub.userID != "" && sub.userID != sn.userID || sub.orgID != "" && sub.orgID != sn.orgID {
		return nil, apiError(http.StatusNotFound, client.ErrSessionNotFound, msgSessionNotFound)
	}
	return sn, nil
}

// updateSessionLocked is what authenticate and attest do to a session, for
// consumer and B2B projects alike: it finds the active session sub names,
// merges update into its custom claims, lets allow (when not nil) refuse,
// and then marks the session accessed now, extended to minutes from now
// when minutes is not 0. Nothing changes on an error. s.mu must be held.
func (s *Server) updateSessionLocked(sub jwtSubject, now time.Time, minutes int, update map[string]any,
	allow func(*session) *client.StytchError) (*session, *client.StytchError) {
	sn, e := s.activeSessionLocked(sub, now)
	if e != nil {
		return nil, e
	}
	updated, e := applyClaims(sn.customClaims, update)
	if e != nil {
		return nil, e
	}
	if allow != nil {
		if e := allow(sn); e != nil {
			return nil, e
		}
	}
	sn.lastAccessedAt = now
	if minutes != 0 {
		sn.expiresAt = now.Add(time.Duration(minutes) * time.Minute)
	}
	sn.customClaims = updated
	return sn, nil
}

// handleGet serves GET /v1/sessions?user_id=: the user's active sessions.
// user_id may also be the user's external_id, as Stytch accepts.
func (s *Server) handleGet(_ http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	userID := r.URL.Query().Get("user_id")
	if userID == "" {
		return nil, badRequest(client.ErrInvalidUserID, "user_id is required.")
	}
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByIDOrExternalIDLocked(userID)
	if u == nil {
		return nil, apiError(http.StatusNotFound, client.ErrUserNotFound, "User could not be found.")
	}
	body := getBody{GetResponse: client.GetResponse{RequestID: requestID, StatusCode: http.StatusOK}, Sessions: []wireSession{}}
	for _, id := range s.userSessions[u.UserID] {
		if sn := s.sessions[id]; sn.active(now) {
			body.Sessions = append(body.Sessions, toWire(sn.view()))
		}
	}
	return body, nil
}

// handleAuthenticate serves POST /v1/sessions/authenticate.
func (s *Server) handleAuthenticate(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.AuthenticateRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	claims, e := checkSessionArgs("an authenticate", req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	check := req.AuthorizationCheck
	if check != nil && (check.ResourceID == "" || check.Action == "") {
		return nil, badRequest(client.ErrBadRequest, "authorization_check needs both resource_id and action.")
	}
	sub, e := s.resolve(sessionRef{token: req.SessionToken, jwt: req.SessionJWT})
	if e != nil {
		return nil, e
	}

	var verdict *client.AuthorizationVerdict
	now := s.stamp()
	s.mu.Lock()
	sn, e := s.updateSessionLocked(sub, now, req.SessionDurationMinutes, claims, func(sn *session) *client.StytchError {
		if check == nil {
			return nil
		}
		granting := grantingRoles(&s.policy, sn.roles, check.ResourceID, check.Action)
		if len(granting) == 0 {
			return apiError(http.StatusForbidden, client.ErrConsumerSessionAuthorization, msgNotAuthorized)
		}
		verdict = &client.AuthorizationVerdict{Authorized: true, GrantingRoles: granting}
		return nil
	})
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	view, user := sn.view(), cloneUser(*s.userLocked(sn.userID))
	s.mu.Unlock()

	jwt, err := s.mintJWT(view)
	if err != nil {
		return nil, apiError(http.StatusInternalServerError, client.ErrInternalServerError, "The emulator could not sign a JWT.")
	}
	return authenticateBody{
		AuthenticateResponse: client.AuthenticateResponse{
			RequestID:    requestID,
			SessionToken: s.sessionToken(view.SessionID),
			SessionJWT:   jwt,
			User:         user,
			StatusCode:   http.StatusOK,
			Verdict:      verdict,
		},
		Session: toWire(view),
	}, nil
}

// handleRevoke serves POST /v1/sessions/revoke.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.RevokeRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	switch n := countGiven(req.SessionID, req.SessionToken, req.SessionJWT); {
	case n > 1:
		return nil, badRequest(client.ErrTooManySessionRevokeArguments, "Please include exactly one of session_id, session_token or session_jwt in a revoke request.")
	case n == 0:
		return nil, badRequest(client.ErrNoSessionRevokeArguments, "Please include one of session_id, session_token or session_jwt in a revoke request.")
	}
	if e := s.revokeSession(sessionRef{id: req.SessionID, token: req.SessionToken, jwt: req.SessionJWT}); e != nil {
		return nil, e
	}
	return client.RevokeResponse{RequestID: requestID, StatusCode: http.StatusOK}, nil
}

// countGiven counts the non-empty values: how many of a request's
// alternative fields were given.
func countGiven(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// revokeSession revokes the active session ref names (consumer or member).
func (s *Server) revokeSession(ref sessionRef) *client.StytchError {
	sub, e := s.resolve(ref)
	if e != nil {
		return e
	}
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, e := s.activeSessionLocked(sub, now)
	if e != nil {
		return e
	}
	sn.revoked = true
	return nil
}
