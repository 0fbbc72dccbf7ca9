package client

import "github.com/stytchmw/stytchmw/internal/redact"

// redactAPIError redacts every text of an API error: a proxy that echoes
// the request may put a secret in any field, and fmt's %#v and
// encoding/json print them all.
func redactAPIError(r *redact.Redactor, se *StytchError) {
	se.RequestID = r.Redact(se.RequestID)
	se.ErrorType = ErrorType(r.Redact(string(se.ErrorType)))
	se.ErrorMessage = r.Redact(se.ErrorMessage)
	se.ErrorURL = r.Redact(se.ErrorURL)
	if se.ErrorDetails != nil {
		se.ErrorDetails = r.JSON(se.ErrorDetails).(map[string]any)
	}
}
