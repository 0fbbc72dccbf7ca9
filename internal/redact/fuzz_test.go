package redact

import (
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/internal/redact/redacttest"
)

// FuzzRedact has a Redactor of every echo credential (redacttest.Echoed)
// look at one of them — the project secret, a session token, an access
// token, a trusted-auth token or a session JWT — in a form the fuzzer
// picks (one of redacttest.Forms, or one inside another), repeated, cut
// where it picks, between text it makes up, in a shape it picks
// (echoShapes: an excerpt of a body, a decoded JSON error, a decoding
// error, net/http's error for a malformed answer), and checks that no form
// of any credential survives in any text (see redacttest.FindLeak). The
// client and m2m check the same over HTTP. The committed corpus
// (testdata/fuzz/FuzzRedact: each file names the case it seeds) replays on
// every go test; to search for new inputs:
//
//	go test -run '^$' -fuzz '^FuzzRedact$' -fuzztime 3m -parallel 1 ./internal/redact
func FuzzRedact(f *testing.F) {
	r := New(redacttest.Echoed...)
	f.Fuzz(func(t *testing.T, secret, inner, outer, shape, repeat uint8, before, after string, cut uint16) {
		v := forms[int(inner)%len(forms)].Encode(redacttest.Echoed[int(secret)%len(redacttest.Echoed)])
		if o := int(outer) % (len(forms) + 1); o < len(forms) {
			v = forms[o].Encode(v)
		}
		v = strings.Repeat(v, 1+int(repeat)%8)
		if cut > 0 && int(cut) < len(v) {
			v = v[:cut]
		}
		checkNoLeak(t, r, int(shape)%len(echoShapes), before+v+after, "fuzzed")
	})
}
