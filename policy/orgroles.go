package policy

import "github.com/stytchmw/stytchmw/client"

// orgRoles is an organization's custom roles, compiled: for each resource
// and action, the custom roles that grant it. It holds no resource
// definitions (the project policy defines the resources, and says whether
// a check names an unknown one), so a project policy change never needs it
// compiled again. Immutable once built.
type orgRoles struct {
	resources map[string]*orgResource
	count     int // custom roles, for the log
}

type orgResource struct {
	actions  map[string]*grantSet // each holds the wildcard's roles too
	wildcard grantSet             // the roles granting "*"
}

// compileOrgRoles compiles an organization's custom roles. A role of the
// same name as a project role adds its permissions to it, as Stytch's
// evaluation (project roles followed by the organization's) does.
func compileOrgRoles(roles []client.PolicyRole) *orgRoles {
	o := &orgRoles{resources: make(map[string]*orgResource), count: len(roles)}
	for _, role := range roles {
		for _, perm := range role.Permissions {
			r := o.resources[perm.ResourceID]
			if r == nil {
				r = &orgResource{actions: make(map[string]*grantSet)}
				o.resources[perm.ResourceID] = r
			}
			for _, a := range perm.Actions {
				if a == "*" {
					r.wildcard.add(role.RoleID)
					continue
				}
				g := r.actions[a]
				if g == nil {
					g = &grantSet{}
					r.actions[a] = g
				}
				g.add(role.RoleID)
			}
		}
	}
	for _, r := range o.resources {
		for _, g := range r.actions {
			for _, id := range r.wildcard.roles {
				g.add(id)
			}
		}
	}
	return o
}

// lookup returns the custom roles granting action on resourceID; nil when
// none may (a nil orgRoles has none).
func (o *orgRoles) lookup(resourceID, action string) *grantSet {
	if o == nil {
		return nil
	}
	r := o.resources[resourceID]
	if r == nil {
		return nil
	}
	if g := r.actions[action]; g != nil {
		return g
	}
	if len(r.wildcard.roles) == 0 {
		return nil
	}
	return &r.wildcard
}
