package stytchgrpc

import (
	"google.golang.org/grpc"

	"github.com/stytchmw/stytchmw/internal/routeguard"
)

// AuditError is the finding of an audit: the registered methods without a
// rule (Unmapped) and the rules matching no registered method (Unused),
// both sorted full method names.
type AuditError = routeguard.AuditError

// Audit compares the table with the methods registered on a server, as
// its GetServiceInfo reports them, and returns an *AuditError listing the
// methods without a rule and the rules matching no method, or nil when
// every method has a rule and every rule a method. Run it in a test or at
// start-up, after registering every service (health and reflection
// included), so that an unprotected method fails the build or the deploy:
//
//	if err := table.Audit(srv.GetServiceInfo()); err != nil { log.Fatal(err) }
func (t *MethodTable) Audit(services map[string]grpc.ServiceInfo) error {
	var unmapped, unused []string
	registered := make(map[string]bool)
	for name, info := range services {
		for _, m := range info.Methods {
			method := "/" + name + "/" + m.Name
			registered[method] = true
			if _, ok := t.entries[method]; !ok {
				unmapped = append(unmapped, method)
			}
		}
	}
	for method := range t.entries {
		if !registered[method] {
			unused = append(unused, method)
		}
	}
	return routeguard.Audit(unmapped, unused)
}
