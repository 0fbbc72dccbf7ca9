package jwtverify

// Kind is the kind of token a Result holds. A token's kind follows from its
// signed claims and the kind of project the Verifier serves, so it never
// changes: the cache keeps it with the verdict, and a token verified as one
// kind is refused as another from the cache as on first sight.
type Kind uint8

// The kinds of token.
const (
	// KindSession is a consumer session JWT: Result.Session.
	KindSession Kind = 1 + iota
	// KindMemberSession is a B2B member session JWT: Result.MemberSession.
	KindMemberSession
	// KindAccessToken is an M2M or Connected Apps access token:
	// Result.AccessToken.
	KindAccessToken
)

// String returns the kind's name, for logs and errors.
func (k Kind) String() string {
	switch k {
	case KindSession:
		return "session"
	case KindMemberSession:
		return "member session"
	case KindAccessToken:
		return "access token"
	}
	return "unknown"
}

// accept is a set of the kinds a verification takes.
type accept uint8

const (
	acceptSession accept = 1 << iota // the project's session: consumer or member
	acceptAccessToken
	acceptAny = acceptSession | acceptAccessToken
)

// has reports whether a takes tokens of kind k.
func (a accept) has(k Kind) bool {
	if k == KindAccessToken {
		return a&acceptAccessToken != 0
	}
	return a&acceptSession != 0
}

// refusal is the error for a token of kind k that a does not take.
func (a accept) refusal(k Kind) error {
	if k == KindAccessToken {
		return errNotSession
	}
	return errNotAccessToken
}

// The refusals of a token of the wrong kind, made once: a cached token
// refused as the wrong kind costs no allocation either.
var (
	errNotSession     = fail(ErrNotSession, "the token has a scope claim and no session claim")
	errNotAccessToken = fail(ErrNotAccessToken, "the token has a session claim")
)

// kindOf tells the kind of a token from its claims, before the signature
// is checked (the checks are cheap and allocate nothing), refuses a kind
// that acc does not take, and checks what the kind of project requires.
// The session claim makes a session (a custom claim named scope does not
// make it an access token); without one, a scope claim makes an access
// token. A B2B project's session must name its organization; a consumer
// project's token must not have the organization claim at all; whatever
// has it must hold a well-formed one.
func kindOf(c *claims, b2b bool, acc accept) (Kind, error) {
	k := KindSession
	switch {
	case c.session == nil && c.scope != nil:
		k = KindAccessToken
	case c.session == nil && acc == acceptAccessToken:
		return 0, fail(ErrScope, "the scope claim is missing")
	case c.session == nil:
		return 0, fail(ErrClaims, "the session claim is missing")
	case b2b:
		k = KindMemberSession
	}
	if !acc.has(k) {
		return 0, acc.refusal(k)
	}
	switch {
	case c.organization == nil && k == KindMemberSession:
		return 0, fail(ErrNoOrganization, "a B2B project's session JWT must carry "+organizationClaimName)
	case c.organization == nil:
		return k, nil
	case !b2b:
		return 0, fail(ErrOrganizationClaim, "only a B2B project's tokens carry "+organizationClaimName+": is the verifier configured for the right kind of project?")
	}
	if _, _, err := parseOrganization(c.organization); err != nil {
		return 0, err
	}
	return k, nil
}
