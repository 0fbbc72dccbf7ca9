// Package stytchotel emits OpenTelemetry traces and metrics for stytchmw,
// through the OpenTelemetry API only: the program chooses the SDK and the
// exporters (or none: the global providers are no-ops until an SDK is
// installed). Nothing in middleware, client, chi or nethttp links
// OpenTelemetry; a program that does not use this package pays nothing.
//
// One Telemetry serves three places:
//
//   - Transport: a client span for every request to the Stytch API
//     (sessions/authenticate, the JWKS, the RBAC policy, …), following the
//     HTTP client semantic conventions v1.40.0, with stytch.endpoint naming
//     the operation; and the metrics stytchmw.remote.active_requests and
//     stytchmw.remote.duration.
//   - Observe: the middleware's decisions as stytchmw.decisions (by
//     outcome and refusal code), stytchmw.decision.duration (local or
//     remote verification) and stytchmw.session_cache.requests (hit, miss).
//   - ObserveStatus: gauges of the key set's and the policy's age and of
//     the fleet feed's state.
//
// Wiring it:
//
//	tel, err := stytchotel.New(stytchotel.Config{}) // the global providers
//	hc := &http.Client{Transport: tel.Transport(nil)}
//	c, err := client.New(client.Config{ProjectID: id, Secret: secret, HTTPClient: hc})
//	auth, err := middleware.New(ctx, middleware.Config{Client: c, HTTPClient: hc, Observer: tel.Observe})
//	defer tel.Close()
//
// What is never recorded: a token, the API secret, a header, a query
// string, a body, a user or member id. Ids in a URL path (organization,
// machine client, project) are replaced by their template unless
// Config.RecordPathIDs is set.
package stytchotel
