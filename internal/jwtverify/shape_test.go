package jwtverify

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// TestSessionShape: the shape of the session claim names every member the
// verifier decodes, at every depth, by the names Stytch signs; a name in
// another case is refused there, an unknown one is not.
func TestSessionShape(t *testing.T) {
	// at is the shape of the value at path ("[]": an array's elements).
	at := func(path ...string) *shape {
		s := sessionShape
		for _, name := range path {
			if name == "[]" {
				s = s.element()
			} else if f, _ := s.member(name); f != nil {
				s = f.shape
			} else {
				s = nil
			}
		}
		return s
	}
	for _, tc := range []struct {
		path []string
		name string
		err  error
	}{
		{nil, "roles", nil},
		{nil, "id", nil},
		{nil, "expires_at", nil},
		{nil, "Roles", errCaseName},
		{nil, "ROLES", errCaseName},
		{nil, "roleſ", errCaseName},
		{nil, "role", nil},
		{nil, "custom", nil},
		{[]string{"attributes"}, "ip_address", nil},
		{[]string{"attributes"}, "User_Agent", errCaseName},
		{[]string{"authentication_factors", "[]"}, "delivery_method", nil},
		{[]string{"authentication_factors", "[]"}, "EMAIL_FACTOR", errCaseName},
		{[]string{"authentication_factors", "[]", "email_factor"}, "email_address", nil},
		{[]string{"authentication_factors", "[]", "email_factor"}, "Email_Address", errCaseName},
		{[]string{"authentication_factors", "[]", "google_oauth_factor"}, "ID", errCaseName},
	} {
		s := at(tc.path...)
		if s == nil {
			t.Fatalf("%v: no shape", tc.path)
		}
		if _, err := s.member(tc.name); !errors.Is(err, tc.err) {
			t.Errorf("%v / %q: %v, want %v", tc.path, tc.name, err, tc.err)
		}
	}
	// Values that read their own JSON, and anything but structs and
	// arrays of them, have no shape: only duplicates are refused in them.
	for _, path := range [][]string{{"started_at"}, {"roles"}, {"authentication_factors", "[]", "last_authenticated_at"}} {
		if at(path...) != nil {
			t.Errorf("%v has a shape", path)
		}
	}
}

// TestShapeOfAWideStruct: beyond 64 fields, duplicates are still refused
// and case variants still caught (the set of names takes over from the
// bits).
func TestShapeOfAWideStruct(t *testing.T) {
	var fields []reflect.StructField
	for i := range 70 {
		fields = append(fields, reflect.StructField{
			Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[int](), Tag: reflect.StructTag(fmt.Sprintf(`json:"f%d"`, i)),
		})
	}
	sh := shapeOf(reflect.StructOf(fields))
	for in, want := range map[string]error{
		`{"f0":1,"f63":2,"f64":3,"f69":4,"x":5}`: nil,
		`{"f0":1,"f0":2}`:                        errDupName,
		`{"f63":1,"f63":2}`:                      errDupName,
		`{"f69":1,"f69":2}`:                      errDupName,
		`{"x":1,"x":2}`:                          errDupName,
		`{"F69":1}`:                              errCaseName,
	} {
		if _, err := skipValue([]byte(in), 0, 1, sh); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", in, err, want)
		}
	}
}
