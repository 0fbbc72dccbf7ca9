package middleware

import "testing"

// TestStatus: without a fleet, Status has none and is ready; after
// Close nothing is ready.
func TestStatus(t *testing.T) {
	e := newEnv(t, envOptions{})
	if st := e.auth.Status(); st.Fleet != nil || !st.Ready() || !st.KeysLoaded {
		t.Fatalf("Status = %+v, want ready, keys loaded, no fleet", st)
	}
	_ = e.auth.Close()
	if st := e.auth.Status(); st.Ready() || !st.Closed {
		t.Fatalf("Status after Close = %+v, want closed", st)
	}
}
