// Package m2m gets and renews Stytch M2M access tokens for a Go program that
// calls a protected service: New returns an oauth2.TokenSource, and its
// Client method an *http.Client that sends each request with a current
// token.
//
// It is built on golang.org/x/oauth2/clientcredentials: tokens come from the
// project's token endpoint, POST /v1/public/{project_id}/oauth2/token, with
// the client's id and secret in the form (never in a header), are reused
// until shortly before they expire, then renewed. Errors are the client
// package's: an OAuth error answer is a *client.StytchError (match
// client.ErrInvalidClient with errors.Is), any other failure a
// *client.RequestError, and neither ever holds the client secret.
//
// Only programs that call services need this package; the middleware does
// not import it, so a server that only verifies tokens does not link
// golang.org/x/oauth2.
package m2m
