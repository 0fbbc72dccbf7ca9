package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// FuzzRedact has a real HTTP upstream echo a credential of the request —
// the project secret, a session token, a session JWT, an access token or a
// trusted-auth token — in a form the fuzzer picks (one of echoForms, or one
// inside another), repeated, cut where it picks, between text it makes up,
// in an answer of the shape it picks (echoShapes), and checks that no form
// of any credential survives in any text of the error: err.Error(), every
// fmt verb, slog's text and JSON output, and the error's JSON (see
// findLeak). The committed corpus (testdata/fuzz/FuzzRedact: each file
// names the case it seeds) replays on every go test; to search for new
// inputs:
//
//	go test -run '^$' -fuzz '^FuzzRedact$' -fuzztime 3m -parallel 1 ./client
func FuzzRedact(f *testing.F) {
	srv := newEchoServer(f)
	c := newEchoClient(f, srv.URL)
	calls := echoCalls()

	f.Fuzz(func(t *testing.T, call, inner, outer, shape, repeat uint8, before, after string, cut uint16) {
		ec := calls[int(call)%len(calls)]
		v := echoForms[int(inner)%len(echoForms)].encode(ec.value)
		if o := int(outer) % (len(echoForms) + 1); o < len(echoForms) {
			v = echoForms[o].encode(v)
		}
		v = strings.Repeat(v, 1+int(repeat)%8)
		if cut > 0 && int(cut) < len(v) {
			v = v[:cut]
		}
		answer := echoShapes[int(shape)%len(echoShapes)].answer
		body := before + v + after
		srv.play(func(w http.ResponseWriter) { answer(w, body) })

		err := ec.call(context.Background(), c)
		if err == nil {
			return // made-up text turned the answer into a success
		}
		for name, text := range errorTexts(err) {
			if leak := findLeak(text, echoSecrets...); leak != "" {
				t.Fatalf("%s of the error shows %s", name, leak)
			}
		}
	})
}
