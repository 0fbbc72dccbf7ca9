package jwtverify

import "reflect"

// organizationClaim is the https://stytch.com/organization claim of a B2B
// project's tokens. It is read by the scanner, not encoding/json; its shape
// makes the scanner refuse members named like its fields in another case.
type organizationClaim struct {
	OrganizationID string `json:"organization_id"`
	Slug           string `json:"slug"`
}

var organizationShape = shapeOf(reflect.TypeFor[organizationClaim]())

// parseOrganization reads the organization claim's raw value, which the
// scanner has validated (no duplicate, no case variant of a field): an
// object with organization_id and slug, non-empty printable-ASCII strings
// (Stytch's ids and slugs are ASCII; the middleware compares them with
// route parameters). Other members are ignored, as in the session claim.
// The strings alias raw; nothing is allocated.
func parseOrganization(raw []byte) (id, slug string, err error) {
	m, err := newMembers(raw)
	if err != nil {
		return "", "", fail(ErrOrganization, "not an object")
	}
	var hasID, hasSlug bool
	for {
		name, value, ok, err := m.next()
		if err != nil {
			return "", "", fail(ErrOrganization, err.Error())
		}
		if !ok {
			break
		}
		switch name {
		case "organization_id":
			id, hasID = stringValue(value)
		case "slug":
			slug, hasSlug = stringValue(value)
		}
	}
	switch {
	case !hasID || id == "" || !printableASCII(id):
		return "", "", fail(ErrOrganization, "organization_id is missing, empty or not a printable ASCII string")
	case !hasSlug || slug == "" || !printableASCII(slug):
		return "", "", fail(ErrOrganization, "slug is missing, empty or not a printable ASCII string")
	}
	return id, slug, nil
}
