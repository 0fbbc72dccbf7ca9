package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestDemo runs the program and checks that its output has the spans of
// the calls to Stytch and the decision metrics, and no credential.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	creds, err := run(context.Background(), &out)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		`"Name": "GET /v1/sessions/jwks/{project_id}"`,
		`"Name": "POST /v1/sessions/authenticate"`,
		`"Name": "GET /v1/rbac/policy"`,
		`"Name": "GET /documents"`,
		`"Name": "stytchmw.decisions"`,
		`"Name": "stytchmw.decision.duration"`,
		`"Name": "stytchmw.session_cache.requests"`,
		`"Name": "stytchmw.remote.duration"`,
		`"Value": "consumer_session_authorization_error"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %s", want)
		}
	}
	for what, secret := range map[string]string{"secret": creds.secret, "session token": creds.sessionToken,
		"session JWT": creds.sessionJWT, "user id": creds.userID} {
		if secret == "" || strings.Contains(text, secret) {
			t.Errorf("the output holds the %s (or it is empty)", what)
		}
	}
}
