// Package sdkcheck proves that Stytch's official Go SDK, stytch-go v18,
// works unchanged against the stytchtest emulator: its B2B client
// (organizations, members, sessions, RBAC, local JWT authentication with
// authorization checks) and its M2M client (clients, tokens, local token
// authentication). It is a separate module, like bench/, so that the
// library never depends on stytch-go. Run its tests from this directory:
//
//	GONOSUMDB=github.com/stytchauth GOFLAGS=-mod=mod go test -race ./...
package sdkcheck
