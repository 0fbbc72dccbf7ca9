package redacttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
)

// ErrorTexts is everything a program may print or log of err, by how it
// was made, each distinct text once: Error(), every fmt verb, slog's text
// and JSON output, its JSON, and the %+v and JSON of every error in its
// chain (which a logger walking it with errors.Unwrap or errors.As sees).
func ErrorTexts(err error) map[string]string {
	out := map[string]string{}
	seen := map[string]bool{}
	add := func(name, text string) {
		if !seen[text] {
			seen[text] = true
			out[name] = text
		}
	}
	add("Error()", err.Error())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		add(verb, fmt.Sprintf(verb, err))
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Warn("stytch failed", "err", err)
	slog.New(slog.NewJSONHandler(&js, nil)).Warn("stytch failed", "err", err)
	add("slog text", text.String())
	add("slog JSON", js.String())
	for i, e := range chain(err) {
		b, jerr := json.Marshal(e)
		add(fmt.Sprintf("JSON of the error %d deep (%T)", i, e), string(b)+fmt.Sprint(jerr))
		add(fmt.Sprintf("%%+v of the error %d deep (%T)", i, e), fmt.Sprintf("%+v", e))
	}
	return out
}

// chain lists err and every error it wraps, depth first.
func chain(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil || len(out) > 100 {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, w := range u.Unwrap() {
				walk(w)
			}
		}
	}
	walk(err)
	return out
}
