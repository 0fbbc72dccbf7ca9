package jwtverify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets replay their committed corpus (testdata/fuzz) on every
// go test run; to search for new inputs:
//
//	go test -run '^$' -fuzz '^FuzzVerify$' ./internal/jwtverify
//	go test -run '^$' -fuzz '^FuzzVerifySigned$' ./internal/jwtverify
//	go test -run '^$' -fuzz '^FuzzMembers$' ./internal/jwtverify

// verdicts are the errors Verify may return; each one matches one of them.
var verdicts = []error{ErrTooLarge, ErrMalformed, ErrAlgorithm, ErrHeader, ErrIssuer, ErrAudience,
	ErrUnknownKey, ErrKeysUnavailable, ErrSignature, ErrExpired, ErrNotYetValid, ErrIssuedInFuture, ErrClaims,
	ErrNotSession, ErrNotAccessToken, ErrNoOrganization, ErrOrganizationClaim, ErrOrganization, ErrScope}

// checkOutcome checks the invariants of any outcome of Verify, VerifyAny
// or VerifyAccessToken.
func checkOutcome(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		matched := 0
		for _, v := range verdicts {
			if errors.Is(err, v) {
				matched++
			}
		}
		if matched != 1 {
			t.Fatalf("error %q matches %d verdicts", err, matched)
		}
		if (res != nil) != errors.Is(err, ErrExpired) {
			t.Fatalf("Result %v with error %v", res, err)
		}
		if res == nil {
			return
		}
	}
	if res.KeyID == "" {
		t.Fatalf("Result without a kid: %+v", res)
	}
	var custom map[string]any
	switch s, m, a := res.Session, res.MemberSession, res.AccessToken; res.Kind {
	case KindSession:
		if s == nil || m != nil || a != nil || s.SessionID == "" || s.UserID == "" || s.Attributes == nil || s.Roles == nil ||
			s.AuthenticationFactors == nil || s.CustomClaims == nil {
			t.Fatalf("incomplete Result %+v / %+v", res, s)
		}
		custom = s.CustomClaims
	case KindMemberSession:
		if m == nil || s != nil || a != nil || m.MemberSessionID == "" || m.MemberID == "" || m.OrganizationID == "" ||
			m.OrganizationSlug == "" || m.Roles == nil || m.AuthenticationFactors == nil || m.CustomClaims == nil {
			t.Fatalf("incomplete Result %+v / %+v", res, m)
		}
		custom = m.CustomClaims
	case KindAccessToken:
		if a == nil || s != nil || m != nil || a.Subject == "" || a.ClientID == "" || a.Scopes == nil || a.CustomClaims == nil ||
			(a.OrganizationID == "") != (a.OrganizationSlug == "") {
			t.Fatalf("incomplete Result %+v / %+v", res, a)
		}
		custom = a.CustomClaims
		for _, name := range []string{"scope", "client_id"} {
			if _, ok := custom[name]; ok {
				t.Fatalf("%q among an access token's custom claims", name)
			}
		}
	default:
		t.Fatalf("Result of kind %v", res.Kind)
	}
	for name := range custom {
		if name == "iss" || name == "exp" || name == sessionClaimName || name == organizationClaimName {
			t.Fatalf("reserved claim %q among the custom claims", name)
		}
	}
}

func fuzzVerifier(f *testing.F, b2b bool) *Verifier {
	srv := newJWKSServer(f)
	set := newKeySet(f, srv, time.Hour)
	v, err := New(Config{ProjectID: projectID, Issuers: []string{stytchIssuer, customIssuer}, Keys: set,
		Now: func() time.Time { return t0.Add(time.Minute) }, CacheSize: 64, B2B: b2b})
	if err != nil {
		f.Fatal(err)
	}
	return v
}

// checkKinds checks that the strict verifications agree with VerifyAny:
// the same kind accepted, the other refused as the wrong kind.
func checkKinds(t *testing.T, v *Verifier, token string, any *Result, anyErr error) {
	t.Helper()
	res, err := v.Verify(context.Background(), token)
	checkOutcome(t, res, err)
	acc, accErr := v.VerifyAccessToken(context.Background(), token)
	checkOutcome(t, acc, accErr)
	if anyErr != nil && !errors.Is(anyErr, ErrExpired) {
		if err == nil || accErr == nil {
			t.Fatalf("VerifyAny refused (%v) what Verify (%v) or VerifyAccessToken (%v) accepted", anyErr, err, accErr)
		}
		return
	}
	if any.Kind == KindAccessToken {
		if !errors.Is(err, ErrNotSession) || acc == nil {
			t.Fatalf("an access token: Verify %v, VerifyAccessToken %v", err, accErr)
		}
	} else if !errors.Is(accErr, ErrNotAccessToken) || res == nil {
		t.Fatalf("a session: Verify %v, VerifyAccessToken %v", err, accErr)
	}
}

// FuzzVerify feeds arbitrary strings as tokens.
func FuzzVerify(f *testing.F) {
	f.Add(makeToken(keyA, kidA, nil))
	f.Add(signClaims(memberClaims(t0), nil))
	f.Add(signClaims(accessClaims(t0), nil))
	consumer, b2b := fuzzVerifier(f, false), fuzzVerifier(f, true)
	f.Fuzz(func(t *testing.T, token string) {
		for _, v := range []*Verifier{consumer, b2b} {
			res, err := v.VerifyAny(context.Background(), token)
			checkOutcome(t, res, err)
			if err == nil && len(token) > DefaultMaxTokenBytes {
				t.Fatal("an oversized token was accepted")
			}
			checkKinds(t, v, token, res, err)
		}
	})
}

// FuzzVerifySigned signs arbitrary header and payload bytes with a served
// key, so that the fuzzer reaches the claims mapping behind the signature.
func FuzzVerifySigned(f *testing.F) {
	hdr := []byte(mustJSON(stytchHeader(kidA)))
	f.Add(hdr, []byte(mustJSON(stytchClaims(t0))))
	f.Add(hdr, []byte(mustJSON(memberClaims(t0))))
	f.Add(hdr, []byte(mustJSON(accessClaims(t0))))
	app := accessClaims(t0)
	app["client_id"], app["sub"], app["team"] = appClientID, memberID, []any{"a", 1}
	app[orgClaimName] = map[string]any{"organization_id": orgID, "slug": orgSlug}
	f.Add(hdr, []byte(mustJSON(app)))
	odd := accessClaims(t0)
	odd["scope"] = "  read:users\twrite:users  a:b:c * -:- "
	f.Add(hdr, []byte(mustJSON(odd)))
	f.Add(hdr, []byte(`{"https://stytch.com/organization":{"organization_id":"o","Slug":"s","slug":"s"},"sub":"m","scope":""}`))
	consumer, b2b := fuzzVerifier(f, false), fuzzVerifier(f, true)
	f.Fuzz(func(t *testing.T, header, payload []byte) {
		if len(header)+len(payload) > DefaultMaxTokenBytes {
			return // refused before parsing; not worth a signature
		}
		token := rawToken(keyA, string(header), string(payload))
		for _, v := range []*Verifier{consumer, b2b} {
			res, err := v.VerifyAny(context.Background(), token)
			checkOutcome(t, res, err)
			checkKinds(t, v, token, res, err)
			checkAccepted(t, payload, err)
		}
	})
}

// checkAccepted checks that an accepted payload is JSON without duplicate
// names, in UTF-8.
func checkAccepted(t *testing.T, payload []byte, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrExpired) {
		return
	}
	var top map[string]json.RawMessage
	if !utf8.Valid(payload) || json.Unmarshal(payload, &top) != nil {
		t.Fatalf("accepted a payload encoding/json refuses: %q", payload)
	}
	// No object in it has a member name twice, at any depth.
	if dup := duplicateName(payload); dup != "" {
		t.Fatalf("accepted a payload with the member %q twice in an object: %q", dup, payload)
	}
}

// duplicateName returns a member name that occurs twice in one object of
// the valid JSON data, at any depth, or "" when none does. It walks
// encoding/json's tokens, independently of the verifier's scanner.
func duplicateName(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	type level struct {
		names    map[string]bool
		isObject bool
		wantName bool // the next token of this object is a member name
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.isObject && top.wantName {
			if name, ok := tok.(string); ok {
				if top.names[name] {
					return name
				}
				top.names[name] = true
				top.wantName = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{names: map[string]bool{}, isObject: true, wantName: true})
			continue
		case json.Delim('['):
			stack = append(stack, &level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object expects a name next.
		if len(stack) > 0 && stack[len(stack)-1].isObject {
			stack[len(stack)-1].wantName = true
		}
	}
}

// FuzzMembers checks the top-level scanner against encoding/json: what it
// accepts, encoding/json accepts, with the same member names and values.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":"\u00e9","b":[1,{"c":null}]}`, ` {"a" : true , "b":-0.5e+3 } `,
		`{"a":1,"a":2}`, `{"\ud83d\ude00":"x"}`, `{"a":"\ud800"}`, `[1]`, `{"a":01}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return // the verifier checks UTF-8 before scanning
		}
		names, values, err := scanAll(data)
		var want map[string]json.RawMessage
		jsonErr := json.Unmarshal(data, &want)
		if err != nil {
			return // stricter than encoding/json is allowed
		}
		if jsonErr != nil {
			t.Fatalf("scanner accepted %q; encoding/json: %v", data, jsonErr)
		}
		if len(names) != len(want) {
			t.Fatalf("%q: %d members, encoding/json %d", data, len(names), len(want))
		}
		for i, name := range names {
			if !bytes.Equal(values[i], want[name]) {
				t.Fatalf("%q: member %q = %s, encoding/json %s", data, name, values[i], want[name])
			}
		}
	})
}

// scanAll reads every top-level member of data, refusing duplicates.
func scanAll(data []byte) ([]string, [][]byte, error) {
	m, err := newMembers(data)
	if err != nil {
		return nil, nil, err
	}
	var (
		seen   nameSet
		names  []string
		values [][]byte
	)
	for {
		name, value, ok, err := m.next()
		if err != nil || !ok {
			return names, values, err
		}
		if seen.add(name) {
			return nil, nil, errDupName
		}
		names, values = append(names, name), append(values, value)
	}
}
