// Package stytchchi puts Stytch authentication and RBAC authorization in
// front of a go-chi/chi/v5 router. (The package is named stytchchi so that it
// does not clash with chi itself in your imports; its directory is chi.)
//
// Two ways, which combine, with the Rule values of package middleware:
//
//   - Per route, with auth.Require(rule) in r.With(...) or in a route
//     group's Use: r.With(auth.Require(middleware.Permission("documents",
//     "delete"))).Delete("/documents/{id}", deleteDocument).
//   - From one RouteTable: rules keyed by method and chi route pattern
//     ("GET /documents/{id}"), and the router built from the table
//     (RouteTable.NewRouter), which puts each route's rule in front of its
//     handler when the route is registered. The pattern is the full one
//     chi.Context.RoutePattern reports, through Route, Mount and Group.
//     Since the rule goes with the handler, the rule enforced is always
//     that of the handler chi runs, whatever middleware anywhere in the
//     router does to the path, the method or the context. A route without
//     a rule is refused with 403 by default, so a route added without a
//     rule is closed rather than open; Audit walks the router (chi.Walk)
//     and lists such routes, so a test or a start-up check fails before one
//     ships; Validate checks every rule against the loaded RBAC policy, so
//     a misspelt resource or action is found before it denies every
//     request.
package stytchchi
