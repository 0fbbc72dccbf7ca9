package client

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Redaction of credentials from what an answer (or something in between)
// sent back: an upstream that echoes the request may quote the project
// secret, the Basic header, or a token of the request in an error message,
// a field of error_details, a non-JSON body or a malformed status line, and
// every text of an error may reach a log.
//
// What is looked for: every run of at least minSecretRun bytes of a secret
// (the whole secret when it is shorter), as it is or base64-encoded (either
// alphabet, any alignment, so also inside the Basic header's base64 of
// "project_id:secret", padded or not), in the text as it is or after up to
// maxUnescapes levels of backslash (JSON, PHP's "\/", "\u00xx", "\xXX"),
// percent (URL path, query or form, either case of hex) or HTML-reference
// unescaping, one kind a level, in any order. Since any such run is found wherever it
// is, a secret cut short — by the upstream, or by the edge of the quoted
// excerpt — loses all but at most minSecretRun-1 of its bytes, and cutting
// a redacted text never uncovers anything.

const (
	// minSecretRun is the shortest run of a secret's bytes that is
	// redacted. Shorter runs are left alone so that ordinary text is not
	// garbled: a chance run of 12 bytes of a random credential in ordinary
	// text is all but impossible, while shorter ones of its structured
	// parts (a JWT's header, a word of an error message) are not. What a
	// cut text can keep is 11 bytes at its edge: the first 11 of a project
	// secret are inside its public "secret-test-" prefix, and 11 bytes are
	// at most 66 of the about 260 random bits of a Stytch session token (44
	// base64url characters), fewer still of a JWT's signature.
	minSecretRun = 12
	// maxUnescapes is how many levels of escaping are undone to look for a
	// secret (a JSON string in a URL-encoded form in a JSON body is 3).
	maxUnescapes = 3
	// minFormBytes is the shortest form of a secret looked for at all: a
	// form of a few bytes cannot be told apart from ordinary text.
	minFormBytes = 4
	// maxRedactedBytes bounds a text of an error: a longer one is cut
	// (then redacted), which bounds what redacting costs.
	maxRedactedBytes = 16 << 10
	// publicPrefixLen is the length of "secret-test-" or "secret-live-",
	// which starts every Stytch project secret: text that names it alone
	// is left alone.
	publicPrefixLen = len("secret-test-")
)

// minSecretBytes is the shortest request value treated as a secret: Stytch's
// opaque tokens are 44 bytes and its JWTs far longer, so a shorter value is
// not a credential Stytch issued.
const minSecretBytes = 16

// redactor finds the secrets of one request in text.
type redactor struct {
	// tables hold every run of minSecretRun bytes (or the whole form, when
	// shorter) of every form of every secret, one table per run length.
	tables []*gramTable
	// longest is the length of the longest secret.
	longest int
}

// gramTable holds the runs ("grams") of one length n by their rolling
// hash. A text's window whose hash is in the table is taken for a gram
// without comparing the bytes: a collision can only redact more, never
// less, and costs the upstream that crafts one its own text.
type gramTable struct {
	n     int
	pow   uint64 // gramBase to the n-th power: what leaves the hash with a byte
	kinds map[uint64]gramKind
	// filter has a bit set for each gram's hash: most windows of a text
	// are cleared by it without a map lookup.
	filter []uint64
	shift  uint
}

// gramBase is the rolling hash's multiplier (FNV's 64-bit prime).
const gramBase = 1099511628211

func newGramTable(n, grams int) *gramTable {
	t := &gramTable{n: n, pow: 1, kinds: make(map[uint64]gramKind, grams)}
	for range n {
		t.pow *= gramBase
	}
	bits := 1 << 10 // at least 16 bits a gram, so that about 1 in 16 windows passes the filter
	for bits < 16*grams {
		bits <<= 1
	}
	t.filter = make([]uint64, bits/64)
	t.shift = uint(64 - bitsLen(bits))
	return t
}

// bitsLen is log2 of a power of two.
func bitsLen(x int) int {
	n := 0
	for x > 1 {
		x >>= 1
		n++
	}
	return n
}

func (t *gramTable) slot(h uint64) (word int, bit uint64) {
	i := (h * 0x9e3779b97f4a7c15) >> t.shift
	return int(i / 64), 1 << (i % 64)
}

func (t *gramTable) add(h uint64, k gramKind) {
	if old, ok := t.kinds[h]; !ok || old == gramPublic {
		t.kinds[h] = k
	}
	w, bit := t.slot(h)
	t.filter[w] |= bit
}

func (t *gramTable) lookup(h uint64) (gramKind, bool) {
	if w, bit := t.slot(h); t.filter[w]&bit == 0 {
		return 0, false
	}
	k, ok := t.kinds[h]
	return k, ok
}

// table returns the table of grams of length n.
func (r *redactor) table(n, grams int) *gramTable {
	for _, t := range r.tables {
		if t.n == n {
			return t
		}
	}
	t := newGramTable(n, grams)
	r.tables = append(r.tables, t)
	return t
}

// gramKind says where a gram lies in its form.
type gramKind uint8

const (
	// gramSecret is a run of a secret's own bytes.
	gramSecret gramKind = 1 << iota
	// gramBase64 is a run of a secret's base64 form: a match takes in the
	// characters on either side that also carry bits of the secret, and
	// the padding.
	gramBase64
	// gramPublic lies wholly in a project secret's public prefix: it is
	// redacted only together with the rest of the secret.
	gramPublic
)

// newRedactor returns a redactor of secrets.
func newRedactor(secrets []string) *redactor {
	r := &redactor{}
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

// addForm adds the grams of one form of a secret, public being the length
// of its public prefix; grams is about how many all forms have.
func (r *redactor) addForm(form []byte, public int, kind gramKind, grams int) {
	n := min(minSecretRun, len(form))
	if n < minFormBytes {
		return
	}
	t := r.table(n, grams)
	for i, h := range rollingHashes(form, n, t.pow) {
		k := kind
		if i+n <= public {
			k = gramPublic
		}
		t.add(h, k)
	}
}

// rollingHashes yields, for each window of n bytes of b, its start and
// its hash, computed from b canonicalized (see canonical).
func rollingHashes(b []byte, n int, pow uint64) func(yield func(int, uint64) bool) {
	return func(yield func(int, uint64) bool) {
		if len(b) < n {
			return
		}
		var h uint64
		for _, c := range b[:n] {
			h = h*gramBase + uint64(canonical(c))
		}
		for i := 0; ; i++ {
			if !yield(i, h) || i+n >= len(b) {
				return
			}
			h = h*gramBase + uint64(canonical(b[i+n])) - pow*uint64(canonical(b[i]))
		}
	}
}

// base64Core returns the base64 characters (standard alphabet) that
// encode s whatever comes before and after it, when s starts k bytes
// into a 3-byte group: the characters that mix its bits with its
// neighbours' are left out.
func base64Core(s string, k int) []byte {
	enc := base64.RawStdEncoding.EncodeToString(append(make([]byte, k), s...))
	first := (8*k + 5) / 6       // the first character holding only bits of s
	last := 8 * (k + len(s)) / 6 // the characters before it hold only bits of s
	if first >= last {
		return nil
	}
	return []byte(enc[first:last])
}

func toURLAlphabet(b []byte) []byte {
	out := bytes.ReplaceAll(b, []byte("+"), []byte("-"))
	return bytes.ReplaceAll(out, []byte("/"), []byte("_"))
}

// canonical makes a space, '+' and a control byte one byte: a form body
// encodes a space as '+', and quoted excerpts show control bytes as spaces.
func canonical(c byte) byte {
	if c <= ' ' || c == 0x7f {
		return '+'
	}
	return c
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '-' || c == '_'
}

// redact replaces every form of a secret in s with the redaction marker,
// after cutting s to maxRedactedBytes.
func (r *redactor) redact(s string) string {
	if len(s) > maxRedactedBytes {
		s = strings.ToValidUTF8(s[:maxRedactedBytes], "") + "…"
	}
	if len(r.tables) == 0 || len(s) < minFormBytes {
		return s
	}
	// Every sequence of up to maxUnescapes unescapings, each of one kind:
	// undoing two kinds in one pass would miss what one order gives
	// ("\\%74" is "\%74", then "%74", then "t"; in one pass "\t").
	// Two orders may give the same text from different bytes, so none is
	// skipped: at most 3+9+27 layers of at most maxRedactedBytes.
	root := layer{b: []byte(s)}
	spans := r.find(root, nil)
	level := []layer{root}
	for range maxUnescapes {
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
func (r *redactor) find(l layer, spans []span) []span {
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
		out.WriteString(redacted)
		at = sp.to
	}
	out.WriteString(s[at:])
	return out.String()
}

// layer is the text being redacted, unescaped some number of times: b[i]
// came from the text's bytes [from[i], to[i]). Nil from and to mean the
// text itself.
type layer struct {
	b []byte
	// int32: a text is at most MaxResponseBytes long.
	from, to []int32
}

func (l layer) start(i int) int {
	if l.from == nil {
		return i
	}
	return int(l.from[i])
}

func (l layer) end(i int) int {
	if l.to == nil {
		return i + 1
	}
	return int(l.to[i])
}

// escapeKinds are the first bytes of the escapes of each kind: backslash
// (JSON, PHP, JavaScript, C), percent (URL) and HTML references.
var escapeKinds = []byte{'\\', '%', '&'}

// unescape undoes one level of the escaping that starts with kind, left to
// right.
func (l layer) unescape(kind byte) layer {
	b := l.b
	out := layer{b: make([]byte, 0, len(b)), from: make([]int32, 0, len(b)), to: make([]int32, 0, len(b))}
	for i := 0; i < len(b); {
		var d decoded
		n := 0
		if b[i] == kind {
			d, n = unescapeAt(b[i:])
		}
		if n == 0 {
			d, n = decodedByte(b[i]), 1
		}
		from, to := int32(l.start(i)), int32(l.end(i+n-1))
		for _, c := range d.buf[:d.len] {
			out.b = append(out.b, c)
			out.from = append(out.from, from)
			out.to = append(out.to, to)
		}
		i += n
	}
	return out
}

// decoded is what an escape stands for: a byte or a rune's UTF-8.
type decoded struct {
	buf [utf8.UTFMax]byte
	len int
}

func decodedByte(c byte) decoded { return decoded{buf: [4]byte{c}, len: 1} }

func decodedRune(r rune) decoded {
	var d decoded
	d.len = utf8.EncodeRune(d.buf[:], r)
	return d
}

// unescapeAt decodes the escape b starts with and returns its length, or
// n = 0 when b does not start with one.
func unescapeAt(b []byte) (d decoded, n int) {
	if len(b) < 2 {
		return d, 0
	}
	switch b[0] {
	case '%':
		if v, ok := hexValue(b[1:], 2); ok {
			return decodedByte(byte(v)), 3
		}
	case '\\':
		switch c := b[1]; {
		case c == 'u':
			if v, ok := hexValue(b[2:], 4); ok {
				if utf16IsHigh(v) && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
					if lo, ok := hexValue(b[8:], 4); ok && utf16IsLow(lo) {
						return decodedRune(rune((v-0xd800)<<10|(lo-0xdc00)) + 0x10000), 12
					}
				}
				return decodedRune(rune(v)), 6
			}
		case c == 'x':
			if v, ok := hexValue(b[2:], 2); ok {
				return decodedByte(byte(v)), 4
			}
		case c == 'n':
			return decodedByte('\n'), 2
		case c == 'r':
			return decodedByte('\r'), 2
		case c == 't':
			return decodedByte('\t'), 2
		case c == 'b':
			return decodedByte('\b'), 2
		case c == 'f':
			return decodedByte('\f'), 2
		case !isAlnum(c):
			return decodedByte(c), 2
		}
	case '&':
		return unescapeHTML(b)
	}
	return d, 0
}

// unescapeHTML decodes the HTML character reference b starts with.
func unescapeHTML(b []byte) (decoded, int) {
	end := bytes.IndexByte(b[:min(len(b), 11)], ';')
	if end < 2 {
		return decoded{}, 0
	}
	switch ref := string(b[1:end]); ref {
	case "amp":
		return decodedByte('&'), end + 1
	case "lt":
		return decodedByte('<'), end + 1
	case "gt":
		return decodedByte('>'), end + 1
	case "quot":
		return decodedByte('"'), end + 1
	case "apos":
		return decodedByte('\''), end + 1
	}
	digits, base, maxDigits := b[2:end], 10, 7
	if b[1] != '#' || len(digits) == 0 {
		return decoded{}, 0
	}
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base, maxDigits = digits[1:], 16, 6
	}
	if len(digits) == 0 || len(digits) > maxDigits {
		return decoded{}, 0
	}
	v := 0
	for _, c := range digits {
		d, ok := digitValue(c, base)
		if !ok {
			return decoded{}, 0
		}
		v = v*base + d
	}
	if v > utf8.MaxRune {
		v = utf8.RuneError
	}
	return decodedRune(rune(v)), end + 1
}

// hexValue reads n hex digits at the start of b.
func hexValue(b []byte, n int) (int, bool) {
	if len(b) < n {
		return 0, false
	}
	v := 0
	for _, c := range b[:n] {
		d, ok := digitValue(c, 16)
		if !ok {
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}

func digitValue(c byte, base int) (int, bool) {
	var d int
	switch {
	case '0' <= c && c <= '9':
		d = int(c - '0')
	case 'a' <= c && c <= 'f':
		d = int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		d = int(c-'A') + 10
	default:
		return 0, false
	}
	return d, d < base
}

func utf16IsHigh(v int) bool { return 0xd800 <= v && v < 0xdc00 }
func utf16IsLow(v int) bool  { return 0xdc00 <= v && v < 0xe000 }

func isAlnum(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// excerpt returns the start of a body as printable text of at most
// excerptBytes, without any form of a secret: the body is redacted before
// it is cut, so the cut cannot leave more of a secret than minSecretRun-1
// bytes.
func (r *redactor) excerpt(data []byte) string {
	// The window is wide enough to hold, past the excerpt, the longest
	// secret in its widest usual form (each byte a "\u00xx").
	window := min(len(data), 4*excerptBytes+8*r.longest, maxRedactedBytes)
	s := strings.ToValidUTF8(string(data[:window]), string(utf8.RuneError))
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = r.redact(s)
	if len(s) > excerptBytes {
		s = strings.ToValidUTF8(s[:excerptBytes], "")
	}
	return s
}

// apiError redacts every text of an API error: a proxy that echoes the
// request may put a secret in any field, and fmt's %#v and encoding/json
// print them all.
func (r *redactor) apiError(se *StytchError) {
	se.RequestID = r.redact(se.RequestID)
	se.ErrorType = ErrorType(r.redact(string(se.ErrorType)))
	se.ErrorMessage = r.redact(se.ErrorMessage)
	se.ErrorURL = r.redact(se.ErrorURL)
	if se.ErrorDetails != nil {
		se.ErrorDetails = r.json(se.ErrorDetails).(map[string]any)
	}
}

// json returns v, a value decoded from JSON, with the secrets removed from
// its strings and member names.
func (r *redactor) json(v any) any {
	switch v := v.(type) {
	case string:
		return r.redact(v)
	case []any:
		for i := range v {
			v[i] = r.json(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for name, value := range v {
			out[r.redact(name)] = r.json(value)
		}
		return out
	}
	return v
}

// error returns err unchanged when its text holds no secret, else an error
// of its redacted text alone: the original (a decoding error quoting a
// value, net/http quoting a malformed status line) is dropped, so that
// neither errors.As nor a logger walking the chain can reach what it held.
func (r *redactor) error(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if red := r.redact(text); red != text {
		return redactedError(red)
	}
	return err
}

// redactedError is an error whose text had a secret redacted.
type redactedError string

func (e redactedError) Error() string { return string(e) }

// requestSecrets lists the credentials a request carries: the values of
// its query parameters and body members (at any depth of a JSON body, or
// of a form-encoded one) whose names say they are credentials, at least
// minSecretBytes long. Every endpoint's request goes through it, so one
// added later is covered as long as its credentials' names say so.
func requestSecrets(query url.Values, payload []byte) []string {
	var out []string
	add := func(name, v string) {
		if len(v) >= minSecretBytes && secretName(name) {
			out = append(out, v)
		}
	}
	addValues := func(vs url.Values) {
		for name, list := range vs {
			for _, v := range list {
				add(name, v)
			}
		}
	}
	addValues(query)
	var body any
	if json.Unmarshal(payload, &body) == nil {
		walkJSON("", body, add)
	} else if form, err := url.ParseQuery(string(payload)); err == nil {
		addValues(form)
	}
	return out
}

// walkJSON calls add with each string of v and the name of the member
// that holds it (directly, or in an array).
func walkJSON(name string, v any, add func(name, v string)) {
	switch v := v.(type) {
	case string:
		add(name, v)
	case []any:
		for _, e := range v {
			walkJSON(name, e, add)
		}
	case map[string]any:
		for n, e := range v {
			walkJSON(n, e, add)
		}
	}
}

// secretName says whether a request member or parameter named name holds a
// credential: Stytch's session_token, session_jwt, access_token, token,
// client_secret, intermediate_session_token, refresh_token, code_verifier,
// client_assertion and the like.
func secretName(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "token", "jwt", "secret", "password", "assertion", "code_verifier":
		return true
	}
	for _, suffix := range []string{"_token", "_jwt", "_secret", "_password", "_assertion"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}
