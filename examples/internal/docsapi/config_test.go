package docsapi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/examples/internal/docsapi"
)

func env(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		embedded    bool
		baseURL     string
		maxTokenAge time.Duration
		addr        string
	}{
		{"empty: embedded emulator", nil, true, "", 0, docsapi.DefaultAddr},
		{"project", map[string]string{"STYTCH_PROJECT_ID": "project-test-1", "STYTCH_SECRET": "s"}, false, "", 0, docsapi.DefaultAddr},
		{"project and API URL", map[string]string{"STYTCH_PROJECT_ID": "project-test-1", "STYTCH_SECRET": "s",
			"STYTCH_API_URL": "https://login.example.com"}, false, "https://login.example.com", 0, docsapi.DefaultAddr},
		{"max token age 0s", map[string]string{"STYTCH_MAX_TOKEN_AGE": "0s"}, true, "", time.Nanosecond, docsapi.DefaultAddr},
		{"max token age 1m, blanks trimmed", map[string]string{"STYTCH_MAX_TOKEN_AGE": " 1m "}, true, "", time.Minute, docsapi.DefaultAddr},
		{"ADDR", map[string]string{"ADDR": ":9090"}, true, "", 0, ":9090"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := docsapi.LoadConfig(env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Embedded() != tt.embedded || cfg.Stytch.BaseURL != tt.baseURL || cfg.Addr != tt.addr {
				t.Errorf("LoadConfig = embedded %v, base URL %q, addr %q; want %v, %q, %q",
					cfg.Embedded(), cfg.Stytch.BaseURL, cfg.Addr, tt.embedded, tt.baseURL, tt.addr)
			}
			if cfg.MaxTokenAge != tt.maxTokenAge {
				t.Errorf("MaxTokenAge = %s, want %s", cfg.MaxTokenAge, tt.maxTokenAge)
			}
		})
	}
}

func TestLoadConfigRefuses(t *testing.T) {
	for _, m := range []map[string]string{
		{"STYTCH_SECRET": "s"},
		{"STYTCH_PROJECT_ID": "project-test-1"},
		{"STYTCH_API_URL": "http://127.0.0.1:4010"},
		{"STYTCH_MAX_TOKEN_AGE": "5"},
		{"STYTCH_MAX_TOKEN_AGE": "-1m"},
	} {
		if _, err := docsapi.LoadConfig(env(m)); !errors.Is(err, docsapi.ErrConfig) {
			t.Errorf("LoadConfig(%v) = %v, want ErrConfig", m, err)
		}
	}
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	cfg, err := docsapi.LoadConfig(env(map[string]string{"STYTCH_PROJECT_ID": "project-test-1", "STYTCH_SECRET": "secret-test-hush"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, cfg); strings.Contains(out, "hush") {
			t.Errorf("Sprintf(%s) prints the secret: %s", verb, out)
		}
	}
}

// ExampleLoadConfig reads the examples' environment: here, the embedded
// emulator with every JWT checked by Stytch.
func ExampleLoadConfig() {
	cfg, err := docsapi.LoadConfig(env(map[string]string{"STYTCH_MAX_TOKEN_AGE": "0s"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Embedded(), cfg.MaxTokenAge, cfg.Addr)
	// Output: true 1ns 127.0.0.1:8080
}
