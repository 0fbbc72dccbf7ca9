package redacttest

import "encoding/base64"

// The credentials of the echo tests, one of each kind a request carries.
// Each holds '/', '+' and '=', so that every encoding of Forms differs from
// the value itself.
const (
	Secret       = "secret-test-Pq7/xR+2zK9wV/bN4+mJ8sL0=hT6yD3cF1gQ"
	SessionToken = "Zx8/Qw+Er5Ty7/Ui9+Op2As4Df6Gh8Jk0Lz1Xc3Vb5N="
	AccessToken  = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImZ1bGxfYWNjZXNzIn0.Wk9_sQ-4rT7uVx2yZa5bCd8eFg1hIj"
	AttestToken  = "trusted-auth-token/Hn3+Km6/Pr9+St2Vw5=Yz8"
)

// SessionJWT is shaped like a session JWT, with a Stytch project's usual
// header.
var SessionJWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0LTEiLCJ0eXAiOiJKV1QifQ." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"user-test-16d9ba61","https://stytch.com/session":{"id":"session-test-fe6c042b"},"exp":1763000000}`)) +
	".c2lnbmF0dXJl-Tm90QVJlYWxTaWduYXR1cmU_QnV0TG9uZ0Vub3VnaA"

// Echoed lists every credential of the echo tests. Fuzz corpora pick one
// by its index: append new ones.
var Echoed = []string{Secret, SessionToken, SessionJWT, AccessToken, AttestToken}
