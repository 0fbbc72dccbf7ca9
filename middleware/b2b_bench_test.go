package middleware

import (
	"context"
	"net/http"
	"testing"
)

// Benchmarks of member sessions and machine callers, on the request path
// of bench_test.go. Run with
//
//	go test -run '^$' -bench 'Member|Machine|Tenant|ScopeCheck' -benchmem ./middleware/

// readCaller is the handler: it reads the caller as a real one would.
var readCaller = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	a, ok := FromContext(r.Context())
	if !ok {
		panic("no caller")
	}
	switch {
	case a.MemberSession != nil:
		sessionSink = a.MemberSession.MemberID
	case a.AccessToken != nil:
		sessionSink = a.AccessToken.ClientID
	}
})

// newB2BBench returns an env and distinct tokens made by token(i).
func newB2BBench(b *testing.B, distinct int, config func(*Config), token func(e *b2bEnv, i int) string) (*b2bEnv, *benchSetup) {
	e := newB2BEnv(b, func(c *Config) {
		c.Now = nil
		if config != nil {
			config(c)
		}
	})
	s := &benchSetup{}
	for i := range distinct {
		s.tokens = append(s.tokens, token(e, i))
	}
	return e, s
}

func memberToken(e *b2bEnv, i int) string {
	if i == 0 {
		return e.reader.SessionJWT
	}
	c := e.srv.MemberJWTClaims(e.reader.MemberSession)
	c["n"] = i
	return e.signed(c)
}

func machineToken(e *b2bEnv, i int) string {
	if i == 0 {
		return e.m2mReadToken
	}
	c := e.accessClaims("read:documents write:documents")
	c["n"] = i
	return e.signed(c)
}

func firstSight(c *Config) { c.Tuning.VerifiedJWTCacheSize = 1 }

// inAcme sets the organization_id path value, as a ServeMux or chi would.
func inAcme(e *b2bEnv) func(r *http.Request, token string) {
	return func(r *http.Request, token string) {
		setBearer(r, token)
		r.SetPathValue("organization_id", e.acme.OrganizationID)
	}
}

func BenchmarkMiddlewareMemberFirstSight(b *testing.B) {
	e, s := newB2BBench(b, 64, firstSight, memberToken)
	s.run(b, e.auth.Require(Authenticated())(readCaller), setBearer)
}

func BenchmarkMiddlewareMemberSeenBefore(b *testing.B) {
	e, s := newB2BBench(b, 1, nil, memberToken)
	s.run(b, e.auth.Require(Authenticated())(readCaller), setBearer)
}

func BenchmarkMiddlewareTenantPermissionSeenBefore(b *testing.B) {
	e, s := newB2BBench(b, 1, nil, memberToken)
	rule := Permission("documents", "read").InOrganization(PathValue("organization_id"))
	s.run(b, e.auth.Require(rule)(readCaller), inAcme(e))
}

func BenchmarkMiddlewareMachineFirstSight(b *testing.B) {
	e, s := newB2BBench(b, 64, firstSight, machineToken)
	s.run(b, e.auth.Require(Scope("read:documents"))(readCaller), setBearer)
}

func BenchmarkMiddlewareMachineSeenBefore(b *testing.B) {
	e, s := newB2BBench(b, 1, nil, machineToken)
	s.run(b, e.auth.Require(Scope("read:documents"))(readCaller), setBearer)
}

// BenchmarkTenantCheck is a tenant-scoped authorization of an established
// member session: "evaluate" is the check itself (tenancy, project and
// organization roles), "verdict" adds the verdict handed to the handler.
func BenchmarkTenantCheck(b *testing.B) {
	e, s := newB2BBench(b, 1, nil, memberToken)
	at, err := e.auth.authenticateCredential(context.Background(), SessionJWT, s.tokens[0], 0, acceptSessions)
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "http://app.example/", nil)
	r.SetPathValue("organization_id", e.acme.OrganizationID)
	rule := Permission("documents", "read").InOrganization(PathValue("organization_id"))
	ctx := context.Background()
	if _, err := e.auth.authorize(ctx, &at.auth, rule, r); err != nil {
		b.Fatal(err)
	}
	b.Run("evaluate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			org, own, err := e.auth.organizationOf(&at.auth, rule.org, r)
			if err != nil {
				b.Fatal(err)
			}
			if v, err := e.auth.evaluate(ctx, &at.auth, org, own, rule.resource, rule.action); err != nil || !v.Authorized() {
				b.Fatal(err)
			}
		}
	})
	b.Run("denied by tenancy", func(b *testing.B) {
		other, _ := http.NewRequest(http.MethodGet, "http://app.example/", nil)
		other.SetPathValue("organization_id", e.globex.OrganizationID)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.auth.authorize(ctx, &at.auth, rule, other); err == nil {
				b.Fatal("authorized")
			}
		}
	})
	b.Run("verdict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.auth.authorize(ctx, &at.auth, rule, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScopeCheck is a Scope rule's check of an established machine
// caller.
func BenchmarkScopeCheck(b *testing.B) {
	e, s := newB2BBench(b, 1, nil, machineToken)
	at, err := e.auth.authenticateCredential(context.Background(), SessionJWT, s.tokens[0], 0, acceptMachines)
	if err != nil {
		b.Fatal(err)
	}
	rule := Scope("read:documents")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.auth.authorize(ctx, &at.auth, rule, nil); err != nil {
			b.Fatal(err)
		}
	}
}
