package routeguard

import (
	"fmt"
	"slices"
	"strings"
)

// AuditError is the finding of an audit: routes the router serves that no
// rule covers, and rules that cover no route the router serves (usually a
// misspelt pattern, whose route then appears in Unmapped too).
type AuditError struct {
	// Unmapped lists the routes without a rule, sorted: refused with 403
	// under deny-by-default, served without authentication under
	// AllowUnmapped.
	Unmapped []string
	// Unused lists the rule keys that match no route, sorted.
	Unused []string
}

// Error lists the findings.
func (e *AuditError) Error() string {
	var b strings.Builder
	b.WriteString("stytchmw route audit:")
	if len(e.Unmapped) > 0 {
		fmt.Fprintf(&b, " %d route(s) without a rule: %s;", len(e.Unmapped), strings.Join(e.Unmapped, ", "))
	}
	if len(e.Unused) > 0 {
		fmt.Fprintf(&b, " %d rule(s) matching no route: %s;", len(e.Unused), strings.Join(e.Unused, ", "))
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Audit returns nil when both lists are empty, else an *AuditError holding
// them sorted and without duplicates.
func Audit(unmapped, unused []string) error {
	if len(unmapped) == 0 && len(unused) == 0 {
		return nil
	}
	return &AuditError{Unmapped: sortedSet(unmapped), Unused: sortedSet(unused)}
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
