package stytchtest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/stytchmw/stytchmw/client"
)

// DefaultRole is the role Stytch gives every user of a consumer project.
const DefaultRole = "stytch_user"

// Bounds on what a test may store in the emulator.
const (
	maxUsers      = 100_000
	maxRoles      = 100
	maxFieldBytes = 256
	maxEmailBytes = 254
)

// Error types of the admin API that the client package has no constant for.
const (
	errDuplicateEmail client.ErrorType = "duplicate_email"
	errInvalidEmail   client.ErrorType = "invalid_email"
	// errDuplicateExternalID is Stytch's error type for a taken external_id.
	errDuplicateExternalID client.ErrorType = "duplicate_external_id"
)

// UserParams describes a user to create.
type UserParams struct {
	// Email is the user's (verified) email address; optional, unique.
	Email string
	// Name is a full name such as "Ada Lovelace": the first word is the first
	// name, the last word the last name, any words between the middle name.
	Name string
	// Roles are the user's RBAC roles besides "stytch_user", which every user
	// holds first.
	Roles []string
	// ExternalID is the user's id in the application's own system; optional,
	// unique. GET /v1/sessions accepts it in place of the user id.
	ExternalID string
}

// CreateUser stores a user and returns it as the API shows it.
func (s *Server) CreateUser(ctx context.Context, p UserParams) (client.User, error) {
	if err := ctx.Err(); err != nil {
		return client.User{}, err
	}
	u, err := s.createUser(p.Email, splitName(p.Name), p.Roles, p.ExternalID)
	if err != nil {
		return client.User{}, err
	}
	return u, nil
}

// splitName turns a full name into Stytch's name object.
func splitName(full string) *client.Name {
	words := strings.Fields(full)
	switch len(words) {
	case 0:
		return nil
	case 1:
		return &client.Name{FirstName: words[0]}
	}
	return &client.Name{
		FirstName:  words[0],
		MiddleName: strings.Join(words[1:len(words)-1], " "),
		LastName:   words[len(words)-1],
	}
}

// nameParam is the admin API's "name": a full name string or Stytch's name
// object.
type nameParam struct{ name *client.Name }

func (n *nameParam) UnmarshalJSON(data []byte) error {
	var full string
	if err := json.Unmarshal(data, &full); err == nil {
		n.name = splitName(full)
		return nil
	}
	var object struct {
		FirstName  string `json:"first_name"`
		MiddleName string `json:"middle_name"`
		LastName   string `json:"last_name"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&object); err != nil {
		return err
	}
	n.name = (*client.Name)(&object)
	return nil
}

func validEmail(email string) bool {
	local, domain, found := strings.Cut(email, "@")
	return found && local != "" && domain != "" && !strings.Contains(domain, "@") &&
		len(email) <= maxEmailBytes && !strings.ContainsFunc(email, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// withDefaultRole returns def ("stytch_user", "stytch_member") followed by
// roles, without repeats.
func withDefaultRole(def string, roles []string) ([]string, *client.StytchError) {
	if len(roles) > maxRoles {
		return nil, badRequest(client.ErrBadRequest, "A user or member may hold at most %d roles.", maxRoles)
	}
	out := []string{def}
	for _, r := range roles {
		if r == "" || len(r) > maxFieldBytes || strings.ContainsFunc(r, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
			return nil, badRequest(client.ErrBadRequest, "A role id must be 1 to %d printable bytes without spaces.", maxFieldBytes)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Server) createUser(email string, name *client.Name, roles []string, externalID string) (client.User, error) {
	if email != "" && !validEmail(email) {
		return client.User{}, badRequest(errInvalidEmail, "email is not a valid email address.")
	}
	if externalID != "" && !validID(externalID) {
		return client.User{}, badRequest(client.ErrBadRequest, "external_id must be 1 to %d printable bytes without spaces.", maxFieldBytes)
	}
	if name != nil {
		for _, part := range []string{name.FirstName, name.MiddleName, name.LastName} {
			if len(part) > maxFieldBytes {
				return client.User{}, badRequest(client.ErrBadRequest, "Each part of name may take at most %d bytes.", maxFieldBytes)
			}
		}
	}
	if e := s.errModeOnly(false); e != nil {
		return client.User{}, e
	}
	allRoles, apiErr := withDefaultRole(DefaultRole, roles)
	if apiErr != nil {
		return client.User{}, apiErr
	}
	u := client.User{
		UserID:                 s.newID("user"),
		Status:                 "active",
		Name:                   name,
		Emails:                 []client.Email{},
		PhoneNumbers:           []client.PhoneNumber{},
		Providers:              []client.OAuthProvider{},
		WebAuthnRegistrations:  []client.WebAuthnRegistration{},
		TOTPs:                  []client.TOTP{},
		CryptoWallets:          []client.CryptoWallet{},
		BiometricRegistrations: []client.BiometricRegistration{},
		Roles:                  allRoles,
		CreatedAt:              s.stamp(),
		TrustedMetadata:        map[string]any{},
		UntrustedMetadata:      map[string]any{},
		ExternalID:             externalID,
	}
	if email != "" {
		u.Emails = []client.Email{{EmailID: s.newID("email"), Email: email, Verified: true}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(email)
	if _, taken := s.usersByEmail[key]; email != "" && taken {
		return client.User{}, badRequest(errDuplicateEmail, "A user with this email already exists.")
	}
	if _, taken := s.usersByExternalID[externalID]; externalID != "" && taken {
		return client.User{}, badRequest(errDuplicateExternalID, "A user with this external_id already exists.")
	}
	if len(s.users) >= maxUsers {
		return client.User{}, badRequest(client.ErrBadRequest, "The emulator holds its maximum of %d users.", maxUsers)
	}
	s.users[u.UserID] = &u
	if email != "" {
		s.usersByEmail[key] = u.UserID
	}
	if externalID != "" {
		s.usersByExternalID[externalID] = u.UserID
	}
	return cloneUser(u), nil
}

// cloneUser copies u so that callers cannot change the stored user.
func cloneUser(u client.User) client.User {
	if u.Name != nil {
		name := *u.Name
		u.Name = &name
	}
	u.Emails = slices.Clone(u.Emails)
	u.Roles = slices.Clone(u.Roles)
	u.TrustedMetadata = map[string]any{}
	u.UntrustedMetadata = map[string]any{}
	return u
}

// userLocked returns the stored user with id, or nil. s.mu must be held.
func (s *Server) userLocked(id string) *client.User { return s.users[id] }

// userByIDOrExternalIDLocked returns the user whose id, or else whose
// external_id, is id, as GET /v1/sessions looks users up; nil when there is
// none. s.mu must be held.
func (s *Server) userByIDOrExternalIDLocked(id string) *client.User {
	if u := s.users[id]; u != nil {
		return u
	}
	if userID, found := s.usersByExternalID[id]; found {
		return s.users[userID]
	}
	return nil
}
