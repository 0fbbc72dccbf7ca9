package fleet

import (
	"fmt"
	"time"
)

// RevocationKind says what a Revocation refuses.
type RevocationKind uint8

const (
	// SessionRevoked: every credential of the session SessionID.
	SessionRevoked RevocationKind = iota + 1
	// UserLoggedOut: every session of the user UserID started before
	// NotBefore ("log this user out everywhere"); sessions started at or
	// after it still pass.
	UserLoggedOut
)

// String names the kind, for logs.
func (k RevocationKind) String() string {
	switch k {
	case SessionRevoked:
		return "session"
	case UserLoggedOut:
		return "user"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MaxIDBytes bounds a session or user id in a Revocation. Stytch's ids
// are about 50 bytes.
const MaxIDBytes = 256

// Revocation is one logout the fleet must honour.
type Revocation struct {
	Kind RevocationKind
	// SessionID is the revoked session (SessionRevoked).
	SessionID string
	// UserID is the user logged out everywhere (UserLoggedOut).
	UserID string
	// NotBefore: the user's sessions started before it are refused
	// (UserLoggedOut).
	NotBefore time.Time
	// Until is how long the revocation must be honoured: no earlier than
	// the last moment a credential it refuses could otherwise still pass
	// without Stytch (a JWT's exp, a cached answer's deadline).
	Until time.Time
}

// Validate reports why r cannot be published, as an ErrInvalid error.
func (r Revocation) Validate() error {
	id := r.ID()
	switch {
	case r.Kind != SessionRevoked && r.Kind != UserLoggedOut:
		return fmt.Errorf("%w: unknown revocation kind %d", ErrInvalid, r.Kind)
	case r.Kind == SessionRevoked && (r.UserID != "" || !r.NotBefore.IsZero()):
		return fmt.Errorf("%w: a session revocation has only a SessionID and Until", ErrInvalid)
	case r.Kind == UserLoggedOut && (r.SessionID != "" || r.NotBefore.IsZero()):
		return fmt.Errorf("%w: a user logout has only a UserID, NotBefore and Until", ErrInvalid)
	case id == "" || len(id) > MaxIDBytes:
		return fmt.Errorf("%w: the id must have 1 to %d bytes", ErrInvalid, MaxIDBytes)
	case r.Until.IsZero():
		return fmt.Errorf("%w: Until is required", ErrInvalid)
	}
	return nil
}

// ID is the revoked session's id or the logged-out user's.
func (r Revocation) ID() string {
	if r.Kind == UserLoggedOut {
		return r.UserID
	}
	return r.SessionID
}

// Merge returns the revocation that honours both r and o, which must
// have the same Kind and ID: the later Until, and for a user logout the
// later NotBefore (which refuses every session the earlier one did).
func (r Revocation) Merge(o Revocation) Revocation {
	if o.Until.After(r.Until) {
		r.Until = o.Until
	}
	if o.NotBefore.After(r.NotBefore) {
		r.NotBefore = o.NotBefore
	}
	return r
}
