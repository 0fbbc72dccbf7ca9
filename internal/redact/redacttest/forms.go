package redacttest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Form is a way an upstream may echo a credential.
type Form struct {
	Name   string
	Encode func(string) string
}

// Forms are the ways an upstream may echo a credential, user being the
// user name of the Basic credentials it is sent with (the project or
// client id). Fuzz corpora pick a form by its index: append new ones.
func Forms(user string) []Form {
	return []Form{
		{"raw", func(s string) string { return s }},
		{"JSON, '/' escaped (PHP)", PHPJSON},
		{`JSON \u00xx`, eachByte(`\u%04x`)},
		{`JSON \u00XX`, eachByte(`\u%04X`)},
		{`JavaScript \xXX`, eachByte(`\x%02X`)},
		{"backslash before punctuation", func(s string) string {
			return punctuation.ReplaceAllString(s, `\$0`)
		}},
		{"query escape", url.QueryEscape},
		{"query escape, lower-case hex", func(s string) string {
			return percentHex.ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower)
		}},
		{"path escape", url.PathEscape},
		{"every byte percent-encoded", eachByte("%%%02x")},
		{"form body", func(s string) string { return url.Values{"session_token": {s}, "a": {"b"}}.Encode() }},
		{"query escape of PHP JSON", func(s string) string { return url.QueryEscape(PHPJSON(s)) }},
		{"query-escaped twice", func(s string) string { return url.QueryEscape(url.QueryEscape(s)) }},
		{"HTML decimal references", eachByte("&#%d;")},
		{"HTML hex references", eachByte("&#x%x;")},
		{"Basic, standard base64", func(s string) string {
			return "Basic " + b64(base64.StdEncoding, user+":")(s)
		}},
		{"Basic, standard base64 unpadded", b64(base64.RawStdEncoding, user+":")},
		{"Basic, URL base64", b64(base64.URLEncoding, user+":")},
		{"Basic, URL base64 unpadded", b64(base64.RawURLEncoding, user+":")},
		{"base64", b64(base64.StdEncoding, "")},
		{"base64 after one byte", b64(base64.StdEncoding, "x")},
		{"base64 after two bytes", b64(base64.URLEncoding, "xy")},
		{"query-escaped base64", func(s string) string { return url.QueryEscape(b64(base64.StdEncoding, user+":")(s)) }},
		{"PHP JSON of base64", func(s string) string { return PHPJSON(b64(base64.StdEncoding, user+":")(s)) }},
	}
}

// PHPJSON escapes '/' as PHP's json_encode does by default.
func PHPJSON(s string) string { return strings.ReplaceAll(s, "/", `\/`) }

// PHPJSONString is s as a JSON string, '/' escaped PHP's way.
func PHPJSONString(s string) string {
	b, _ := json.Marshal(s)
	return PHPJSON(string(b))
}

func eachByte(format string) func(string) string {
	return func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, format, s[i])
		}
		return b.String()
	}
}

var (
	percentHex  = regexp.MustCompile(`%[0-9A-F]{2}`)
	punctuation = regexp.MustCompile(`[^0-9A-Za-z]`)
)

func b64(enc *base64.Encoding, prefix string) func(string) string {
	return func(s string) string { return enc.EncodeToString([]byte(prefix + s)) }
}
