package stytchtest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// Bounds on sessions.
const (
	maxSessions = 100_000
	maxFactors  = 32
	// defaultDurationMinutes is the lifetime of a session created without
	// one, as Stytch's grant endpoints default to.
	defaultDurationMinutes = 60
)

// session is the emulator's record of a session. Its token is never stored:
// see Server.sessionToken.
type session struct {
	id, userID     string // userID is the member id in a B2B project
	orgID          string // the member's organization in a B2B project
	startedAt      time.Time
	lastAccessedAt time.Time
	expiresAt      time.Time
	factors        []client.AuthenticationFactor
	customClaims   map[string]any
	roles          []string
	revoked        bool
}

// active reports whether the session can still be authenticated at now.
func (sn *session) active(now time.Time) bool { return !sn.revoked && now.Before(sn.expiresAt) }

// view returns the session as the API shows it, sharing nothing with sn.
func (sn *session) view() client.Session {
	return client.Session{
		SessionID:             sn.id,
		UserID:                sn.userID,
		AuthenticationFactors: cloneJSON(sn.factors),
		Roles:                 slices.Clone(sn.roles),
		StartedAt:             sn.startedAt,
		LastAccessedAt:        sn.lastAccessedAt,
		ExpiresAt:             sn.expiresAt,
		Attributes:            &client.Attributes{},
		CustomClaims:          cloneJSON(sn.customClaims),
	}
}

// copyJSON deep-copies v by a JSON round trip, which also turns its values
// into the JSON types a client decodes (float64 numbers and so on).
func copyJSON[T any](v T) (T, error) {
	var out T
	data, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	return out, err
}

// cloneJSON is copyJSON for stored values, which were checked to encode
// when they were stored.
func cloneJSON[T any](v T) T {
	out, err := copyJSON(v)
	if err != nil {
		panic("stytchtest: a stored value no longer encodes: " + err.Error())
	}
	return out
}

// SessionParams describes a session to create for a user.
type SessionParams struct {
	// UserID names the user (required).
	UserID string
	// DurationMinutes is the session's lifetime: 1..527040 minutes, 60 when
	// zero (the zero value means "not given"; the admin API, where absence
	// can be told from 0, refuses an explicit 0). Unlike the API's 5-minute
	// minimum, 1 lets tests expire a session quickly.
	DurationMinutes int
	// CustomClaims are the session's custom claims. Reserved names are
	// dropped and null values ignored, as Stytch does; their JSON may take at
	// most client.MaxCustomClaimsBytes.
	CustomClaims map[string]any
	// AuthenticationFactors are the factors the session was authenticated
	// with. Empty means one email magic link factor (for the user's email, if
	// any). Zero timestamps are set to now.
	AuthenticationFactors []client.AuthenticationFactor
}

// SessionGrant is a session the emulator started, with its credentials.
type SessionGrant struct {
	SessionToken string
	SessionJWT   string
	Session      client.Session
}

// CreateSession starts a session for a user, as a login would, and returns
// its token, a fresh JWT and the session.
func (s *Server) CreateSession(ctx context.Context, p SessionParams) (*SessionGrant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if e := s.errModeOnly(false); e != nil {
		return nil, e
	}
	if p.UserID == "" {
		return nil, badRequest(client.ErrInvalidUserID, "user_id is required.")
	}
	minutes := p.DurationMinutes
	if minutes == 0 {
		minutes = defaultDurationMinutes
	}
	if minutes < 1 || minutes > client.MaxSessionDurationMinutes {
		return nil, badRequest(client.ErrInvalidSessionDurationMinutes,
			"session_duration_minutes must be between 1 and %d for a session the emulator creates.", client.MaxSessionDurationMinutes)
	}
	grant, _, err := s.startSession(p.UserID, minutes, p.CustomClaims, p.AuthenticationFactors)
	if err != nil {
		return nil, err
	}
	return grant, nil
}

// prepareClaims applies client.PrepareCustomClaims (reserved names dropped,
// size checked) and returns a private copy made of JSON types, in which a nil
// value still means "delete this claim".
func prepareClaims(claims map[string]any) (map[string]any, *client.StytchError) {
	prepared, err := client.PrepareCustomClaims(claims)
	if err != nil {
		se, isAPI := err.(*client.StytchError)
		if !isAPI {
			return nil, badRequest(client.ErrUnableToRepresentCustomClaims, "session_custom_claims cannot be represented as JSON.")
		}
		return nil, badRequest(se.ErrorType, "%s", se.ErrorMessage)
	}
	if len(prepared) == 0 {
		return nil, nil
	}
	out, err := copyJSON(map[string]any(prepared))
	if err != nil {
		return nil, badRequest(client.ErrUnableToRepresentCustomClaims, "session_custom_claims cannot be represented as JSON.")
	}
	return out, nil
}

// applyClaims returns current updated by update: a null value deletes its
// claim. The result must still fit client.MaxCustomClaimsBytes.
func applyClaims(current, update map[string]any) (map[string]any, *client.StytchError) {
	out := make(map[string]any, len(current)+len(update))
	for k, v := range current {
		out[k] = v
	}
	for k, v := range update {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if data, err := json.Marshal(out); err != nil || len(data) > client.MaxCustomClaimsBytes {
		return nil, badRequest(client.ErrCustomClaimsTooLarge,
			"The session's custom claims would take more than %d bytes of JSON.", client.MaxCustomClaimsBytes)
	}
	return out, nil
}

// prepareFactors checks factors and returns a private copy with its
// timestamps set and at second precision.
func prepareFactors(factors []client.AuthenticationFactor, now time.Time) ([]client.AuthenticationFactor, *client.StytchError) {
	if len(factors) > maxFactors {
		return nil, badRequest(client.ErrBadRequest, "A session may have at most %d authentication factors.", maxFactors)
	}
	out, err := copyJSON(factors)
	if err != nil {
		return nil, badRequest(client.ErrBadRequest, "The authentication factors cannot be represented as JSON.")
	}
	for i := range out {
		f := &out[i]
		if f.Type == "" || f.DeliveryMethod == "" || len(f.Type) > maxFieldBytes || len(f.DeliveryMethod) > maxFieldBytes {
			return nil, badRequest(client.ErrBadRequest, "Every authentication factor needs a type and a delivery_method of at most %d bytes.", maxFieldBytes)
		}
		for _, t := range []*time.Time{&f.LastAuthenticatedAt, &f.CreatedAt, &f.UpdatedAt} {
			if t.IsZero() {
				*t = now
			}
			*t = t.UTC().Truncate(time.Second)
		}
	}
	return out, nil
}

// emailMagicLink is the factor of a session created without factors.
func (s *Server) emailMagicLink(u *client.User, now time.Time) client.AuthenticationFactor {
	f := client.AuthenticationFactor{Type: "magic_link", DeliveryMethod: "email",
		LastAuthenticatedAt: now, CreatedAt: now, UpdatedAt: now}
	if len(u.Emails) > 0 {
		f.EmailFactor = &client.EmailFactor{EmailID: u.Emails[0].EmailID, EmailAddress: u.Emails[0].Email}
	}
	return f
}

// addSessionLocked stores a new session of minutes for the user or member
// subject (of the organization orgID in a B2B project). s.mu must be held.
func (s *Server) addSessionLocked(subject, orgID string, roles []string, now time.Time, minutes int,
	factors []client.AuthenticationFactor, claims map[string]any) (*session, *client.StytchError) {
	if len(s.sessions) >= maxSessions {
		return nil, badRequest(client.ErrBadRequest, "The emulator holds its maximum of %d sessions.", maxSessions)
	}
	kind := "session"
	if orgID != "" {
		kind = "member-session"
	}
	sn := &session{
		id:             s.newID(kind),
		userID:         subject,
		orgID:          orgID,
		startedAt:      now,
		lastAccessedAt: now,
		expiresAt:      now.Add(time.Duration(minutes) * time.Minute),
		factors:        factors,
		customClaims:   claims,
		roles:          slices.Clone(roles),
	}
	s.sessions[sn.id] = sn
	s.sessionsByToken[tokenHash(s.sessionToken(sn.id))] = sn
	s.userSessions[subject] = append(s.userSessions[subject], sn.id)
	return sn, nil
}

// startSession creates a session of minutes for the user and returns its
// grant and the user.
func (s *Server) startSession(userID string, minutes int, claims map[string]any, factors []client.AuthenticationFactor) (*SessionGrant, client.User, error) {
	prepared, apiErr := prepareClaims(claims)
	if apiErr != nil {
		return nil, client.User{}, apiErr
	}
	initial, _ := applyClaims(nil, prepared) // fits: prepared was checked
	now := s.stamp()
	fs, apiErr := prepareFactors(factors, now)
	if apiErr != nil {
		return nil, client.User{}, apiErr
	}
	s.mu.Lock()
	u := s.userLocked(userID)
	if u == nil {
		s.mu.Unlock()
		return nil, client.User{}, apiError(http.StatusNotFound, client.ErrUserNotFound, "User could not be found.")
	}
	if len(fs) == 0 {
		fs = []client.AuthenticationFactor{s.emailMagicLink(u, now)}
	}
	sn, apiErr := s.addSessionLocked(userID, "", u.Roles, now, minutes, fs, initial)
	if apiErr != nil {
		s.mu.Unlock()
		return nil, client.User{}, apiErr
	}
	view, user := sn.view(), cloneUser(*u)
	s.mu.Unlock()

	jwt, err := s.mintJWT(view)
	if err != nil {
		return nil, client.User{}, err
	}
	return &SessionGrant{SessionToken: s.sessionToken(view.SessionID), SessionJWT: jwt, Session: view}, user, nil
}
