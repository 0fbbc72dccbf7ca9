package client

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestIsReservedClaim(t *testing.T) {
	for _, name := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "https://stytch.com/session", "https://stytch.com/anything"} {
		if !IsReservedClaim(name) {
			t.Errorf("%q should be reserved", name)
		}
	}
	for _, name := range []string{"", "plan", "ISS", "role", "https://stytch.com", "https://example.com/session", "http://stytch.com/session"} {
		if IsReservedClaim(name) {
			t.Errorf("%q should not be reserved", name)
		}
	}
}

func TestPrepareCustomClaims(t *testing.T) {
	// The JSON of {"k":"<n x's>"} takes n+8 bytes.
	atLimit := strings.Repeat("x", MaxCustomClaimsBytes-8)
	cases := []struct {
		name    string
		in      CustomClaims
		want    CustomClaims
		wantErr ErrorType
	}{
		{"nil", nil, nil, ""},
		{"empty", CustomClaims{}, CustomClaims{}, ""},
		{"only reserved names", CustomClaims{"iss": "x", "https://stytch.com/session": 1}, nil, ""},
		{"reserved dropped, null kept", CustomClaims{"sub": "x", "plan": "pro", "gone": nil},
			CustomClaims{"plan": "pro", "gone": nil}, ""},
		{"exactly at the limit", CustomClaims{"k": atLimit}, CustomClaims{"k": atLimit}, ""},
		{"one byte over", CustomClaims{"k": atLimit + "x"}, nil, ErrCustomClaimsTooLarge},
		{"reserved claims do not count towards the limit", CustomClaims{"k": atLimit, "jti": strings.Repeat("y", 5000)},
			CustomClaims{"k": atLimit}, ""},
		{"not JSON", CustomClaims{"f": func() {}}, nil, ErrUnableToRepresentCustomClaims},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PrepareCustomClaims(tc.in)
			if tc.wantErr != "" {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) || len(got) > 0 && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
