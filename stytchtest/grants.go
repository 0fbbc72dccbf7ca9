package stytchtest

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// Bounds and rules of the outside parties the emulator plays.
const (
	maxExternalTokens = 100_000
	// accessTokenMaxAge is how old a connected-app access token may be when
	// it is exchanged.
	accessTokenMaxAge = 5 * time.Minute
	// fullAccessScope is the scope an exchanged access token must hold.
	fullAccessScope = "full_access"
)

// ExternalToken is a token an outside party would accept, registered so
// that migrate, exchange_access_token and attest work end to end:
//
//   - EndpointMigrate: the session token of an external OIDC provider whose
//     user info has Email (or, with UserID, that user's email). Migrate finds
//     the user with that email or creates one, as Stytch does; a token
//     registered with neither has no email, which migrate refuses. Reusable.
//   - EndpointExchangeAccessToken: a connected app's access token for UserID
//     (or the user with Email), issued now on the emulator's clock, with
//     Scopes (it must hold "full_access" to be exchanged) and ClientID. It is
//     accepted once, within 5 minutes.
//   - EndpointAttest: a trusted auth token of the profile ProfileID
//     (required) for UserID (or the user with Email). Reusable.
//
// In a B2B project UserID is a member id and Email a member's address:
// migrate and attest find the member with that address (a member id stands
// for its member's address) in the request's organization (attest: or the
// session's), and never create one; an exchange_access_token token needs
// UserID, as its request names no organization.
type ExternalToken struct {
	Endpoint  Endpoint
	Token     string
	UserID    string
	Email     string
	ProfileID string
	Scopes    []string
	ClientID  string
}

// externalToken is a registered ExternalToken, indexed by the hash of its
// token.
type externalToken struct {
	endpoint  Endpoint
	userID    string
	email     string
	profileID string
	scopes    []string
	clientID  string
	tokenID   string // the trusted_auth_token_factor's token_id
	issuedAt  time.Time
	used      bool
}

func externalKey(endpoint Endpoint, token string) [32]byte {
	return tokenHash(string(endpoint) + "\x00" + token)
}

// RegisterExternalToken registers what an outside party would accept (see
// ExternalToken). Users named by UserID or Email must exist, except for a
// migrate token's Email.
func (s *Server) RegisterExternalToken(t ExternalToken) error {
	if e := s.registerExternalToken(t); e != nil {
		return e
	}
	return nil
}

func (s *Server) registerExternalToken(t ExternalToken) *client.StytchError {
	switch t.Endpoint {
	case EndpointMigrate, EndpointExchangeAccessToken, EndpointAttest:
	default:
		return badRequest(client.ErrBadRequest, "endpoint must be migrate, exchange_access_token or attest.")
	}
	switch {
	case t.Token == "" || len(t.Token) > maxJWTBytes:
		return badRequest(client.ErrBadRequest, "token must take 1 to %d bytes.", maxJWTBytes)
	case t.UserID != "" && t.Email != "":
		return badRequest(client.ErrBadRequest, "Give user_id or email, not both.")
	case t.UserID == "" && t.Email == "" && t.Endpoint != EndpointMigrate:
		return badRequest(client.ErrBadRequest, "An %s token needs user_id or email.", t.Endpoint)
	case (t.ProfileID == "") == (t.Endpoint == EndpointAttest) || len(t.ProfileID) > maxFieldBytes:
		return badRequest(client.ErrBadRequest, "profile_id is required for attest tokens, and only for them.")
	case (len(t.Scopes) > 0 || t.ClientID != "") && t.Endpoint != EndpointExchangeAccessToken:
		return badRequest(client.ErrBadRequest, "scopes and client_id apply to exchange_access_token tokens only.")
	case len(t.Scopes) > maxRoles || len(t.ClientID) > maxFieldBytes || t.Email != "" && !validEmail(t.Email):
		return badRequest(client.ErrBadRequest, "Too many scopes, or a client_id or email that is too long or invalid.")
	}
	rec := &externalToken{endpoint: t.Endpoint, userID: t.UserID, email: t.Email, profileID: t.ProfileID,
		scopes: slices.Clone(t.Scopes), clientID: t.ClientID, tokenID: s.newID("trusted-auth-token"), issuedAt: s.stamp()}
	if t.Endpoint == EndpointExchangeAccessToken && rec.clientID == "" {
		rec.clientID = "connected-app-" + s.env + "-" + newUUID()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.b2b && t.UserID != "" && s.members[t.UserID] == nil:
		return apiError(http.StatusNotFound, client.ErrMemberNotFound, msgMemberNotFound)
	case s.b2b && t.UserID == "" && t.Endpoint == EndpointExchangeAccessToken:
		return badRequest(client.ErrBadRequest, "In a B2B project an exchange_access_token token needs user_id, the member's id.")
	case !s.b2b && t.UserID != "" && s.userLocked(t.UserID) == nil:
		return apiError(http.StatusNotFound, client.ErrUserNotFound, "User could not be found.")
	case !s.b2b && t.Email != "" && t.Endpoint != EndpointMigrate && s.usersByEmail[strings.ToLower(t.Email)] == "":
		return apiError(http.StatusNotFound, client.ErrUserNotFound, "No user has this email.")
	case len(s.external) >= maxExternalTokens:
		return badRequest(client.ErrBadRequest, "The emulator holds its maximum of %d external tokens.", maxExternalTokens)
	}
	key := externalKey(t.Endpoint, t.Token)
	if s.external[key] != nil {
		return badRequest(client.ErrBadRequest, "This token is already registered for %s.", t.Endpoint)
	}
	s.external[key] = rec
	return nil
}

// grantBody is the answer of migrate, exchange_access_token and attest.
type grantBody struct {
	client.SessionGrantResponse
	Session *wireSession `json:"session"`
}

// grantResponse answers a grant endpoint with the session in grant.
func grantResponse(requestID string, grant *SessionGrant, user client.User) grantBody {
	session := toWire(grant.Session)
	return grantBody{
		SessionGrantResponse: client.SessionGrantResponse{
			RequestID:    requestID,
			UserID:       user.UserID,
			SessionToken: grant.SessionToken,
			SessionJWT:   grant.SessionJWT,
			User:         user,
			StatusCode:   http.StatusOK,
		},
		Session: &session,
	}
}

// asAPIError turns an error of the emulator's own code into an API answer.
func asAPIError(err error) *client.StytchError {
	var se *client.StytchError
	if errors.As(err, &se) {
		return se
	}
	return apiError(http.StatusInternalServerError, client.ErrInternalServerError, "The emulator failed: %v.", err)
}

// grantSession validates the session fields of a grant request and starts a
// session for userID.
func (s *Server) grantSession(requestID, userID string, minutes int, claims map[string]any, factor client.AuthenticationFactor) (any, *client.StytchError) {
	if minutes == 0 {
		minutes = defaultDurationMinutes
	}
	grant, user, err := s.startSession(userID, minutes, claims, []client.AuthenticationFactor{factor})
	if err != nil {
		return nil, asAPIError(err)
	}
	return grantResponse(requestID, grant, user), nil
}

// checkGrantFields applies the client's checks to a grant request's session
// fields, before anything changes.
func checkGrantFields(minutes int, claims map[string]any) *client.StytchError {
	if e := checkDuration(minutes); e != nil {
		return e
	}
	_, e := prepareClaims(claims)
	return e
}

// takeExternal returns a copy of the registered token, or nil.
func (s *Server) takeExternal(endpoint Endpoint, token string) *externalToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.external[externalKey(endpoint, token)]; rec != nil {
		c := *rec
		return &c
	}
	return nil
}

// userForExternal returns the id of the user an external token names.
func (s *Server) userForExternal(rec *externalToken) string {
	if rec.userID != "" {
		return rec.userID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usersByEmail[strings.ToLower(rec.email)]
}

// handleMigrate serves POST /v1/sessions/migrate.
func (s *Server) handleMigrate(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.MigrateRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	rec, e := s.migrateToken(req.SessionToken, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	userID := s.userForExternal(rec)
	if userID == "" {
		u, err := s.createUser(rec.email, nil, nil, "")
		if err != nil && !errors.Is(err, errDuplicateEmail) {
			return nil, asAPIError(err)
		}
		if userID = u.UserID; userID == "" { // created concurrently by another migrate
			userID = s.userForExternal(rec)
		}
	}
	s.mu.Lock()
	factor := client.AuthenticationFactor{Type: "imported", DeliveryMethod: "imported"}
	if u := s.userLocked(userID); u != nil && len(u.Emails) > 0 {
		factor.EmailFactor = &client.EmailFactor{EmailID: u.Emails[0].EmailID, EmailAddress: u.Emails[0].Email}
	}
	s.mu.Unlock()
	return s.grantSession(requestID, userID, req.SessionDurationMinutes, req.SessionCustomClaims, factor)
}

// migrateToken checks a migrate request's session fields (consumer or B2B)
// and returns the registered migrate token: the refusal of an external
// identity provider that does not know it, or whose user info has no email
// address.
func (s *Server) migrateToken(token string, minutes int, claims map[string]any) (*externalToken, *client.StytchError) {
	if token == "" {
		return nil, badRequest(client.ErrInvalidSessionToken, "session_token is required.")
	}
	if e := checkGrantFields(minutes, claims); e != nil {
		return nil, e
	}
	rec := s.takeExternal(EndpointMigrate, token)
	if rec == nil {
		return nil, apiError(http.StatusUnauthorized, client.ErrInvalidSessionToken, "The external identity provider does not accept this session_token.")
	}
	if rec.userID == "" && rec.email == "" {
		return nil, badRequest(client.ErrMigrateEmailDoesNotExist, "The external identity provider's user info has no email address.")
	}
	return rec, nil
}

// handleExchangeAccessToken serves POST /v1/sessions/exchange_access_token.
func (s *Server) handleExchangeAccessToken(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.ExchangeAccessTokenRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	taken, factor, e := s.redeemAccessToken(req.AccessToken, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	return s.grantSession(requestID, s.userForExternal(&taken), req.SessionDurationMinutes, req.SessionCustomClaims, factor)
}

// redeemAccessToken checks an exchange_access_token request (consumer or
// B2B) and takes its registered access token, once: it must hold
// full_access and be at most 5 minutes old. It returns what was registered
// and the factor of the session to grant.
func (s *Server) redeemAccessToken(token string, minutes int, claims map[string]any) (externalToken, client.AuthenticationFactor, *client.StytchError) {
	if token == "" {
		return externalToken{}, client.AuthenticationFactor{}, badRequest(client.ErrInvalidToken, "access_token is required.")
	}
	if e := checkGrantFields(minutes, claims); e != nil {
		return externalToken{}, client.AuthenticationFactor{}, e
	}
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.external[externalKey(EndpointExchangeAccessToken, token)]
	var refusal *client.StytchError
	switch {
	case rec == nil || rec.used:
		refusal = badRequest(client.ErrAccessTokenInvalidGrant, "The access token is unknown or was already exchanged.")
	case !slices.Contains(rec.scopes, fullAccessScope):
		refusal = badRequest(client.ErrAccessTokenMissingFullAccess, "The access token does not hold the full_access scope.")
	case now.Sub(rec.issuedAt) > accessTokenMaxAge:
		refusal = badRequest(client.ErrAccessTokenTooOld, "The access token is more than 5 minutes old.")
	}
	if refusal != nil {
		return externalToken{}, client.AuthenticationFactor{}, refusal
	}
	rec.used = true
	factor := client.AuthenticationFactor{Type: "oauth", DeliveryMethod: "oauth_access_token_exchange",
		OAuthAccessTokenExchangeFactor: &client.OAuthAccessTokenExchangeFactor{ClientID: rec.clientID}}
	return *rec, factor, nil
}

// handleAttest serves POST /v1/sessions/attest.
func (s *Server) handleAttest(w http.ResponseWriter, r *http.Request, requestID string) (any, *client.StytchError) {
	var req client.AttestRequest
	if e := decodeBody(w, r, &req, false); e != nil {
		return nil, e
	}
	rec, e := s.attestToken(req.ProfileID, req.Token, req.SessionToken, req.SessionJWT, req.SessionDurationMinutes, req.SessionCustomClaims)
	if e != nil {
		return nil, e
	}
	userID := s.userForExternal(rec)
	factor := trustedTokenFactor(rec)
	if req.SessionToken == "" && req.SessionJWT == "" {
		return s.grantSession(requestID, userID, req.SessionDurationMinutes, req.SessionCustomClaims, factor)
	}
	return s.addFactor(requestID, userID, sessionRef{token: req.SessionToken, jwt: req.SessionJWT},
		req.SessionDurationMinutes, req.SessionCustomClaims, factor)
}

// attestToken checks an attest request (consumer or B2B) and returns the
// registered trusted auth token it presents.
func (s *Server) attestToken(profileID, token, sessionToken, sessionJWT string, minutes int, claims map[string]any) (*externalToken, *client.StytchError) {
	switch {
	case profileID == "":
		return nil, badRequest(client.ErrTrustedTokenProfileNotFound, "profile_id is required.")
	case token == "":
		return nil, badRequest(client.ErrInvalidTrustedAuthToken, "token is required.")
	case sessionToken != "" && sessionJWT != "":
		return nil, badRequest(client.ErrTooManySessionArguments, "Please include at most one of session_token or session_jwt, not both.")
	}
	if e := checkGrantFields(minutes, claims); e != nil {
		return nil, e
	}
	if !s.profileExists(profileID) {
		return nil, apiError(http.StatusNotFound, client.ErrTrustedTokenProfileNotFound, "No trusted auth token profile has this profile_id.")
	}
	rec := s.takeExternal(EndpointAttest, token)
	if rec == nil || rec.profileID != profileID {
		return nil, apiError(http.StatusUnauthorized, client.ErrInvalidTrustedAuthToken, "The trusted auth token is not valid for this profile.")
	}
	return rec, nil
}

// trustedTokenFactor is the factor attest adds for rec.
func trustedTokenFactor(rec *externalToken) client.AuthenticationFactor {
	return client.AuthenticationFactor{Type: "trusted_auth_token", DeliveryMethod: "trusted_token_exchange",
		TrustedAuthTokenFactor: &client.TrustedAuthTokenFactor{TokenID: rec.tokenID}}
}

// profileExists reports whether some registered attest token names the
// trusted auth token profile id.
func (s *Server) profileExists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.external {
		if rec.endpoint == EndpointAttest && rec.profileID == id {
			return true
		}
	}
	return false
}

// addFactor adds factor to the user's active session named by ref, as
// attest does when given a session.
func (s *Server) addFactor(requestID, userID string, ref sessionRef, minutes int, claims map[string]any, factor client.AuthenticationFactor) (any, *client.StytchError) {
	sub, e := s.resolve(ref)
	if e != nil {
		return nil, e
	}
	now := s.stamp()
	s.mu.Lock()
	sn, e := s.addFactorLocked(sub, userID, now, minutes, claims, factor)
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	view, user := sn.view(), cloneUser(*s.userLocked(userID))
	s.mu.Unlock()
	jwt, err := s.mintJWT(view)
	if err != nil {
		return nil, asAPIError(err)
	}
	return grantResponse(requestID, &SessionGrant{SessionToken: s.sessionToken(view.SessionID), SessionJWT: jwt, Session: view}, user), nil
}

// addFactorLocked adds factor to the active session sub names, which must
// be subject's (a user or a member), as attest does for consumer and B2B
// sessions; claims were checked by checkGrantFields. s.mu must be held.
func (s *Server) addFactorLocked(sub jwtSubject, subject string, now time.Time, minutes int, claims map[string]any,
	factor client.AuthenticationFactor) (*session, *client.StytchError) {
	prepared, _ := prepareClaims(claims)
	factor.LastAuthenticatedAt, factor.CreatedAt, factor.UpdatedAt = now, now, now
	sn, e := s.updateSessionLocked(sub, now, minutes, prepared, func(sn *session) *client.StytchError {
		switch {
		case sn.userID != subject:
			return badRequest(client.ErrInvalidTrustedAuthToken, "The trusted auth token names another subject than the session's.")
		case len(sn.factors) >= maxFactors:
			return badRequest(client.ErrBadRequest, "The session has the maximum of %d authentication factors.", maxFactors)
		}
		return nil
	})
	if e != nil {
		return nil, e
	}
	sn.factors = append(sn.factors, factor)
	return sn, nil
}
