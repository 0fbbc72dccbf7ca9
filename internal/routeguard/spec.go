package routeguard

// Spec is what a route table needs to know of a middleware.Rule.
type Spec struct {
	// Err says why the rule cannot be enforced (the zero Rule, a
	// Permission without a resource or an action); nil for a valid rule.
	Err error
	// Resource and Action are what a Permission rule checks; both empty
	// for the other rules.
	Resource, Action string
	// PathParam is the path parameter a tenant-scoped rule reads the
	// organization from; empty for the other rules. The route's pattern
	// must have it (CheckPathParams).
	PathParam string
	// Machines says the rule accepts machine callers.
	Machines bool
}

// SpecOf reads a middleware.Rule. Package middleware sets it when it is
// initialised: this package cannot name middleware.Rule without an import
// cycle, and the Rule's fields stay unexported so that only its
// constructors make rules. (The same pattern as grpc's internal hooks.)
var SpecOf func(rule any) Spec
