// Package mcpauth protects an MCP server built on the official Go SDK
// (github.com/modelcontextprotocol/go-sdk) with stytchmw: Verifier plugs
// an Authenticator into the SDK's auth.RequireBearerToken as its token
// verifier, and RequireScopes guards each tool with the scopes it needs,
// read with Stytch's action:resource semantics.
//
// The endpoint is guarded twice, by design: Authenticator.Require in front
// answers refusals as the rest of the service does (JSON, 401 with the RFC
// 6750 challenge naming the resource metadata, 403, 503 when Stytch is
// needed and unreachable), which the SDK's middleware cannot (it knows
// only 401 and answers other failures 500); the SDK's middleware behind it
// hands the caller to each tool call (CallToolRequest.Extra.TokenInfo),
// which is the only way the SDK carries it to tools. The second check
// reuses the first one's work (a verified token is a cache hit, a Scope or
// Permission rule reuses the caller this Authenticator verified earlier in
// the request).
//
//	rule := middleware.Authenticated().OrMachine()
//	mux.Handle("/mcp", auth.Require(rule)(
//		sdkauth.RequireBearerToken(mcpauth.Verifier(auth, rule), nil)(mcpHandler)))
//
//	mcp.AddTool(server, tool, mcpauth.RequireScopes(handler, "read:documents"))
//
// This package is the only one of stytchmw that links the MCP SDK.
package mcpauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/policy"
)

// extraKey is the TokenInfo.Extra member that holds the caller.
const extraKey = "stytchmw.auth"

// Verifier returns the SDK token verifier that enforces rule with a, as
// Authenticator.RequireBearer does (made once, here). A token refused
// with a 401 code is auth.ErrInvalidToken (wrapped, with the code), which
// the SDK answers 401; any other refusal (403, 503) is returned as the
// *middleware.Error it is, which the SDK answers 500 — put a.Require(rule)
// in front (see the package comment) so that such requests never get
// here.
//
// The TokenInfo of a caller holds: Scopes, a machine's scopes (nil for a
// session); Expiration, a machine token's exp or a session's expiry;
// UserID, the user or member (a Connected App acting for one), the M2M
// client, or the session's user or member, which the SDK uses to keep an
// MCP session to the caller that opened it; and the caller itself, which
// AuthFrom reads.
func Verifier(a *middleware.Authenticator, rule middleware.Rule) auth.TokenVerifier {
	check := a.RequireBearer(rule)
	return func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		ctx, err := check(ctx, []string{"Bearer " + token})
		if err != nil {
			if middleware.CodeOf(err).Status() == http.StatusUnauthorized {
				return nil, fmt.Errorf("%w: %w", auth.ErrInvalidToken, err)
			}
			return nil, err
		}
		caller, ok := middleware.FromContext(ctx)
		if !ok {
			// Optional without a credential: no caller to describe.
			return nil, fmt.Errorf("%w: %w", auth.ErrInvalidToken, middleware.ErrNoCredential)
		}
		return tokenInfo(caller), nil
	}
}

// tokenInfo describes a caller for the SDK.
func tokenInfo(caller *middleware.Auth) *auth.TokenInfo {
	ti := &auth.TokenInfo{Extra: map[string]any{extraKey: caller}}
	var exp time.Time
	switch {
	case caller.AccessToken != nil:
		ti.Scopes, ti.UserID, exp = caller.AccessToken.Scopes, caller.AccessToken.Subject, caller.AccessToken.ExpiresAt
	case caller.MemberSession != nil:
		ti.UserID, exp = caller.MemberSession.MemberID, caller.MemberSession.ExpiresAt
	case caller.Session != nil:
		ti.UserID, exp = caller.Session.UserID, caller.Session.ExpiresAt
	}
	ti.Expiration = exp
	return ti
}

// AuthFrom returns the caller Verifier established, from a tool call's
// TokenInfo (CallToolRequest.Extra.TokenInfo).
func AuthFrom(ti *auth.TokenInfo) (*middleware.Auth, bool) {
	if ti == nil {
		return nil, false
	}
	a, ok := ti.Extra[extraKey].(*middleware.Auth)
	return a, ok && a != nil
}

// ErrNoCaller is returned to a tool call that reached a guarded tool
// without a caller from Verifier: the endpoint is not behind
// auth.RequireBearerToken with Verifier.
var ErrNoCaller = errors.New("stytchmw mcpauth: the tool call has no verified caller")

// RequireScopes guards a tool: a call runs h only when its caller is a
// machine (an M2M or Connected Apps access token) holding every one of
// scopes, read as middleware.Scope reads them ("read:*" satisfies
// "read:documents"). Otherwise the call ends with a tool error (the SDK
// reports a handler's error as a result with IsError) that matches
// middleware.ErrInsufficientScope, or ErrNoCaller, with errors.Is, and
// names the missing scope. Invalid scopes refuse every call (fail closed).
func RequireScopes[In, Out any](h mcp.ToolHandlerFor[In, Out], scopes ...string) mcp.ToolHandlerFor[In, Out] {
	req, reqErr := policy.RequireScopes(scopes...)
	return func(ctx context.Context, r *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		var zero Out
		if reqErr != nil {
			return nil, zero, &middleware.Error{Code: middleware.ErrInsufficientScope, Err: reqErr}
		}
		var ti *auth.TokenInfo
		if r != nil {
			ti = r.Extra.TokenInfo
		}
		caller, ok := AuthFrom(ti)
		if !ok {
			return nil, zero, ErrNoCaller
		}
		if caller.AccessToken == nil {
			return nil, zero, &middleware.Error{Code: middleware.ErrInsufficientScope, Err: errors.New("a session holds no scopes")}
		}
		if err := req.Check(caller.AccessToken.Scopes); err != nil {
			return nil, zero, &middleware.Error{Code: middleware.ErrInsufficientScope, Err: err}
		}
		return h(ctx, r, in)
	}
}
