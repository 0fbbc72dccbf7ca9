package fleetseal

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/fleet"
)

var secret = []byte("secret-test-0123456789abcdef0123")

func mustKeys(t testing.TB, s []byte) *Keys {
	t.Helper()
	k, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewRefusesShortSecret(t *testing.T) {
	if _, err := New(make([]byte, MinSecretBytes-1)); !errors.Is(err, fleet.ErrInvalid) {
		t.Fatalf("New(short) = %v, want ErrInvalid", err)
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	k := mustKeys(t, secret)
	name := k.Name("credential hash")
	deadline := time.Unix(1_700_000_000, 123)
	payload := []byte(`{"session":{"session_id":"s"}}`)
	sealed := k.SealAnswer(name, deadline, payload)
	if bytes.Contains(sealed, payload[2:9]) {
		t.Fatal("the sealed answer shows its payload")
	}
	if len(sealed) != Overhead+len(payload) {
		t.Fatalf("sealed %d bytes, want Overhead+%d", len(sealed), len(payload))
	}
	got, gotDeadline, err := k.OpenAnswer(name, sealed)
	if err != nil || !bytes.Equal(got, payload) || !gotDeadline.Equal(deadline) {
		t.Fatalf("OpenAnswer = %q, %v, %v", got, gotDeadline, err)
	}
	if again := k.SealAnswer(name, deadline, payload); bytes.Equal(again, sealed) {
		t.Fatal("two sealings of an answer are equal: the nonce is not random")
	}
}

func TestNameIsKeyed(t *testing.T) {
	a, b := mustKeys(t, secret), mustKeys(t, []byte("another-secret-0123456789abcdef"))
	if a.Name("k") == b.Name("k") || a.Name("k") == a.Name("l") || len(a.Name("k")) != 64 {
		t.Fatal("names must depend on the secret and the key, and be 64 hex digits")
	}
	if a.Namespace == b.Namespace {
		t.Fatal("namespaces must depend on the secret")
	}
}

// TestOpenAnswerRefuses: every alteration, another secret, another name
// and an unknown version are refused as corrupt.
func TestOpenAnswerRefuses(t *testing.T) {
	k := mustKeys(t, secret)
	other := mustKeys(t, []byte("another-secret-0123456789abcdef"))
	name := k.Name("a")
	sealed := k.SealAnswer(name, time.Now(), []byte("payload"))
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	cases := []struct {
		name   string
		sealed []byte
		under  string
		keys   *Keys
		want   error
	}{
		{"empty", nil, name, k, ErrMalformed},
		{"short", sealed[:10], name, k, ErrMalformed},
		{"version 2", append([]byte{2}, sealed[1:]...), name, k, ErrVersion},
		{"version 0", append([]byte{0}, sealed[1:]...), name, k, ErrVersion},
		{"nonce altered", flip(1), name, k, ErrAuth},
		{"ciphertext altered", flip(14), name, k, ErrAuth},
		{"tag altered", flip(len(sealed) - 1), name, k, ErrAuth},
		{"truncated", sealed[:len(sealed)-1], name, k, ErrAuth},
		{"moved to another name", sealed, k.Name("b"), k, ErrAuth},
		{"another secret", sealed, name, other, ErrAuth},
		{"a revocation", k.SealRevocation(fleet.Revocation{Kind: fleet.SessionRevoked, SessionID: "s", Until: time.Now()}), name, k, ErrAuth},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := c.keys.OpenAnswer(c.under, c.sealed)
			if !errors.Is(err, c.want) || !errors.Is(err, fleet.ErrCorrupt) {
				t.Fatalf("OpenAnswer = %v, want %v (and ErrCorrupt)", err, c.want)
			}
		})
	}
}

func TestRevocationRoundTrip(t *testing.T) {
	k := mustKeys(t, secret)
	until := time.Unix(1_700_000_300, 5)
	for _, r := range []fleet.Revocation{
		{Kind: fleet.SessionRevoked, SessionID: "session-test-1", Until: until},
		{Kind: fleet.UserLoggedOut, UserID: "user-test-1", NotBefore: time.Unix(1_700_000_000, 7), Until: until},
	} {
		sealed := k.SealRevocation(r)
		if bytes.Contains(sealed, []byte(r.ID())) {
			t.Fatal("the sealed revocation shows its id")
		}
		if !bytes.Equal(sealed, k.SealRevocation(r)) {
			t.Fatal("sealing the same revocation twice differs: write-back would not be idempotent")
		}
		got, err := k.OpenRevocation(sealed)
		if err != nil || got.Kind != r.Kind || got.ID() != r.ID() || !got.Until.Equal(r.Until) || !got.NotBefore.Equal(r.NotBefore) {
			t.Fatalf("OpenRevocation = %+v, %v; want %+v", got, err, r)
		}
		later := r
		later.Until = until.Add(time.Second)
		if bytes.Equal(sealed, k.SealRevocation(later)) {
			t.Fatal("different revocations seal the same")
		}
		if _, err := mustKeys(t, []byte("another-secret-0123456789abcdef")).OpenRevocation(sealed); !errors.Is(err, ErrAuth) {
			t.Fatalf("another secret opened it: %v", err)
		}
	}
}

// FuzzOpen: nothing a shared store holds makes Open* panic, and nothing
// but what was sealed with the key opens.
func FuzzOpen(f *testing.F) {
	k := mustKeys(f, secret)
	// Fixed times: the fuzzing workers seal their own seeds. An answer's
	// nonce is random, so a worker's seed answer is not this one: what
	// opens must be a genuine answer (payload "x" at that deadline).
	at := time.Unix(1_700_000_000, 0)
	answer := k.SealAnswer("n", at, []byte("x"))
	revocation := k.SealRevocation(fleet.Revocation{Kind: fleet.SessionRevoked, SessionID: "s", Until: at})
	f.Add(answer)
	f.Add(revocation)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, d, err := k.OpenAnswer("n", b); err == nil && (string(p) != "x" || !d.Equal(at)) {
			t.Fatalf("opened a forged answer %x", b)
		}
		if _, err := k.OpenRevocation(b); err == nil && !bytes.Equal(b, revocation) {
			t.Fatalf("opened a forged revocation %x", b)
		}
	})
}

func BenchmarkSealOpenAnswer(b *testing.B) {
	k := mustKeys(b, secret)
	name := k.Name("key")
	payload := bytes.Repeat([]byte("x"), 4096)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.OpenAnswer(name, k.SealAnswer(name, time.Now(), payload)); err != nil {
			b.Fatal(err)
		}
	}
}
