package redisfleet

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/internal/redistest"
)

// BenchmarkAnswer measures a shared answer's round trip to a local Redis:
// what a replica pays instead of a call to Stytch. The payload is 4 KB,
// about Stytch's answer for a user with one email.
func BenchmarkAnswer(b *testing.B) {
	srv := redistest.Start(b)
	s := newStore(b, srv)
	ready(b, s)
	payload := bytes.Repeat([]byte("x"), 4096)
	key := credentialKey("token")
	deadline := time.Now().Add(time.Hour)
	ctx := context.Background()
	b.Run("Set", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.SetAnswer(ctx, key, payload, deadline); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := s.GetAnswer(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetParallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := s.GetAnswer(ctx, key); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
