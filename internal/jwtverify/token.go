package jwtverify

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stytchmw/stytchmw/internal/jwks"
)

// b64 decodes the segments: base64url without padding, and Strict so that
// only the canonical encoding of each value is accepted. (It would skip
// line breaks; splitToken refuses them first.)
var b64 = base64.RawURLEncoding.Strict()

// maxSignatureBytes is the signature size of the largest key the key set
// keeps.
const maxSignatureBytes = jwks.MaxRSABits / 8

// token is a compact JWS split and decoded. header and payload share one
// buffer that is never written after decoding, so strings may alias it.
type token struct {
	signingInput string // header.payload, as received
	header       []byte
	payload      []byte
	sig          []byte // aliases the caller's buffer
}

// splitToken checks the compact serialization — exactly three non-empty
// segments of strict base64url, nothing else — and decodes the segments.
// sigBuf receives the signature.
func splitToken(raw string, sigBuf *[maxSignatureBytes]byte) (token, error) {
	dot1 := strings.IndexByte(raw, '.')
	if dot1 < 0 {
		return token{}, fail(ErrMalformed, "not three dot-separated segments")
	}
	dot2 := strings.IndexByte(raw[dot1+1:], '.')
	if dot2 < 0 {
		return token{}, fail(ErrMalformed, "not three dot-separated segments")
	}
	dot2 += dot1 + 1
	h, p, s := raw[:dot1], raw[dot1+1:dot2], raw[dot2+1:]
	if strings.IndexByte(s, '.') >= 0 {
		return token{}, fail(ErrMalformed, "more than three segments")
	}
	if len(h) == 0 || len(p) == 0 || len(s) == 0 {
		return token{}, fail(ErrMalformed, "empty segment")
	}
	if strings.IndexByte(raw, '\n') >= 0 || strings.IndexByte(raw, '\r') >= 0 {
		return token{}, fail(ErrMalformed, "line break in token")
	}
	if b64.DecodedLen(len(s)) > len(sigBuf) {
		return token{}, fail(ErrMalformed, "signature too long")
	}
	hLen := b64.DecodedLen(len(h))
	buf := make([]byte, hLen+b64.DecodedLen(len(p)))
	hn, err := b64.Decode(buf, stringBytes(h))
	if err != nil {
		return token{}, fail(ErrMalformed, "header is not base64url")
	}
	pn, err := b64.Decode(buf[hLen:], stringBytes(p))
	if err != nil {
		return token{}, fail(ErrMalformed, "payload is not base64url")
	}
	sn, err := b64.Decode(sigBuf[:], stringBytes(s))
	if err != nil {
		return token{}, fail(ErrMalformed, "signature is not base64url")
	}
	t := token{signingInput: raw[:dot2], header: buf[:hn], payload: buf[hLen : hLen+pn], sig: sigBuf[:sn]}
	if !utf8.Valid(t.header) || !utf8.Valid(t.payload) {
		return token{}, fail(ErrMalformed, "not UTF-8")
	}
	return t, nil
}

// parseHeader checks the JOSE header and returns its kid. alg must be RS256,
// kid a printable ASCII string of at most jwks.MaxKeyIDBytes, typ (when
// present) JWT in any case; crit is refused because no extension is
// understood. jku, x5u, jwk and x5c are never used: the key comes from the
// project's key set only.
func parseHeader(data []byte) (kid string, err error) {
	m, err := newMembers(data)
	if err != nil {
		return "", fail(ErrMalformed, "header: "+err.Error())
	}
	var (
		names                  nameSet
		alg, typ               string
		hasAlg, hasKid, hasTyp bool
	)
	for {
		name, value, ok, err := m.next()
		if err != nil {
			return "", fail(ErrMalformed, "header: "+err.Error())
		}
		if !ok {
			break
		}
		if names.add(name) {
			return "", fail(ErrMalformed, "header: "+errDupName.Error())
		}
		switch name {
		case "alg":
			if alg, hasAlg = stringValue(value); !hasAlg {
				return "", fail(ErrAlgorithm, "alg is not a string")
			}
		case "kid":
			if kid, hasKid = stringValue(value); !hasKid {
				return "", fail(ErrHeader, "kid is not a string")
			}
		case "typ":
			if typ, hasTyp = stringValue(value); !hasTyp {
				return "", fail(ErrHeader, "typ is not a string")
			}
		case "crit":
			return "", fail(ErrHeader, "crit header present: no extension is supported")
		}
	}
	if alg != "RS256" {
		if !hasAlg {
			return "", fail(ErrAlgorithm, "alg missing")
		}
		return "", fail(ErrAlgorithm, "alg "+quoteShort(alg)+" is not RS256")
	}
	switch {
	case !hasKid || kid == "":
		return "", fail(ErrHeader, "kid missing")
	case len(kid) > jwks.MaxKeyIDBytes:
		return "", fail(ErrHeader, "kid too long")
	case !printableASCII(kid):
		return "", fail(ErrHeader, "kid has characters outside printable ASCII")
	}
	if hasTyp && !strings.EqualFold(typ, "JWT") {
		return "", fail(ErrHeader, "typ "+quoteShort(typ)+" is not JWT")
	}
	return kid, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// quoteShort quotes an attacker-chosen value for an error message, cut to
// a length that keeps logs readable.
func quoteShort(s string) string {
	const limit = 32
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return strconv.Quote(s)
}
