package stytchtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// environment returns "live" for a project-live-… id and "test" otherwise,
// the word Stytch puts in every id it generates.
func environment(projectID string) string {
	if strings.HasPrefix(projectID, "project-live-") {
		return "live"
	}
	return "test"
}

// newID returns an id in Stytch's form, such as user-test-<uuid>.
func (s *Server) newID(kind string) string {
	return kind + "-" + s.env + "-" + newUUID()
}

// sessionTokenBytes encode to the 44 URL-safe base64 characters of a Stytch
// session token.
const sessionTokenBytes = 33

// sessionToken derives a session's opaque token from its id with a key drawn
// from crypto/rand when the server started. The emulator thus never stores a
// raw token, yet can hand a session's token back when it is authenticated by
// JWT, as Stytch does.
func (s *Server) sessionToken(sessionID string) string {
	mac := hmac.New(sha512.New, s.tokenKey[:])
	mac.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:sessionTokenBytes])
}

// tokenHash is how the emulator indexes every token it accepts.
func tokenHash(token string) [sha256.Size]byte {
	return sha256.Sum256([]byte(token))
}

// newSecret returns a random API secret of the project's environment.
func newSecret(env string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "secret-" + env + "-" + base64.RawURLEncoding.EncodeToString(b[:])
}
