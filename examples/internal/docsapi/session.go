package docsapi

// SessionJWT is the seeded demo session's JWT in embedded mode, "" with a
// real Stytch project: for examples that print their own banner (the gRPC
// example).
func (d *Demo) SessionJWT() string {
	if d.demo == nil {
		return ""
	}
	return d.demo.grant.SessionJWT
}
