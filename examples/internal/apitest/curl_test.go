package apitest

import (
	"net/http"
	"slices"
	"testing"
)

func TestShellWords(t *testing.T) {
	env := map[string]string{"JWT": "a.b.c", "EMPTY": ""}
	tests := []struct {
		line        string
		words       []string
		comment     string
		errExpected bool
	}{
		{line: `curl -i http://x/`, words: []string{"curl", "-i", "http://x/"}},
		{line: `curl  -H "Authorization: Bearer $JWT" u`, words: []string{"curl", "-H", "Authorization: Bearer a.b.c", "u"}},
		{line: `echo '{"a":"$JWT"}'`, words: []string{"echo", `{"a":"$JWT"}`}},
		{line: `x=$JWT'y'"z"`, words: []string{"x=a.b.cyz"}},
		{line: `a "$EMPTY" b`, words: []string{"a", "", "b"}},
		{line: `a#b c  # 200: note`, words: []string{"a#b", "c"}, comment: "200: note"},
		{line: `export NAME='v'`, words: []string{"export", "NAME=v"}},
		{line: `curl "$UNSET"`, errExpected: true},
		{line: `curl ${JWT}`, errExpected: true},
		{line: `curl $(id)`, errExpected: true},
		{line: "curl `id`", errExpected: true},
		{line: `curl a\ b`, errExpected: true},
		{line: `curl "a\"b"`, errExpected: true},
		{line: `curl 'open`, errExpected: true},
		{line: `curl "open`, errExpected: true},
		{line: `curl a; rm b`, errExpected: true},
		{line: `curl a > f`, errExpected: true},
		{line: `curl *`, errExpected: true},
		{line: `curl $`, errExpected: true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			words, comment, err := shellWords(tt.line, env)
			if tt.errExpected {
				if err == nil {
					t.Fatalf("shellWords = %q, want an error", words)
				}
				return
			}
			if err != nil || !slices.Equal(words, tt.words) || comment != tt.comment {
				t.Fatalf("shellWords = %q, %q, %v; want %q, %q", words, comment, err, tt.words, tt.comment)
			}
		})
	}
}

func TestParseCurl(t *testing.T) {
	env := map[string]string{"JWT": "a.b.c", "TOKEN": "tok"}
	tests := []struct {
		line   string
		want   Command
		errMsg bool
	}{
		{line: `curl -i http://h/healthz  # 200: ok`,
			want: Command{Method: "GET", URL: "http://h/healthz", Header: http.Header{}, Want: 200}},
		{line: `curl -i -X DELETE -H "Authorization: Bearer $JWT" http://h/d/1  # 403: no`,
			want: Command{Method: "DELETE", URL: "http://h/d/1", Header: http.Header{"Authorization": {"Bearer a.b.c"}}, Want: 403}},
		{line: `curl -i -b "stytch_session=$TOKEN" -b "x=y" http://h/me  # 200: yes`,
			want: Command{Method: "GET", URL: "http://h/me", Header: http.Header{"Cookie": {"stytch_session=tok; x=y"}}, Want: 200}},
		{line: `curl -i -H "Content-Type: application/json" -d '{"t":1}' http://h/d  # 201: made`,
			want: Command{Method: "POST", URL: "http://h/d", Body: `{"t":1}`, Header: http.Header{"Content-Type": {"application/json"}}, Want: 201}},
		{line: `curl -d 'a=b' http://h/d  # 201: form`,
			want: Command{Method: "POST", URL: "http://h/d", Body: "a=b", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Want: 201}},
		{line: `curl -i http://h/  # ok`, errMsg: true},                 // no status
		{line: `curl -i http://h/`, errMsg: true},                       // no comment
		{line: `curl -k http://h/  # 200: x`, errMsg: true},             // unknown option
		{line: `curl -X  # 200: x`, errMsg: true},                       // option without value
		{line: `curl -b cookies.txt http://h/  # 200: x`, errMsg: true}, // a cookie file
		{line: `curl -H "NoColon" http://h/  # 200: x`, errMsg: true},
		{line: `curl http://h/a http://h/b  # 200: x`, errMsg: true},
		{line: `curl ftp://h/a  # 200: x`, errMsg: true},
		{line: `curl -i  # 200: x`, errMsg: true},
		{line: `wget http://h/  # 200: x`, errMsg: true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := parseCurl(tt.line, env)
			if tt.errMsg {
				if err == nil {
					t.Fatalf("parseCurl = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Line = tt.line
			if got.Line != tt.want.Line || got.Method != tt.want.Method || got.URL != tt.want.URL ||
				got.Body != tt.want.Body || got.Want != tt.want.Want || !equalHeaders(got.Header, tt.want.Header) {
				t.Fatalf("parseCurl =\n %+v, want\n %+v", got, tt.want)
			}
		})
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestParseBanner(t *testing.T) {
	text := "Documents API (chi) listening on http://127.0.0.1:1\n\n" +
		"Stytch: the embedded stytchtest emulator at http://127.0.0.1:2 (for development only: it is not Stytch)\n" +
		"  project id: project-test-1\n" +
		"  secret:     secret-test-2\n" +
		"export SESSION_JWT='a.b.c'\n" +
		"curl -i -H \"Authorization: Bearer $SESSION_JWT\" http://127.0.0.1:1/me  # 200: ok\n"
	b, err := ParseBanner(text, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Router != "chi" || b.URL != "http://127.0.0.1:1" || b.Env["SESSION_JWT"] != "a.b.c" ||
		*b.Emulator != (Emulator{URL: "http://127.0.0.1:2", ProjectID: "project-test-1", Secret: "secret-test-2"}) ||
		len(b.Commands) != 1 || b.Commands[0].Header.Get("Authorization") != "Bearer a.b.c" {
		t.Fatalf("ParseBanner = %+v", b)
	}
	b, err = ParseBanner(text, map[string]string{"SESSION_JWT": "x.y.z"})
	if err != nil || b.Commands[0].Header.Get("Authorization") != "Bearer x.y.z" {
		t.Fatalf("an override does not replace the exported value: %+v, %v", b, err)
	}
	for _, bad := range []string{
		"no listen line\n",
		"Documents API (chi) listening on http://h\n  project id: p\n", // incomplete emulator access
		"Documents API (chi) listening on http://h\nexport A B\n",
		"Documents API (chi) listening on http://h\ncurl http://h/ # 200: $UNSET\ncurl \"$UNSET\" # 200: x\n",
	} {
		if _, err := ParseBanner(bad, nil); err == nil {
			t.Errorf("ParseBanner(%q) succeeded, want an error", bad)
		}
	}
}
