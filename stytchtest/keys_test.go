package stytchtest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/stytchmw/stytchmw/client"
)

func kidOf(t *testing.T, token string) string {
	t.Helper()
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(jwtSegment(t, token, 0), &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	srv := frozenServer(t)
	u := mustUser(t, srv, "")
	oldKid := srv.JWKS()[0].Kid
	before := mustSession(t, srv, SessionParams{UserID: u.UserID})

	newKid, kids := srv.RotateKeys()
	if newKid == oldKid || !slices.Equal(kids, []string{oldKid, newKid}) {
		t.Fatalf("RotateKeys = %q, %v; want a new kid served after %q", newKid, kids, oldKid)
	}
	if set := servedKeySet(t, srv); set.Len() != 2 {
		t.Fatalf("served %d keys after rotation, want 2", set.Len())
	}
	after := mustSession(t, srv, SessionParams{UserID: u.UserID})
	if kidOf(t, after.SessionJWT) != newKid {
		t.Errorf("a JWT issued after rotation has kid %q, want the new %q", kidOf(t, after.SessionJWT), newKid)
	}
	verifyJWX(t, srv, before.SessionJWT) // still served, still verifies
	verifyJWX(t, srv, after.SessionJWT)
	resp, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: before.SessionJWT})
	if err != nil {
		t.Fatalf("a JWT of the old, still served key was refused: %v", err)
	}
	if kidOf(t, resp.SessionJWT) != newKid {
		t.Error("the fresh JWT was not signed by the new key")
	}

	kid, kids := srv.DropOldKeys()
	if kid != newKid || !slices.Equal(kids, []string{newKid}) {
		t.Fatalf("DropOldKeys = %q, %v; want only %q", kid, kids, newKid)
	}
	if set := servedKeySet(t, srv); set.Len() != 1 {
		t.Errorf("served %d keys after drop-old, want 1", set.Len())
	}
	_, err = srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: before.SessionJWT})
	wantAPIError(t, err, http.StatusBadRequest, client.ErrUnableToParseSessionJWT)
	if _, err := srv.SignToken(nil, map[string]any{}, oldKid); err == nil {
		t.Error("SignToken signed with a dropped key")
	}
	// The session itself lives on: its token still authenticates.
	if _, err := srv.Client().Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: before.SessionToken}); err != nil {
		t.Error(err)
	}
}

func TestRotationKeepsABoundedNumberOfKeys(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Config{})
	// Fill the ring with copies of the first key rather than generating
	// maxServedKeys RSA keys.
	srv.mu.Lock()
	for len(srv.keys) < maxServedKeys {
		srv.keys = append(srv.keys, srv.keys[0])
	}
	srv.mu.Unlock()
	kid, kids := srv.RotateKeys()
	if len(kids) != maxServedKeys || kids[len(kids)-1] != kid {
		t.Errorf("%d keys served after rotating a full ring (newest %q, want %q), want %d", len(kids), kids[len(kids)-1], kid, maxServedKeys)
	}
}
