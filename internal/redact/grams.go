package redact

import (
	"bytes"
	"encoding/base64"
)

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
func (r *Redactor) table(n, grams int) *gramTable {
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

// addForm adds the grams of one form of a secret, public being the length
// of its public prefix; grams is about how many all forms have.
func (r *Redactor) addForm(form []byte, public int, kind gramKind, grams int) {
	n := min(MinSecretRun, len(form))
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
