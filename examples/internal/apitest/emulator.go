package apitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// Session is a user's session created through the emulator's admin API.
type Session struct {
	UserID string
	JWT    string
	Token  string
}

// NewSession creates a user with roles and a session for it, through the
// embedded emulator's admin API (over HTTP, with the credentials the
// banner printed).
func (s *Server) NewSession(t *testing.T, email string, roles ...string) Session {
	t.Helper()
	var user struct {
		UserID string `json:"user_id"`
	}
	s.admin(t, "/emulator/users", map[string]any{"email": email, "roles": roles}, &user)
	var session struct {
		SessionJWT   string `json:"session_jwt"`
		SessionToken string `json:"session_token"`
	}
	s.admin(t, "/emulator/sessions", map[string]any{"user_id": user.UserID}, &session)
	if user.UserID == "" || session.SessionJWT == "" || session.SessionToken == "" {
		t.Fatalf("the emulator's admin API answered an incomplete user or session")
	}
	return Session{UserID: user.UserID, JWT: session.SessionJWT, Token: session.SessionToken}
}

// Advance moves the embedded emulator's clock, which is also the API's
// clock in embedded mode, by d.
func (s *Server) Advance(t *testing.T, d time.Duration) {
	t.Helper()
	s.admin(t, "/emulator/clock/advance", map[string]any{"seconds": d.Seconds()}, nil)
}

// admin POSTs body to the emulator's admin API and decodes the answer
// into out (when not nil).
func (s *Server) admin(t *testing.T, path string, body, out any) {
	t.Helper()
	emu := s.Banner.Emulator
	if emu == nil {
		t.Fatal("the banner names no embedded emulator")
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, emu.URL+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(emu.ProjectID, emu.Secret)
	resp := s.send(t, req)
	if resp.Status != http.StatusOK {
		t.Fatalf("emulator %s: status %d, body %s", path, resp.Status, resp.Body)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			t.Fatalf("emulator %s: %v", path, err)
		}
	}
}
