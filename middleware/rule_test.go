package middleware

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRuleString(t *testing.T) {
	for rule, want := range map[Rule]string{
		{}:                                "no rule",
		Public():                          "public",
		Optional():                        "optional",
		Authenticated():                   "authenticated",
		Permission("documents", "delete"): "permission documents:delete",
	} {
		if got := rule.String(); got != want {
			t.Errorf("%#v: %q, want %q", rule, got, want)
		}
	}
}

// TestRuleCheck: the constructors make valid rules; the zero Rule and a
// Permission without a resource or an action are not.
func TestRuleCheck(t *testing.T) {
	for _, r := range []Rule{Public(), Optional(), Authenticated(), Permission("documents", "read")} {
		if err := r.check(); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
	for _, r := range []Rule{{}, Permission("", "read"), Permission("documents", "")} {
		if r.check() == nil {
			t.Errorf("%#v passes", r)
		}
	}
}

// TestRequireNoRule: the zero Rule, and an invalid rule, refuse every
// request with 403 route_has_no_rule before any authentication, answered,
// logged and observed like every refusal; an invalid rule is logged once,
// when Require is called.
func TestRequireNoRule(t *testing.T) {
	obs := &observations{}
	var logs strings.Builder
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Observer = obs.record
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	}})
	for name, rule := range map[string]Rule{"zero": {}, "invalid": Permission("documents", "")} {
		logs.Reset()
		srv := httptest.NewServer(e.auth.Require(rule)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Errorf("%s: the handler ran", name)
		})))
		if got := strings.Count(logs.String(), "invalid rule"); (name == "invalid") != (got == 1) {
			t.Errorf("%s: %d log lines about an invalid rule at Require:\n%s", name, got, logs.String())
		}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+e.grant.SessionJWT)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body errorBody
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		srv.Close()
		if res.StatusCode != 403 || body.ErrorType != string(ErrNoRule) {
			t.Fatalf("%s: %d %+v", name, res.StatusCode, body)
		}
		if o := obs.last(); o.Outcome != OutcomeDenied || o.Code != ErrNoRule || o.Verification != VerifiedNone {
			t.Fatalf("%s: observation %+v", name, o)
		}
	}
	if n := e.count("authenticate"); n != 0 {
		t.Fatalf("%d authenticate calls", n)
	}
}
