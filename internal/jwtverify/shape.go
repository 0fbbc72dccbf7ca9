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
	fields map[string]*shape // a struct's fields by JSON name
	elem   *shape            // an array's (slice's) elements
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
		s := &shape{fields: make(map[string]*shape, t.NumField())}
		addFields(s, t)
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
func addFields(s *shape, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(s, f.Type)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.fields[name] = shapeOf(f.Type)
	}
}

// member returns the shape of the member called name of an object of shape
// s, or errCaseName when s is a struct's and name differs from one of its
// fields' only in case.
func (s *shape) member(name string) (*shape, error) {
	if s == nil || s.fields == nil {
		return nil, nil
	}
	if f, ok := s.fields[name]; ok {
		return f, nil
	}
	for known := range s.fields {
		if strings.EqualFold(name, known) { // encoding/json's rule
			return nil, fmt.Errorf("%w: %s for %s", errCaseName, quoteShort(name), quoteShort(known))
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
