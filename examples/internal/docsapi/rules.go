package docsapi

import (
	"errors"
	"fmt"

	"github.com/stytchmw/stytchmw/policy"
)

// RouteTable is what CheckRules needs of a route table: both
// nethttp.RouteTable and stytchchi.RouteTable validate their rules.
type RouteTable interface {
	Validate(p interface {
		Validate(resourceID, action string) error
	}) error
}

// CheckRules validates every rule of table against the project's RBAC
// policy, so that a misspelt resource or action stops the start instead
// of denying every request to its route. When no policy could be loaded
// yet (Stytch unreachable), the rules cannot be checked: it logs a warning
// and lets the start go on, since every check fails closed with 503 until
// the policy arrives.
func (a *App) CheckRules(table RouteTable) error {
	err := table.Validate(a.Policy)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, policy.ErrUnavailable):
		a.logger.Warn("the RBAC policy is not loaded yet, so the routes' rules were not checked against it; authorization answers 503 until it is",
			"error", err)
		return nil
	}
	return fmt.Errorf("refusing to start: %w", err)
}
