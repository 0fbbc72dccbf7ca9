package docsapi

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/middleware"
)

// The shell variables the banner's commands read the demo credentials from.
const (
	jwtVar   = "SESSION_JWT"
	tokenVar = "SESSION_TOKEN"
)

// credential says how a banner command authenticates.
type credential uint8

const (
	noCredential credential = iota
	bearerJWT               // Authorization: Bearer $SESSION_JWT
	cookieJWT               // Cookie stytch_session_jwt=$SESSION_JWT
	cookieToken             // Cookie stytch_session=$SESSION_TOKEN
)

// command is one curl command of the banner and the status it gets for
// the demo user (role "editor"), in the order printed.
type command struct {
	method string
	path   string
	cred   credential
	body   string // JSON
	want   int
	note   string
	// as names the shell variable the credential is read from, when not
	// SESSION_JWT or SESSION_TOKEN (the B2B banner's members).
	as string
}

// commands lists the banner's commands: every route, and every outcome a
// curl user can see without tampering with a token.
func (a *Demo) commands() []command {
	return []command{
		{http.MethodGet, "/healthz", noCredential, "", http.StatusOK, "no authentication", ""},
		{http.MethodGet, "/me", noCredential, "", http.StatusUnauthorized, "no credential: the middleware's JSON error", ""},
		{http.MethodGet, "/me", bearerJWT, "", http.StatusOK, "session JWT, " + a.jwtVerification(), ""},
		{http.MethodGet, "/me", cookieToken, "", http.StatusOK, "opaque session token: verified by Stytch", ""},
		{http.MethodGet, "/documents", cookieJWT, "", http.StatusOK, "documents:read, the JWT from the stytch_session_jwt cookie", ""},
		{http.MethodPost, "/documents", bearerJWT, `{"title":"Hello","body":"Written with curl."}`, http.StatusCreated, "documents:create", ""},
		{http.MethodDelete, "/documents/doc-1", bearerJWT, "", http.StatusForbidden, `documents:delete: the role "editor" does not grant it`, ""},
		{http.MethodPost, "/logout", bearerJWT, "", http.StatusNoContent, "revokes the session and clears the cookies", ""},
	}
}

// jwtVerification says how a fresh session JWT is verified under the
// configured MaxTokenAge.
func (a *Demo) jwtVerification() string {
	switch age := a.cfg.MaxTokenAge; {
	case age == 0:
		return "verified locally (no call to Stytch)"
	case age < time.Second:
		return "verified by Stytch (STYTCH_MAX_TOKEN_AGE=0s)"
	default:
		return fmt.Sprintf("verified locally until it is %s old, then by Stytch", age)
	}
}

// sessionTokenCacheTTL is middleware.Tuning.SessionTokenCacheTTL's
// default, which the demo keeps.
const sessionTokenCacheTTL = 30 * time.Second

// curl spells c as a curl command against baseURL.
func (c command) curl(baseURL string) string {
	args := []string{"curl", "-i"}
	if c.body == "" && c.method != http.MethodGet {
		args = append(args, "-X", c.method)
	}
	jwt, token := jwtVar, tokenVar
	if c.as != "" {
		jwt, token = c.as, c.as
	}
	switch c.cred {
	case bearerJWT:
		args = append(args, "-H", `"Authorization: Bearer $`+jwt+`"`)
	case cookieJWT:
		args = append(args, "-b", `"`+middleware.DefaultJWTCookie+`=$`+jwt+`"`)
	case cookieToken:
		args = append(args, "-b", `"`+middleware.DefaultTokenCookie+`=$`+token+`"`)
	}
	if c.body != "" {
		// -d makes curl POST.
		args = append(args, "-H", `"Content-Type: application/json"`, "-d", "'"+c.body+"'")
	}
	args = append(args, baseURL+c.path)
	return fmt.Sprintf("%s  # %d: %s", strings.Join(args, " "), c.want, c.note)
}

// printBanner tells the user where the API listens, which Stytch it uses,
// the demo credentials (embedded mode) and commands to try.
func (a *Demo) printBanner(w io.Writer, name, baseURL string) error {
	if a.b2b != nil {
		return a.printB2BBanner(w, name, baseURL)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Documents API (%s) listening on %s\n\n", name, baseURL)
	if a.demo != nil {
		emu := a.emulator
		fmt.Fprintf(&b, "Stytch: the embedded stytchtest emulator at %s (for development only: it is not Stytch)\n", emu.URL)
		fmt.Fprintf(&b, "  project id: %s\n  secret:     %s\n", emu.ProjectID, emu.Secret)
		b.WriteString("  Its admin API under /emulator/ (HTTP Basic, project id and secret) creates users with other roles\n")
		b.WriteString("  and moves the clock the API uses; see the stytchtest package.\n")
		fmt.Fprintf(&b, "Demo user: %s (%s), role %q, session valid for %d minutes.\n\n",
			DemoEmail, a.demo.user.UserID, DemoRole, int(DemoSessionDuration.Minutes()))
		fmt.Fprintf(&b, "export %s='%s'\n", jwtVar, a.demo.grant.SessionJWT)
		fmt.Fprintf(&b, "export %s='%s'\n\n", tokenVar, a.demo.grant.SessionToken)
	} else {
		fmt.Fprintf(&b, "Stytch: project %s at %s\n", a.cfg.Stytch.ProjectID, a.stytchBaseURL())
		b.WriteString("Sign a user in with your frontend, then export its session JWT and token (the\n")
		b.WriteString("stytch_session_jwt and stytch_session cookies). The statuses below are a user's\n")
		fmt.Fprintf(&b, "whose role is %q.\n\n", DemoRole)
		fmt.Fprintf(&b, "export %s='<session JWT>'\n", jwtVar)
		fmt.Fprintf(&b, "export %s='<session token>'\n\n", tokenVar)
	}
	for _, c := range a.commands() {
		b.WriteString(c.curl(baseURL))
		b.WriteByte('\n')
	}
	writeLogoutNote(&b)
	b.WriteString(ReadyLine + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeLogoutNote says how long a logged-out session lives on elsewhere.
func writeLogoutNote(b *strings.Builder) {
	fmt.Fprintf(b, "\nAfter the logout this server refuses the session's JWT and token at once. Another server of\n"+
		"the same project still accepts the JWT until its exp (5 minutes at most) or until it is\n"+
		"STYTCH_MAX_TOKEN_AGE old, whichever is sooner (0s: never), and the opaque token for at most\n"+
		"%s, the middleware's session-token cache TTL.\n",
		sessionTokenCacheTTL)
}

// stytchBaseURL is the API base URL of the configured project: the one
// given, or the client's default for the project.
func (a *Demo) stytchBaseURL() string {
	if c, err := client.New(a.cfg.Stytch); err == nil {
		return c.BaseURL()
	}
	return a.cfg.Stytch.BaseURL
}

// ReadyLine ends the banner: the listener accepts connections when it is
// printed, so tests wait for it.
const ReadyLine = "Press Ctrl-C to stop."
