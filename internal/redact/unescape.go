package redact

import (
	"bytes"
	"unicode/utf8"
)

// layer is the text being redacted, unescaped some number of times: b[i]
// came from the text's bytes [from[i], to[i]). Nil from and to mean the
// text itself.
type layer struct {
	b []byte
	// int32: Redact cuts a text to MaxRedactedBytes first.
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
