package middleware

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Protected resource metadata (RFC 9728)
//
// A service that names its OAuth Protected Resource Metadata in its
// challenges lets OAuth clients, MCP clients among them, discover which
// authorization server issues its tokens: Config.ResourceMetadata is that
// document's URL, and every Bearer challenge the default ErrorHandler
// writes carries it as resource_metadata (RFC 9728 §5.1). The document
// itself is served by package resourcemeta.

// resourceMetadataKey is the context key of the URL WriteError puts in
// its challenges; the Authenticator sets it on the request it hands its
// ErrorHandler, so a custom handler that calls WriteError keeps it.
type resourceMetadataKey struct{}

// withResourceMetadata is r carrying Config.ResourceMetadata for
// WriteError, or r itself when none is configured.
func (a *Authenticator) withResourceMetadata(r *http.Request) *http.Request {
	if a.resourceMetadata == "" || r == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), resourceMetadataKey{}, a.resourceMetadata))
}

// resourceMetadataOf is the URL to name in r's challenges, "" for none.
func resourceMetadataOf(r *http.Request) string {
	if r == nil {
		return ""
	}
	u, _ := r.Context().Value(resourceMetadataKey{}).(string)
	return u
}

// withResourceMetadataParam appends the resource_metadata parameter to a
// challenge when r carries one. The URL was checked by
// checkResourceMetadata: no quote, backslash or control character.
func withResourceMetadataParam(challenge string, r *http.Request) string {
	if u := resourceMetadataOf(r); u != "" {
		return challenge + `, resource_metadata="` + u + `"`
	}
	return challenge
}

// checkResourceMetadata accepts an absolute http or https URL without
// user information or fragment, and with nothing that would need escaping
// in a quoted string.
func checkResourceMetadata(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%w: ResourceMetadata: %w", ErrInvalidConfig, err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "", u.User != nil, u.Fragment != "",
		strings.ContainsFunc(raw, func(c rune) bool { return c == '"' || c == '\\' || c < 0x21 || c == 0x7f }):
		return fmt.Errorf("%w: ResourceMetadata must be an absolute http(s) URL without user information, fragment, quotes or spaces, got %q", ErrInvalidConfig, raw)
	}
	return nil
}
