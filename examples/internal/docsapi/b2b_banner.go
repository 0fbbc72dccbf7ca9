package docsapi

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// b2bVar is the shell variable of the banner holding a seeded member's
// session JWT ("ACME_EDITOR_JWT"), or an organization's id (role "",
// "ACME_ID").
func b2bVar(org, role string) string {
	if role == "" {
		return strings.ToUpper(org) + "_ID"
	}
	return strings.ToUpper(org) + "_" + strings.ToUpper(role) + "_JWT"
}

// b2bTokenVar holds the opaque session token of acme's editor.
const b2bTokenVar = "ACME_EDITOR_TOKEN"

// b2bCommands lists the B2B banner's commands: every route, a permitted
// call, a role denial and a tenancy denial, in the order printed (acme's
// editor logs out last).
func (a *Demo) b2bCommands() []command {
	acme, globex := "/orgs/$"+b2bVar("acme", ""), "/orgs/$"+b2bVar("globex", "")
	reader, editor, admin := b2bVar("acme", "reader"), b2bVar("acme", "editor"), b2bVar("acme", "admin")
	return []command{
		{http.MethodGet, "/healthz", noCredential, "", http.StatusOK, "no authentication", ""},
		{http.MethodGet, "/me", noCredential, "", http.StatusUnauthorized, "no credential: the middleware's JSON error", ""},
		{http.MethodGet, "/me", bearerJWT, "", http.StatusOK, "member session JWT, " + a.jwtVerification(), reader},
		{http.MethodGet, "/me", cookieToken, "", http.StatusOK, "opaque member session token: verified by Stytch", b2bTokenVar},
		{http.MethodGet, acme + "/documents", bearerJWT, "", http.StatusOK, "permitted: documents:read in acme, to acme's reader", reader},
		{http.MethodPost, acme + "/documents", bearerJWT, `{"title":"Hello","body":"Written with curl."}`, http.StatusForbidden,
			`role denial: session_authorization_error, the role "reader" does not grant documents:create`, reader},
		{http.MethodPost, acme + "/documents", bearerJWT, `{"title":"Hello","body":"Written with curl."}`, http.StatusCreated, "documents:create, to acme's editor", editor},
		{http.MethodDelete, acme + "/documents/doc-1", bearerJWT, "", http.StatusForbidden, `role denial: the role "editor" does not grant documents:delete`, editor},
		{http.MethodDelete, acme + "/documents/doc-1", bearerJWT, "", http.StatusNoContent, "documents:delete, to acme's admin", admin},
		{http.MethodGet, globex + "/documents", bearerJWT, "", http.StatusForbidden,
			"tenancy denial: session_authorization_tenancy_error, acme's admin asking about globex", admin},
		{http.MethodGet, globex + "/documents", cookieJWT, "", http.StatusOK, "globex's reader, the JWT from the stytch_session_jwt cookie", b2bVar("globex", "reader")},
		{http.MethodPost, "/logout", bearerJWT, "", http.StatusNoContent, "revokes acme's editor's member session and clears the cookies", editor},
	}
}

// printB2BBanner is printBanner for the B2B example: the organizations,
// the members' session JWTs (embedded mode) and the commands to try.
func (a *Demo) printB2BBanner(w io.Writer, name, baseURL string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Documents API (%s) listening on %s\n\n", name, baseURL)
	if emu := a.emulator; emu != nil {
		fmt.Fprintf(&b, "Stytch: the embedded stytchtest emulator at %s (for development only: it is not Stytch)\n", emu.URL)
		fmt.Fprintf(&b, "  project id: %s\n  secret:     %s\n", emu.ProjectID, emu.Secret)
		b.WriteString("  A B2B project. Its admin API under /emulator/ (HTTP Basic, project id and secret) starts member\n")
		b.WriteString("  sessions and moves the clock the API uses; Stytch's own B2B endpoints add organizations and\n")
		b.WriteString("  members. See the stytchtest package.\n")
		fmt.Fprintf(&b, "Organizations %s, each with a member of each role %s (and stytch_member);\n",
			strings.Join(DemoOrganizations, " and "), strings.Join(DemoMemberRoles, ", "))
		fmt.Fprintf(&b, "member sessions valid for %d minutes.\n\n", int(DemoSessionDuration.Minutes()))
		for _, o := range a.b2b.orgs {
			slug := o.org.OrganizationSlug
			fmt.Fprintf(&b, "export %s='%s'\n", b2bVar(slug, ""), o.org.OrganizationID)
			for _, m := range o.members {
				fmt.Fprintf(&b, "export %s='%s'  # %s\n", b2bVar(slug, m.role), m.grant.SessionJWT, m.member.EmailAddress)
				if slug == "acme" && m.role == "editor" {
					fmt.Fprintf(&b, "export %s='%s'\n", b2bTokenVar, m.grant.SessionToken)
				}
			}
		}
		b.WriteByte('\n')
	} else {
		fmt.Fprintf(&b, "Stytch: B2B project %s at %s\n", a.cfg.Stytch.ProjectID, a.stytchBaseURL())
		b.WriteString("Sign members in with your frontend, then export the ids of two organizations and the\n")
		b.WriteString("session JWTs (the stytch_session_jwt cookie) of members with the roles the names say, and\n")
		b.WriteString("one opaque session token (the stytch_session cookie). The statuses below assume them.\n\n")
		for _, slug := range DemoOrganizations {
			org := b2bVar(slug, "")
			fmt.Fprintf(&b, "export %s='<an organization id>'\n", org)
			for _, role := range DemoMemberRoles {
				fmt.Fprintf(&b, "export %s='<a session JWT of a member of %s with the role %s>'\n", b2bVar(slug, role), org, role)
			}
		}
		fmt.Fprintf(&b, "export %s='<a session token of a member of %s with the role editor>'\n\n", b2bTokenVar, b2bVar("acme", ""))
	}
	for _, c := range a.b2bCommands() {
		b.WriteString(c.curl(baseURL))
		b.WriteByte('\n')
	}
	writeLogoutNote(&b)
	b.WriteString(ReadyLine + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}
