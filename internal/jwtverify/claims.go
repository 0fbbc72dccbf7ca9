package jwtverify

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// The claims that carry the Stytch session and, in a B2B project's tokens,
// the member's organization.
const (
	sessionClaimName      = "https://stytch.com/session"
	organizationClaimName = "https://stytch.com/organization"
)

// payloadShapes are the payload members decoded into Go types (or read by
// name), whose members the scanner checks against those types' fields.
var payloadShapes = []namedShape{
	{sessionClaimName, sessionShape},
	{organizationClaimName, organizationShape},
}

// maxNumericDate is 9999-12-31T23:59:59Z: later dates are refused.
const maxNumericDate = 253402300799

// claims are the payload's registered claims, decoded in one pass over its
// top level; the session claim and any custom claims are kept raw and
// decoded only once the signature has verified.
type claims struct {
	iss, sub       string // alias the payload buffer
	hasIss, hasSub bool
	hasAud, audOK  bool // aud present; aud contains the project id
	exp, nbf, iat  numericDate
	session        []byte // raw session claim object, nil when absent
	organization   []byte // raw organization claim, nil when absent
	// scope and clientID are raw: in a session JWT they are custom claims
	// of any type; an access token's mapping checks them.
	scope, clientID []byte
	hasCustomClaims bool // other than scope and client_id
}

// numericDate is a NumericDate claim (seconds since the epoch, possibly
// fractional) and whether it was present.
type numericDate struct {
	seconds float64
	set     bool
}

func (d numericDate) time() time.Time {
	sec, frac := math.Modf(d.seconds)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// parseClaims decodes the payload's top level: it refuses duplicate
// members at any depth (ErrMalformed), registered claims of the wrong JSON
// type and members of the session claim named like a known one in another
// case (ErrClaims), the same in the organization claim, or a top-level
// member named like the session or organization claim in another case
// (ErrOrganization), and checks aud against projectID on the way so that no
// audience list is built.
func parseClaims(data []byte, projectID string) (claims, error) {
	var c claims
	m, err := newMembers(data)
	if err != nil {
		return c, fail(ErrMalformed, "payload: "+err.Error())
	}
	m.fields = payloadShapes
	var names nameSet
	for {
		name, value, ok, err := m.next()
		if errors.Is(err, errCaseName) {
			if name == organizationClaimName {
				return c, fail(ErrOrganization, err.Error())
			}
			return c, fail(ErrClaims, "session claim: "+err.Error())
		}
		if err != nil {
			return c, fail(ErrMalformed, "payload: "+err.Error())
		}
		if !ok {
			return c, nil
		}
		if names.add(name) {
			return c, fail(ErrMalformed, "payload: "+errDupName.Error())
		}
		switch name {
		case "iss":
			if c.iss, c.hasIss = stringValue(value); !c.hasIss {
				return c, fail(ErrClaims, "iss is not a string")
			}
		case "sub":
			if c.sub, c.hasSub = stringValue(value); !c.hasSub {
				return c, fail(ErrClaims, "sub is not a string")
			}
		case "aud":
			c.hasAud = true
			if s, isString := stringValue(value); isString {
				c.audOK = s == projectID
			} else if !forEachString(value, func(s string) { c.audOK = c.audOK || s == projectID }) {
				return c, fail(ErrClaims, "aud is neither a string nor an array of strings")
			}
		case "exp":
			if c.exp, err = parseNumericDate(value); err != nil {
				return c, fail(ErrClaims, "exp "+err.Error())
			}
		case "nbf":
			if c.nbf, err = parseNumericDate(value); err != nil {
				return c, fail(ErrClaims, "nbf "+err.Error())
			}
		case "iat":
			if c.iat, err = parseNumericDate(value); err != nil {
				return c, fail(ErrClaims, "iat "+err.Error())
			}
		case sessionClaimName:
			if value[0] != '{' {
				return c, fail(ErrClaims, "the session claim is not an object")
			}
			c.session = value
		case organizationClaimName:
			c.organization = value // checked by checkKind
		case "scope":
			c.scope = value
		case "client_id":
			c.clientID = value
		default:
			// Stytch never signs these; a token that has one is not
			// understood (which of the two names would a reader take?).
			if strings.EqualFold(name, organizationClaimName) {
				return c, fail(ErrOrganization, quoteShort(name)+" is named like the organization claim in another case")
			}
			if strings.EqualFold(name, sessionClaimName) {
				return c, fail(ErrClaims, quoteShort(name)+" is named like the session claim in another case")
			}
			if !client.IsReservedClaim(name) {
				c.hasCustomClaims = true
			}
		}
	}
}

type claimError string

func (e claimError) Error() string { return string(e) }

const (
	errNotNumber  claimError = "is not a number"
	errOutOfRange claimError = "is out of range"
)

func parseNumericDate(raw []byte) (numericDate, error) {
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return numericDate{}, errNotNumber
	}
	f, err := strconv.ParseFloat(bytesString(raw), 64)
	if err != nil || f < 0 || f > maxNumericDate {
		return numericDate{}, errOutOfRange
	}
	return numericDate{seconds: f, set: true}, nil
}
