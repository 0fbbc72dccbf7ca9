package redact

import (
	"encoding/json"
	"net/url"
	"strings"
)

// minSecretBytes is the shortest value treated as a secret: Stytch's
// opaque tokens are 44 bytes and its JWTs far longer, so a shorter value is
// not a credential Stytch issued.
const minSecretBytes = 16

// Credentials lists the credentials a request (or an answer) carries: the
// values of its query parameters and body members (at any depth of a JSON
// body, or of a form-encoded one) whose names say they are credentials, at
// least minSecretBytes long. The client passes every endpoint's request
// through it, so one added later is covered as long as its credentials'
// names say so.
func Credentials(query url.Values, payload []byte) []string {
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
