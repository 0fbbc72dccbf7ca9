package stytchtest

import (
	"math"
	"net/http"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// The admin API, under /emulator/, drives the emulator from outside Go (the
// standalone command, other languages' SDK tests). It takes the project's
// credentials and answers JSON, errors in Stytch's shape. Its request bodies
// are decoded strictly: an unknown field is a 400.

// maxAdvance bounds one clock advance.
const maxAdvance = 10 * 366 * 24 * time.Hour

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		Email      string    `json:"email"`
		Name       nameParam `json:"name"`
		Roles      []string  `json:"roles"`
		ExternalID string    `json:"external_id"`
	}
	if e := decodeBody(w, r, &req, true); e != nil {
		return nil, e
	}
	u, err := s.createUser(req.Email, req.Name.name, req.Roles, req.ExternalID)
	if err != nil {
		return nil, asAPIError(err)
	}
	return struct {
		envelope
		UserID string      `json:"user_id"`
		User   client.User `json:"user"`
	}{ok(requestID), u.UserID, u}, nil
}

// adminSessionFields are the session fields of the admin API's session and
// member session requests.
type adminSessionFields struct {
	SessionDurationMinutes *int                          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any                `json:"session_custom_claims"`
	AuthenticationFactors  []client.AuthenticationFactor `json:"authentication_factors"`
}

func (s *Server) adminCreateSession(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		UserID string `json:"user_id"`
		adminSessionFields
	}
	if e := decodeBody(w, r, &req, true); e != nil {
		return nil, e
	}
	minutes, e := adminDuration(req.SessionDurationMinutes)
	if e != nil {
		return nil, e
	}
	grant, err := s.CreateSession(r.Context(), SessionParams{UserID: req.UserID, DurationMinutes: minutes,
		CustomClaims: req.SessionCustomClaims, AuthenticationFactors: req.AuthenticationFactors})
	if err != nil {
		return nil, asAPIError(err)
	}
	return struct {
		envelope
		SessionToken string      `json:"session_token"`
		SessionJWT   string      `json:"session_jwt"`
		Session      wireSession `json:"session"`
	}{ok(requestID), grant.SessionToken, grant.SessionJWT, toWire(grant.Session)}, nil
}

func (s *Server) adminCreateMemberSession(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		OrganizationID string `json:"organization_id"`
		MemberID       string `json:"member_id"`
		adminSessionFields
	}
	if e := decodeBody(w, r, &req, true); e != nil {
		return nil, e
	}
	minutes, e := adminDuration(req.SessionDurationMinutes)
	if e != nil {
		return nil, e
	}
	grant, e := s.createMemberSession(req.OrganizationID, req.MemberID, minutes, req.SessionCustomClaims, req.AuthenticationFactors)
	if e != nil {
		return nil, e
	}
	return struct {
		envelope
		SessionToken  string        `json:"session_token"`
		SessionJWT    string        `json:"session_jwt"`
		MemberSession MemberSession `json:"member_session"`
	}{ok(requestID), grant.SessionToken, grant.SessionJWT, grant.MemberSession}, nil
}

// adminDuration reads the admin API's session_duration_minutes: absent is
// the default, anything given must be 1..527040 (an explicit 0 is refused,
// not taken for the default).
func adminDuration(minutes *int) (int, *client.StytchError) {
	if minutes == nil {
		return defaultDurationMinutes, nil
	}
	if *minutes < 1 || *minutes > client.MaxSessionDurationMinutes {
		return 0, badRequest(client.ErrInvalidSessionDurationMinutes,
			"session_duration_minutes must be between 1 and %d for a session the emulator creates.", client.MaxSessionDurationMinutes)
	}
	return *minutes, nil
}

func (s *Server) adminSetPolicy(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var p client.Policy
	if e := decodeBody(w, r, &p, true); e != nil {
		return nil, e
	}
	if err := s.SetPolicy(p); err != nil {
		return nil, asAPIError(err)
	}
	return struct {
		envelope
		Policy client.Policy `json:"policy"`
	}{ok(requestID), s.Policy()}, nil
}

// keysBody answers the key operations.
type keysBody struct {
	envelope
	Kid  string   `json:"kid"`
	Kids []string `json:"kids"`
}

func (s *Server) adminRotateKeys(_ http.ResponseWriter, _ *http.Request, requestID string) (any, *client.StytchError) {
	kid, kids, err := s.rotateKeys()
	if err != nil {
		return nil, asAPIError(err)
	}
	return keysBody{ok(requestID), kid, kids}, nil
}

func (s *Server) adminDropOldKeys(_ http.ResponseWriter, _ *http.Request, requestID string) (any, *client.StytchError) {
	kid, kids := s.DropOldKeys()
	return keysBody{ok(requestID), kid, kids}, nil
}

func (s *Server) adminAdvanceClock(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		Seconds *float64 `json:"seconds"`
	}
	if e := decodeBody(w, r, &req, true); e != nil {
		return nil, e
	}
	if req.Seconds == nil || math.Abs(*req.Seconds) > maxAdvance.Seconds() {
		return nil, badRequest(client.ErrBadRequest, "seconds is required and may be at most %.0f either way.", maxAdvance.Seconds())
	}
	s.Advance(time.Duration(*req.Seconds * float64(time.Second)))
	now := s.Now()
	return struct {
		envelope
		Now     string `json:"now"`
		NowUnix int64  `json:"now_unix"`
	}{ok(requestID), now.Format(time.RFC3339Nano), now.Unix()}, nil
}

// adminCreateAccessToken issues a Connected Apps access token, as
// CreateAccessToken does, for a user or a member.
func (s *Server) adminCreateAccessToken(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		Subject  string   `json:"subject"`
		ClientID string   `json:"client_id"`
		Scopes   []string `json:"scopes"`
	}
	if e := decodeBody(w, r, &req, true); e != nil {
		return nil, e
	}
	token, err := s.CreateAccessToken(r.Context(), AccessTokenParams(req))
	if err != nil {
		return nil, asAPIError(err)
	}
	return newTokenBody(requestID, token), nil
}

func (s *Server) adminRegisterExternalToken(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req struct {
		Endpoint  Endpoint `json:"endpoint"`
		Token     string   `json:"token"`
		UserID    string   `json:"user_id"`
		Email     string   `json:"email"`
		ProfileID string   `json:"profile_id"`
		Scopes    []string `json:"scopes"`
		ClientID  string   `json:"client_id"`
	}
	if e := decodeBody(w, r, &req, true); e != nil {
		return nil, e
	}
	if e := s.registerExternalToken(ExternalToken(req)); e != nil {
		return nil, e
	}
	return ok(requestID), nil
}
