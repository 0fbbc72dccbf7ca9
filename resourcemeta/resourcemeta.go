// Package resourcemeta serves a protected resource's OAuth Protected
// Resource Metadata (RFC 9728): the document at
// /.well-known/oauth-protected-resource that tells an OAuth client, an
// MCP client among them, which authorization server issues the tokens the
// resource accepts (the Stytch project), which scopes it knows and how to
// send a token. Pair it with middleware.Config.ResourceMetadata, which
// names the document's URL in every 401 challenge, so that a client
// refused for want of a token discovers where to get one.
//
//	meta, err := resourcemeta.New(resourcemeta.Config{
//		Resource: "https://api.example.com/mcp",
//		Client:   stytchClient, // on the project's domain
//		Scopes:   []string{"read:documents"},
//	})
//	mux.Handle("GET "+meta.Path(), meta)
//	auth, err := middleware.New(ctx, middleware.Config{Client: stytchClient, ResourceMetadata: meta.URL()})
package resourcemeta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stytchmw/stytchmw/client"
)

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("stytchmw resourcemeta: invalid config")

// WellKnownPath is the well-known path of the metadata (RFC 9728 §3).
const WellKnownPath = "/.well-known/oauth-protected-resource"

// Config describes a protected resource.
type Config struct {
	// Resource is the resource identifier: the absolute https (or, for
	// development, http) URL clients call, e.g. "https://api.example.com"
	// or "https://api.example.com/mcp" (required; no query or fragment).
	Resource string
	// Client is the Stytch project's client. Its base URL is the default
	// authorization server when it is a custom domain: Stytch serves a
	// project's OAuth endpoints and authorization server metadata
	// (Connected Apps) on its project domain, and issues tokens under it.
	// Ignored when AuthorizationServer is set.
	Client *client.Client
	// AuthorizationServer is the issuer identifier of the authorization
	// server, e.g. "https://login.example.com" or the project domain
	// "https://<name>.customers.stytch.dev" shown in Stytch's dashboard.
	// Default: Client's base URL when it is not one of Stytch's shared API
	// hosts (test.stytch.com, api.stytch.com), which serve no metadata for
	// a project: there it is required.
	AuthorizationServer string
	// Scopes are the scopes_supported (default none: the member is left
	// out). Each must be a non-empty scope token without spaces or quotes.
	Scopes []string
	// ResourceName is the human-readable resource_name (optional).
	ResourceName string
}

// Metadata is the RFC 9728 document.
type Metadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// Resource serves a resource's metadata. It is an http.Handler; mount it
// at Path.
type Resource struct {
	meta Metadata
	body []byte
	path string
	url  string
}

// New checks cfg and builds the document.
func New(cfg Config) (*Resource, error) {
	res, err := parseURL("Resource", cfg.Resource)
	if err != nil {
		return nil, err
	}
	as := cfg.AuthorizationServer
	if as == "" {
		if cfg.Client == nil {
			return nil, fmt.Errorf("%w: AuthorizationServer or Client is required", ErrInvalidConfig)
		}
		as = strings.TrimSuffix(cfg.Client.BaseURL(), "/")
		if origin := strings.ToLower(as); origin == client.TestBaseURL || origin == client.LiveBaseURL {
			return nil, fmt.Errorf("%w: AuthorizationServer is required when Client talks to %s: set the project domain (Stytch dashboard, Connected Apps)", ErrInvalidConfig, as)
		}
	}
	if _, err := parseURL("AuthorizationServer", as); err != nil {
		return nil, err
	}
	for _, s := range cfg.Scopes {
		if s == "" || strings.ContainsFunc(s, func(c rune) bool { return c <= ' ' || c == '"' || c == '\\' || c == 0x7f }) {
			return nil, fmt.Errorf("%w: scope %q is not a scope token", ErrInvalidConfig, s)
		}
	}
	r := &Resource{meta: Metadata{
		Resource:               cfg.Resource,
		AuthorizationServers:   []string{as},
		ScopesSupported:        append([]string(nil), cfg.Scopes...),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           cfg.ResourceName,
	}}
	// RFC 9728 §3.1: the well-known path goes between the host and the
	// resource's path.
	r.path = WellKnownPath + strings.TrimSuffix(res.EscapedPath(), "/")
	r.url = res.Scheme + "://" + res.Host + r.path
	if r.body, err = json.Marshal(r.meta); err != nil {
		return nil, err
	}
	return r, nil
}

// parseURL accepts an absolute http(s) URL without user information,
// query or fragment.
func parseURL(field, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "\"\\ ") {
		return nil, fmt.Errorf("%w: %s must be an absolute http(s) URL without user information, query or fragment, got %q", ErrInvalidConfig, field, raw)
	}
	return u, nil
}

// Metadata returns a copy of the document.
func (r *Resource) Metadata() Metadata {
	m := r.meta
	m.AuthorizationServers = append([]string(nil), m.AuthorizationServers...)
	m.ScopesSupported = append([]string(nil), m.ScopesSupported...)
	m.BearerMethodsSupported = append([]string(nil), m.BearerMethodsSupported...)
	return m
}

// Path is where the document is served on the resource's host:
// WellKnownPath followed by the resource's path.
func (r *Resource) Path() string { return r.path }

// URL is the document's absolute URL, for
// middleware.Config.ResourceMetadata.
func (r *Resource) URL() string { return r.url }

// ServeHTTP answers GET and HEAD with the document (JSON, cacheable for
// an hour, readable from any origin: it is public by design, RFC 9728
// §3), OPTIONS with the CORS preflight answer, and anything else with 405.
func (r *Resource) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	switch req.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		_, _ = w.Write(r.body)
	}
}
