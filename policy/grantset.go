package policy

// linearMax is the size up to which a grantSet is searched by comparing
// strings, which beats hashing for the handful of roles a permission
// usually has.
const linearMax = 8

// grantSet is a set of role ids that grant one permission.
type grantSet struct {
	roles  []string            // distinct, in policy order
	lookup map[string]struct{} // built once roles outgrows linearMax
}

// has reports whether role is in the set; a nil set holds nothing.
func (g *grantSet) has(role string) bool {
	if g == nil {
		return false
	}
	if g.lookup != nil {
		_, ok := g.lookup[role]
		return ok
	}
	for _, r := range g.roles {
		if r == role {
			return true
		}
	}
	return false
}

func (g *grantSet) add(role string) {
	if g.has(role) {
		return
	}
	g.roles = append(g.roles, role)
	switch {
	case g.lookup != nil:
		g.lookup[role] = struct{}{}
	case len(g.roles) > linearMax:
		g.lookup = make(map[string]struct{}, 2*len(g.roles))
		for _, r := range g.roles {
			g.lookup[r] = struct{}{}
		}
	}
}
