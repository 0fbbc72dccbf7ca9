package peers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
)

// recordingTB collects the failures of a check instead of failing the test.
type recordingTB struct {
	testing.TB
	failures []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// TestCheckCasesCatchesBadSubjects shows that the check every benchmark
// runs first fails a subject that accepts everything, and one that asks the
// API about every token.
func TestCheckCasesCatchesBadSubjects(t *testing.T) {
	acceptAll := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(cases[0].UserID + " " + fixture.Roles[0]))
	})
	fetchThenRefuse := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		resp, err := http.Get(env.JWKSURL())
		if err == nil {
			resp.Body.Close()
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	for _, tc := range []struct {
		name    string
		handler http.Handler
		want    []string // a word of each failure, in case order
	}{
		{"accepts everything", acceptAll, []string{"tampered", "wrong-iss", "wrong-aud", "expired"}},
		{"asks the API", fetchThenRefuse, []string{"valid", "tampered", "wrong-iss", "wrong-aud"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			checkCases(rec, tc.name, serveHTTP(tc.handler), cases)
			if len(rec.failures) != len(tc.want) {
				t.Fatalf("failures %q, want one each for %v", rec.failures, tc.want)
			}
			for i, word := range tc.want {
				if !strings.Contains(rec.failures[i], word+" token") {
					t.Errorf("failure %d = %q, want it about %s", i, rec.failures[i], word)
				}
			}
		})
	}
	http.DefaultClient.CloseIdleConnections()
}
