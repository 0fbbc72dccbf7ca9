package jwtverify

import (
	"encoding/json"
	"errors"
	"unsafe"
)

// A small validating JSON scanner for the header and the payload.
// encoding/json would accept duplicate member names (last wins), match
// member names to struct fields without regard to case (so "ROLES" sets
// Roles, and of "roles" and "ROLES" the last wins), and silently replace
// invalid UTF-16 escapes. This scanner refuses duplicate members in every
// object at every depth, invalid escapes, and, inside the values the
// verifier decodes into Go structs (the session claim), a member whose name
// differs from a field's only in case; so that encoding/json then decodes
// every member by its exact name. It hands out each top-level member's name
// and raw value without copying, and lets the verifier decode with
// encoding/json only the values it needs. Inputs are checked to be valid
// UTF-8 before they are scanned.

// maxDepth bounds the nesting of arrays and objects in a token.
const maxDepth = 64

var (
	errSyntax   = errors.New("invalid JSON")
	errDepth    = errors.New("JSON nested too deeply")
	errNotObj   = errors.New("not a JSON object")
	errDupName  = errors.New("duplicate member name")
	errSurrogat = errors.New("invalid UTF-16 escape in JSON string")
	errCaseName = errors.New("member name differs from a known one only in case")
)

// members iterates over the members of the JSON object in data.
type members struct {
	data []byte
	pos  int
	done bool
	// fields name the members whose values are decoded into Go types, with
	// the shapes of those types.
	fields []namedShape
}

// namedShape is a member decoded into a Go type, and that type's shape.
type namedShape struct {
	name  string
	shape *shape
}

// newMembers starts iterating over data, which must hold one JSON object
// and nothing else but whitespace.
func newMembers(data []byte) (members, error) {
	pos := skipSpace(data, 0)
	if pos >= len(data) || data[pos] != '{' {
		return members{}, errNotObj
	}
	m := members{data: data, pos: skipSpace(data, pos+1)}
	if m.pos < len(data) && data[m.pos] == '}' {
		m.done = true
		if skipSpace(data, m.pos+1) != len(data) {
			return members{}, errSyntax
		}
	}
	return m, nil
}

// next returns the next member's name and raw value (which aliases data),
// or ok == false after the last one. An error met in a member's value comes
// with the member's name.
func (m *members) next() (name string, value []byte, ok bool, err error) {
	if m.done {
		return "", nil, false, nil
	}
	d := m.data
	if m.pos >= len(d) || d[m.pos] != '"' {
		return "", nil, false, errSyntax
	}
	end, escaped, err := scanString(d, m.pos)
	if err != nil {
		return "", nil, false, err
	}
	rawName := d[m.pos:end]
	if escaped {
		name, err = unquote(rawName)
		if err != nil {
			return "", nil, false, err
		}
	} else {
		name = bytesString(rawName[1 : len(rawName)-1])
	}
	pos := skipSpace(d, end)
	if pos >= len(d) || d[pos] != ':' {
		return "", nil, false, errSyntax
	}
	start := skipSpace(d, pos+1)
	var sh *shape
	for i := range m.fields {
		if name == m.fields[i].name {
			sh = m.fields[i].shape
			break
		}
	}
	end, err = skipValue(d, start, 1, sh)
	if err != nil {
		return name, nil, false, err
	}
	value = d[start:end]
	pos = skipSpace(d, end)
	switch {
	case pos < len(d) && d[pos] == ',':
		m.pos = skipSpace(d, pos+1)
	case pos < len(d) && d[pos] == '}':
		m.done = true
		if skipSpace(d, pos+1) != len(d) {
			return "", nil, false, errSyntax
		}
	default:
		return "", nil, false, errSyntax
	}
	return name, value, true, nil
}

// nameSet detects duplicate member names; up to 16 names it needs no
// allocation.
type nameSet struct {
	small [16]string
	n     int
	big   map[string]struct{}
}

// add records name and reports whether it was already there.
func (s *nameSet) add(name string) (dup bool) {
	if s.big != nil {
		if _, dup = s.big[name]; !dup {
			s.big[name] = struct{}{}
		}
		return dup
	}
	for _, seen := range s.small[:s.n] {
		if seen == name {
			return true
		}
	}
	if s.n < len(s.small) {
		s.small[s.n] = name
		s.n++
		return false
	}
	s.big = make(map[string]struct{}, 2*len(s.small))
	for _, seen := range s.small {
		s.big[seen] = struct{}{}
	}
	s.big[name] = struct{}{}
	return false
}

// stringValue returns the string a raw JSON value holds, or ok == false
// when the value is not a string.
func stringValue(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' {
			s, err := unquote(raw)
			return s, err == nil
		}
	}
	return bytesString(raw[1 : len(raw)-1]), true
}

// unquote decodes a JSON string with escapes (the rare, slow path).
func unquote(raw []byte) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errSyntax
	}
	return s, nil
}

// forEachString calls fn with each element of a raw JSON array, which must
// hold strings only; ok == false means it does not.
func forEachString(raw []byte, fn func(string)) (ok bool) {
	if len(raw) < 2 || raw[0] != '[' {
		return false
	}
	pos := skipSpace(raw, 1)
	if raw[pos] == ']' {
		return true
	}
	for {
		end, err := skipValue(raw, pos, 1, nil)
		if err != nil {
			return false
		}
		s, isString := stringValue(raw[pos:end])
		if !isString {
			return false
		}
		fn(s)
		pos = skipSpace(raw, end)
		if raw[pos] == ']' {
			return true
		}
		pos = skipSpace(raw, pos+1) // a comma: the array was validated
	}
}

func skipSpace(d []byte, pos int) int {
	for pos < len(d) {
		switch d[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}

// skipValue validates the JSON value starting at pos, which is decoded
// into a value of shape sh (nil: anything but a struct), and returns where
// it ends.
func skipValue(d []byte, pos, depth int, sh *shape) (int, error) {
	if pos >= len(d) {
		return 0, errSyntax
	}
	switch c := d[pos]; {
	case c == '"':
		end, _, err := scanString(d, pos)
		return end, err
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return 0, errDepth
		}
		if c == '{' {
			return skipObject(d, pos, depth, sh)
		}
		return skipArray(d, pos, depth, sh)
	case c == '-' || ('0' <= c && c <= '9'):
		return scanNumber(d, pos)
	case c == 't':
		return literal(d, pos, "true")
	case c == 'f':
		return literal(d, pos, "false")
	case c == 'n':
		return literal(d, pos, "null")
	}
	return 0, errSyntax
}

// skipObject validates the object starting at d[pos] == '{': no member name
// twice, and, when sh is a struct's shape, no name that differs from a
// field's only in case.
func skipObject(d []byte, pos, depth int, sh *shape) (int, error) {
	pos = skipSpace(d, pos+1)
	if pos < len(d) && d[pos] == '}' {
		return pos + 1, nil
	}
	var (
		seen  uint64  // the fields of sh this object has shown
		names nameSet // the names of its other members
	)
	for {
		if pos >= len(d) || d[pos] != '"' {
			return 0, errSyntax
		}
		end, escaped, err := scanString(d, pos)
		if err != nil {
			return 0, err
		}
		var name string
		if escaped {
			if name, err = unquote(d[pos:end]); err != nil {
				return 0, err
			}
		} else {
			name = bytesString(d[pos+1 : end-1])
		}
		field, err := sh.member(name)
		if err != nil {
			return 0, err
		}
		var member *shape
		switch {
		case field != nil && field.bit != 0:
			if seen&field.bit != 0 {
				return 0, errDupName
			}
			seen |= field.bit
			member = field.shape
		case names.add(name):
			return 0, errDupName
		case field != nil:
			member = field.shape
		}
		pos = skipSpace(d, end)
		if pos >= len(d) || d[pos] != ':' {
			return 0, errSyntax
		}
		if pos, err = skipValue(d, skipSpace(d, pos+1), depth+1, member); err != nil {
			return 0, err
		}
		var closed bool
		if pos, closed, err = nextElement(d, pos, '}'); err != nil || closed {
			return pos, err
		}
	}
}

// skipArray validates the array starting at d[pos] == '[' whose elements
// are decoded into values of sh's element shape.
func skipArray(d []byte, pos, depth int, sh *shape) (int, error) {
	pos = skipSpace(d, pos+1)
	if pos < len(d) && d[pos] == ']' {
		return pos + 1, nil
	}
	elem := sh.element()
	for {
		var (
			closed bool
			err    error
		)
		if pos, err = skipValue(d, pos, depth+1, elem); err != nil {
			return 0, err
		}
		if pos, closed, err = nextElement(d, pos, ']'); err != nil || closed {
			return pos, err
		}
	}
}

// nextElement reads what follows a member or an element at pos: a comma,
// and then it returns where the next one starts, or the closing byte, and
// then it returns the position after it and closed.
func nextElement(d []byte, pos int, closing byte) (next int, closed bool, err error) {
	pos = skipSpace(d, pos)
	switch {
	case pos >= len(d):
		return 0, false, errSyntax
	case d[pos] == ',':
		return skipSpace(d, pos+1), false, nil
	case d[pos] == closing:
		return pos + 1, true, nil
	}
	return 0, false, errSyntax
}

func literal(d []byte, pos int, lit string) (int, error) {
	if len(d)-pos < len(lit) || bytesString(d[pos:pos+len(lit)]) != lit {
		return 0, errSyntax
	}
	return pos + len(lit), nil
}

// plainStringByte[c] is true for the bytes a JSON string holds as they are:
// all but the quote, the backslash and control characters.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < len(t); c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString validates the JSON string starting at d[pos] == '"' and
// returns the position after its closing quote and whether it holds escapes.
func scanString(d []byte, pos int) (end int, escaped bool, err error) {
	i := pos + 1
	for {
		for i < len(d) && plainStringByte[d[i]] {
			i++
		}
		if i >= len(d) || d[i] < 0x20 {
			return 0, false, errSyntax
		}
		if d[i] == '"' {
			return i + 1, escaped, nil
		}
		// A backslash.
		escaped = true
		if i+1 >= len(d) {
			return 0, false, errSyntax
		}
		switch d[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			r, ok := hex4(d, i+2)
			if !ok {
				return 0, false, errSyntax
			}
			i += 6
			switch {
			case 0xDC00 <= r && r <= 0xDFFF:
				return 0, false, errSurrogat // a low surrogate alone
			case 0xD800 <= r && r <= 0xDBFF:
				// A high surrogate must be followed by a low one.
				if i+1 >= len(d) || d[i] != '\\' || d[i+1] != 'u' {
					return 0, false, errSurrogat
				}
				low, ok := hex4(d, i+2)
				if !ok || low < 0xDC00 || low > 0xDFFF {
					return 0, false, errSurrogat
				}
				i += 6
			}
		default:
			return 0, false, errSyntax
		}
	}
}

func hex4(d []byte, pos int) (rune, bool) {
	if len(d)-pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d[pos : pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// scanNumber validates the JSON number starting at pos:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(d []byte, pos int) (int, error) {
	i := pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = digits(d, i)
	default:
		return 0, errSyntax
	}
	if i < len(d) && d[i] == '.' {
		j := digits(d, i+1)
		if j == i+1 {
			return 0, errSyntax
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return 0, errSyntax
		}
		i = j
	}
	return i, nil
}

func digits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// bytesString views b as a string without copying. b must not change
// afterwards: the verifier only applies it to buffers it decoded itself and
// never writes again.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// stringBytes views s as a byte slice without copying; the slice must not
// be written to.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
