package redacttest

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The tests' own decoder, written apart from the redactor (regular
// expressions and encoding/base64, not redact's scanner), so that a test
// does not pass only because both share a mistake.

// What SECURITY.md promises, stated here rather than read from package
// redact, so that a weaker redactor fails the tests instead of moving them.
const (
	// MinSecretRun is the shortest run of a credential's bytes that must
	// never show.
	MinSecretRun = 12
	// maxUnescapes is how many levels of escaping are undone to look.
	maxUnescapes = 3
)

var (
	// backslashEscape is a JSON, PHP, JavaScript or C escape.
	backslashEscape = regexp.MustCompile(`\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[nrtbf]|[^0-9A-Za-z])`)
	// percentEscape is URL (path, query or form) encoding.
	percentEscape = regexp.MustCompile(`%[0-9a-fA-F]{2}`)
	// htmlEscape is an HTML character reference.
	htmlEscape = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos);`)
)

// unescapers decode one level of one kind of escaping, left to right.
var unescapers = []struct {
	name    string
	trigger string // every escape of the kind starts with it
	do      func(string) string
}{
	{"backslash", `\`, func(s string) string {
		return backslashEscape.ReplaceAllStringFunc(s, func(m string) string {
			switch c := m[1]; c {
			case 'u':
				n, _ := strconv.ParseUint(m[2:], 16, 32)
				return string(rune(n))
			case 'x':
				n, _ := strconv.ParseUint(m[2:], 16, 8)
				return string([]byte{byte(n)})
			case 'n', 'r', 't', 'b', 'f':
				return map[byte]string{'n': "\n", 'r': "\r", 't': "\t", 'b': "\b", 'f': "\f"}[c]
			default:
				return m[1:]
			}
		})
	}},
	{"percent", "%", func(s string) string {
		return percentEscape.ReplaceAllStringFunc(s, func(m string) string {
			n, _ := strconv.ParseUint(m[1:], 16, 8)
			return string([]byte{byte(n)})
		})
	}},
	{"html", "&", func(s string) string {
		return htmlEscape.ReplaceAllStringFunc(s, func(m string) string {
			ref := m[1 : len(m)-1]
			switch ref {
			case "amp":
				return "&"
			case "lt":
				return "<"
			case "gt":
				return ">"
			case "quot":
				return `"`
			case "apos":
				return "'"
			}
			var n uint64
			if ref[1] == 'x' || ref[1] == 'X' {
				n, _ = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, _ = strconv.ParseUint(ref[1:], 10, 32)
			}
			if n > utf8.MaxRune {
				return string(utf8.RuneError)
			}
			return string(rune(n))
		})
	}},
}

// views returns text as it is and after every sequence of up to
// maxUnescapes unescapings, each named by the path that made it.
func views(text string) map[string]string {
	out := map[string]string{text: "as is"}
	frontier := map[string]string{text: "as is"}
	for range maxUnescapes {
		next := map[string]string{}
		for v, path := range frontier {
			for _, u := range unescapers {
				if !strings.Contains(v, u.trigger) {
					continue
				}
				d := u.do(v)
				if _, seen := out[d]; !seen {
					out[d] = path + " > " + u.name
					next[d] = out[d]
				}
			}
		}
		frontier = next
	}
	return out
}

var toStdAlphabet = strings.NewReplacer("-", "+", "_", "/")

// base64Decodings returns what every base64 run of text decodes to, from
// each of its first four offsets, with either alphabet.
func base64Decodings(text string) []string {
	var out []string
	isBase64 := func(r rune) bool {
		return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("+/-_", r)
	}
	for _, run := range strings.FieldsFunc(text, func(r rune) bool { return !isBase64(r) }) {
		run = toStdAlphabet.Replace(run)
		for off := 0; off < 4 && off < len(run); off++ {
			s := run[off:]
			s = s[:len(s)/4*4]
			if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
				out = append(out, string(b))
			}
		}
	}
	return out
}

// secretGrams returns every run of n = min(MinSecretRun, len(secret)) bytes
// of secret, but for those inside the public "secret-test-" prefix.
func secretGrams(secret string) []string {
	n := min(MinSecretRun, len(secret))
	public := 0
	if strings.HasPrefix(secret, "secret-test-") || strings.HasPrefix(secret, "secret-live-") {
		public = len("secret-test-")
	}
	var out []string
	for i := 0; i+n <= len(secret); i++ {
		if i+n > public {
			out = append(out, secret[i:i+n])
		}
	}
	return out
}

// FindLeak describes the first form of a secret found in text, or returns
// "": a run of MinSecretRun bytes of one of secrets (the whole secret if it
// is shorter), in text as it is or after up to maxUnescapes levels of
// backslash, percent or HTML unescaping, or in the base64 (either alphabet,
// any alignment, padded or not) of any of these.
func FindLeak(text string, secrets ...string) string {
	grams, sizes := leakGrams(secrets)
	for view, path := range views(text) {
		for _, cand := range append([]string{view}, base64Decodings(view)...) {
			for _, n := range sizes {
				for i := 0; i+n <= len(cand); i++ {
					if s, ok := grams[cand[i:i+n]]; ok {
						kind := "text"
						if cand != view {
							kind = "base64 in text"
						}
						return fmt.Sprintf("%q of secret %.16q… in the %s (%s) %q", cand[i:i+n], s, kind, path, text)
					}
				}
			}
		}
	}
	return ""
}

// gramSets caches leakGrams' answers by the list of secrets.
var gramSets sync.Map

// leakGrams maps each run secretGrams returns for secrets to its secret,
// and lists their lengths.
func leakGrams(secrets []string) (map[string]string, []int) {
	type set struct {
		grams map[string]string
		sizes []int
	}
	key := strings.Join(secrets, "\x00")
	if v, ok := gramSets.Load(key); ok {
		return v.(set).grams, v.(set).sizes
	}
	grams := map[string]string{}
	var sizes []int
	for _, s := range secrets {
		for _, g := range secretGrams(s) {
			grams[g] = s
			if !slices.Contains(sizes, len(g)) {
				sizes = append(sizes, len(g))
			}
		}
	}
	gramSets.Store(key, set{grams, sizes})
	return grams, sizes
}
