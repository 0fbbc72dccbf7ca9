// Package redact removes credentials from what an answer (or something in
// between) sent back: an upstream that echoes a request may quote a
// secret, the Basic header, or a token of the request in an error message,
// a field of an error body, a non-JSON body or a malformed status line, and
// every text of an error may reach a log. The client and m2m packages pass
// every text of the errors they build through a Redactor.
//
// What is looked for: every run of at least MinSecretRun bytes of a secret
// (the whole secret when it is shorter), as it is or base64-encoded (either
// alphabet, any alignment, so also inside the Basic header's base64 of
// "id:secret", padded or not), in the text as it is or after up to
// MaxUnescapes levels of backslash (JSON, PHP's "\/", "\u00xx", "\xXX"),
// percent (URL path, query or form, either case of hex) or HTML-reference
// unescaping, one kind a level, in any order. Since any such run is found wherever it
// is, a secret cut short — by the upstream, or by the edge of the quoted
// excerpt — loses all but at most MinSecretRun-1 of its bytes, and cutting
// a redacted text never uncovers anything.
package redact

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"
)

// Marker stands in a text for what was redacted.
const Marker = "[REDACTED]"

// ExcerptBytes is how much of a body an error quotes (see Excerpt).
const ExcerptBytes = 128

const (
	// MinSecretRun is the shortest run of a secret's bytes that is
	// redacted. Shorter runs are left alone so that ordinary text is not
	// garbled: a chance run of 12 bytes of a random credential in ordinary
	// text is all but impossible, while shorter ones of its structured
	// parts (a JWT's header, a word of an error message) are not. What a
	// cut text can keep is 11 bytes at its edge: the first 11 of a project
	// secret are inside its public "secret-test-" prefix, and 11 bytes are
	// at most 66 of the about 260 random bits of a Stytch session token (44
	// base64url characters), fewer still of a JWT's signature.
	MinSecretRun = 12
	// MaxUnescapes is how many levels of escaping are undone to look for a
	// secret (a JSON string in a URL-encoded form in a JSON body is 3).
	MaxUnescapes = 3
	// minFormBytes is the shortest form of a secret looked for at all: a
	// form of a few bytes cannot be told apart from ordinary text.
	minFormBytes = 4
	// MaxRedactedBytes bounds a text of an error: a longer one is cut
	// (then redacted), which bounds what redacting costs.
	MaxRedactedBytes = 16 << 10
	// publicPrefixLen is the length of "secret-test-" or "secret-live-",
	// which starts every Stytch project secret: text that names it alone
	// is left alone.
	publicPrefixLen = len("secret-test-")
)

// A Redactor finds the secrets it was made with in text. It is safe for
// concurrent use, and holds no secret, only hashes of their runs.
type Redactor struct {
	// tables hold every run of MinSecretRun bytes (or the whole form, when
	// shorter) of every form of every secret, one table per run length.
	tables []*gramTable
	// longest is the length of the longest secret.
	longest int
}

// New returns a Redactor of secrets. A secret shorter than 4 bytes cannot
// be told apart from ordinary text and is not looked for.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	grams := 0
	for _, s := range secrets {
		grams += 7 * len(s) // the secret and six base64 forms
	}
	for _, s := range secrets {
		if len(s) < minFormBytes {
			continue
		}
		r.longest = max(r.longest, len(s))
		public := 0
		if strings.HasPrefix(s, "secret-test-") || strings.HasPrefix(s, "secret-live-") {
			public = publicPrefixLen
		}
		r.addForm([]byte(s), public, gramSecret, grams)
		for k := range 3 {
			core := base64Core(s, k)
			r.addForm(core, 0, gramBase64, grams)
			r.addForm(toURLAlphabet(core), 0, gramBase64, grams)
		}
	}
	return r
}

// Redact replaces every form of a secret in s with Marker, after cutting s
// to MaxRedactedBytes.
func (r *Redactor) Redact(s string) string {
	if len(s) > MaxRedactedBytes {
		s = strings.ToValidUTF8(s[:MaxRedactedBytes], "") + "…"
	}
	if len(r.tables) == 0 || len(s) < minFormBytes {
		return s
	}
	// Every sequence of up to MaxUnescapes unescapings, each of one kind:
	// undoing two kinds in one pass would miss what one order gives
	// ("\\%74" is "\%74", then "%74", then "t"; in one pass "\t").
	// Two orders may give the same text from different bytes, so none is
	// skipped: at most 3+9+27 layers of at most MaxRedactedBytes.
	root := layer{b: []byte(s)}
	spans := r.find(root, nil)
	level := []layer{root}
	for range MaxUnescapes {
		var next []layer
		for _, l := range level {
			for _, kind := range escapeKinds {
				if bytes.IndexByte(l.b, kind) >= 0 {
					u := l.unescape(kind)
					spans = r.find(u, spans)
					next = append(next, u)
				}
			}
		}
		level = next
	}
	if len(spans) == 0 {
		return s
	}
	return replaceSpans(s, spans)
}

// span is a half-open range of bytes of the text being redacted.
type span struct{ from, to int }

// find appends the spans of the original text that hold a secret's run in
// l. Runs of a public prefix count only where they touch another run.
func (r *Redactor) find(l layer, spans []span) []span {
	c := l.b
	var found, public []span
	for _, t := range r.tables {
		for i, h := range rollingHashes(c, t.n, t.pow) {
			kind, ok := t.lookup(h)
			if !ok {
				continue
			}
			from, to := i, i+t.n
			if kind == gramBase64 {
				if from > 0 && isBase64Char(c[from-1]) {
					from--
				}
				if to < len(c) && isBase64Char(c[to]) {
					to++
				}
				for pad := 0; pad < 2 && to < len(c) && c[to] == '='; pad++ {
					to++
				}
			}
			sp := span{l.start(from), l.end(to - 1)}
			if kind == gramPublic {
				public = append(public, sp)
			} else {
				found = appendSpan(found, sp)
			}
		}
	}
	if len(public) > 0 {
		found = mergeSpans(found)
		for _, p := range public {
			// The first span that ends at or after p's start.
			i, _ := slices.BinarySearchFunc(found, p.from, func(f span, from int) int { return f.to - from })
			if i < len(found) && found[i].from <= p.to {
				found = append(found, p)
			}
		}
	}
	return append(spans, found...)
}

// appendSpan appends sp, merged with the last span when they overlap.
func appendSpan(spans []span, sp span) []span {
	if n := len(spans); n > 0 && sp.from >= spans[n-1].from && sp.from <= spans[n-1].to {
		spans[n-1].to = max(spans[n-1].to, sp.to)
		return spans
	}
	return append(spans, sp)
}

// mergeSpans sorts spans and merges those that overlap or touch.
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, sp.to)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// replaceSpans replaces each run of overlapping or touching spans of s
// with one marker.
func replaceSpans(s string, spans []span) string {
	var out strings.Builder
	at := 0
	for _, sp := range mergeSpans(spans) {
		out.WriteString(s[at:sp.from])
		out.WriteString(Marker)
		at = sp.to
	}
	out.WriteString(s[at:])
	return out.String()
}

// Excerpt returns the start of a body as printable text of at most
// ExcerptBytes, without any form of a secret: the body is redacted before
// it is cut, so the cut cannot leave more of a secret than MinSecretRun-1
// bytes.
func (r *Redactor) Excerpt(data []byte) string {
	// The window is wide enough to hold, past the excerpt, the longest
	// secret in its widest usual form (each byte a "\u00xx").
	window := min(len(data), 4*ExcerptBytes+8*r.longest, MaxRedactedBytes)
	s := strings.ToValidUTF8(string(data[:window]), string(utf8.RuneError))
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = r.Redact(s)
	if len(s) > ExcerptBytes {
		s = strings.ToValidUTF8(s[:ExcerptBytes], "")
	}
	return s
}

// JSON returns v, a value decoded from JSON, with the secrets removed from
// its strings and member names.
func (r *Redactor) JSON(v any) any {
	switch v := v.(type) {
	case string:
		return r.Redact(v)
	case []any:
		for i := range v {
			v[i] = r.JSON(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for name, value := range v {
			out[r.Redact(name)] = r.JSON(value)
		}
		return out
	}
	return v
}

// Err returns err unchanged when its text holds no secret, else an error
// of its redacted text alone: the original (a decoding error quoting a
// value, net/http quoting a malformed status line) is dropped, so that
// neither errors.As nor a logger walking the chain can reach what it held.
func (r *Redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if red := r.Redact(text); red != text {
		return redactedError(red)
	}
	return err
}

// redactedError is an error whose text had a secret redacted.
type redactedError string

func (e redactedError) Error() string { return string(e) }
