package middleware

import (
	"context"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// postAuthenticate authenticates a credential with the project's endpoint:
// sessions/authenticate, or b2b/sessions/authenticate in a B2B project.
// An answer without a session is Stytch's fault (503), never a pass.
func (a *Authenticator) postAuthenticate(ctx context.Context, kind CredentialKind, token string) (*remoteSession, error) {
	if a.b2b {
		req := client.B2BAuthenticateRequest{SessionJWT: token}
		if kind == SessionToken {
			req = client.B2BAuthenticateRequest{SessionToken: token}
		}
		resp, err := a.client.B2B().Authenticate(ctx, req)
		if err != nil {
			return nil, remoteError(err)
		}
		ms := &resp.MemberSession
		if ms.MemberSessionID == "" || ms.MemberID == "" || ms.OrganizationID == "" {
			return nil, newError(ErrUnavailable, errNoSessionInAnswer)
		}
		return &remoteSession{memberSession: ms, member: &resp.Member, organization: &resp.Organization, jwt: resp.SessionJWT}, nil
	}
	req := client.AuthenticateRequest{SessionJWT: token}
	if kind == SessionToken {
		req = client.AuthenticateRequest{SessionToken: token}
	}
	resp, err := a.client.Authenticate(ctx, req)
	if err != nil {
		return nil, remoteError(err)
	}
	if resp.Session.SessionID == "" || resp.Session.UserID == "" {
		return nil, newError(ErrUnavailable, errNoSessionInAnswer)
	}
	return &remoteSession{session: &resp.Session, user: &resp.User, jwt: resp.SessionJWT}, nil
}

// sessionID is the id of the session Stytch answered with.
func (rs *remoteSession) sessionID() string {
	if rs.memberSession != nil {
		return rs.memberSession.MemberSessionID
	}
	return rs.session.SessionID
}

// expiresAt is when the session Stytch answered with expires.
func (rs *remoteSession) expiresAt() time.Time {
	if rs.memberSession != nil {
		return rs.memberSession.ExpiresAt
	}
	return rs.session.ExpiresAt
}
