package nethttp

import "github.com/stytchmw/stytchmw/internal/routeguard"

// AuditError is the finding of an audit: the patterns registered without
// a rule (Unmapped) and the rules matching no registered pattern (Unused),
// both sorted.
type AuditError = routeguard.AuditError

// Audit compares the table with the patterns registered on the mux
// (ServeMux.Patterns) and returns an *AuditError listing the patterns
// without a rule and the rules matching no pattern, or nil when every
// pattern has a rule and every rule a pattern. Run it in a test or at
// start-up so that an unprotected route fails the build or the deploy.
func (t *RouteTable) Audit(patterns []string) error {
	var unmapped, unused []string
	registered := make(map[string]bool, len(patterns))
	for _, p := range patterns {
		registered[p] = true
		if _, ok := t.entries[p]; !ok {
			unmapped = append(unmapped, p)
		}
	}
	for p := range t.entries {
		if !registered[p] {
			unused = append(unused, p)
		}
	}
	return routeguard.Audit(unmapped, unused)
}
