package jwtverify

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// shape is what the scanner knows of the Go value a JSON value is decoded
// into, as far as member names matter: a struct's fields by their exact
// JSON names, or an array's element shape. encoding/json matches member
// names to fields without regard to case; the scanner refuses, within a
// struct's object, any member whose name differs from a field's only in
// case, so that encoding/json then decodes each member by its exact name
// (duplicates being refused everywhere). A nil *shape is any other value:
// a string, a number, a map, a value that decodes itself.
type shape struct {
	// byLen holds a struct's fields, indexed by the length of their JSON
	// names: a member is found with an index and a string comparison or
	// two, cheaper than hashing its name (this runs for every member of
	// every session claim on a token's first sight). nil for an array.
	byLen [][]shapeField
	elem  *shape // an array's (slice's) elements
}

// shapeField is a struct field: its JSON name, the shape of its value, and
// its bit in a set of the fields an object has shown (0 for fields beyond
// the 64th, which are tracked with the names of unknown members instead).
type shapeField struct {
	name  string
	shape *shape
	bit   uint64
}

// sessionShape is the shape of the session claim, as the verifier decodes
// it.
var sessionShape = shapeOf(reflect.TypeFor[sessionClaim]())

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// shapeOf returns the shape of values of type t, decoded by encoding/json.
func shapeOf(t reflect.Type) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // it reads its own JSON (claimTime, time.Time: strings)
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &shape{}
		n := 0
		addFields(s, t, &n)
		return s
	case reflect.Slice, reflect.Array:
		if elem := shapeOf(t.Elem()); elem != nil {
			return &shape{elem: elem}
		}
	}
	return nil
}

// addFields adds the fields of struct type t to s, under the names
// encoding/json gives them; an untagged embedded struct's fields are
// promoted, as encoding/json does.
func addFields(s *shape, t reflect.Type, n *int) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(s, f.Type, n)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		for len(s.byLen) <= len(name) {
			s.byLen = append(s.byLen, nil)
		}
		var bit uint64
		if *n < 64 {
			bit = 1 << *n
		}
		*n++
		s.byLen[len(name)] = append(s.byLen[len(name)], shapeField{name: name, shape: shapeOf(f.Type), bit: bit})
	}
}

// member returns the field called name of an object of shape s (nil when
// there is none), or errCaseName when s is a struct's and name differs from
// one of its fields' only in case.
func (s *shape) member(name string) (*shapeField, error) {
	if s == nil || s.byLen == nil {
		return nil, nil
	}
	if len(name) < len(s.byLen) {
		fields := s.byLen[len(name)]
		for i := range fields {
			if fields[i].name == name {
				return &fields[i], nil
			}
		}
	}
	// Not a field. Folding may change a name's length (ſ folds to s), so
	// every field is compared.
	for _, fields := range s.byLen {
		for _, f := range fields {
			if strings.EqualFold(name, f.name) { // encoding/json's rule
				return nil, fmt.Errorf("%w: %s for %s", errCaseName, quoteShort(name), quoteShort(f.name))
			}
		}
	}
	return nil, nil
}

// element returns the shape of the elements of an array of shape s.
func (s *shape) element() *shape {
	if s == nil {
		return nil
	}
	return s.elem
}
