package redisfleet_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/fleet/redisfleet"
	"github.com/stytchmw/stytchmw/middleware"
)

// A replica in fleet mode: its Authenticator shares revocations and
// Stytch's answers with the other replicas through Redis, under keys
// derived from the project's secret (which Redis never sees). The load
// balancer sends traffic only once the fleet's revocations are loaded.
// (Not run here: it needs a Redis; the package's tests run a real one.)
func Example() {
	secret := os.Getenv("STYTCH_SECRET")
	stytch, err := client.New(client.Config{ProjectID: os.Getenv("STYTCH_PROJECT_ID"), Secret: secret})
	if err != nil {
		log.Fatal(err)
	}
	opts, err := redis.ParseURL(os.Getenv("STYTCH_REDIS_URL")) // redis:// or rediss://
	if err != nil {
		log.Fatal(err)
	}
	store, err := redisfleet.New(redisfleet.Config{Redis: opts, Secret: []byte(secret)})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close() // after the Authenticator's Close: defers run last first

	// New waits, within ctx, for the fleet's revocations; it does not fail
	// while Redis is unreachable.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	auth, err := middleware.New(ctx, middleware.Config{Client: stytch, Fleet: store})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !auth.Status().Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.Handle("POST /logout", auth.Require(middleware.Authenticated())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := middleware.FromContext(r.Context())
		// Refused here at once, and on every other replica as soon as the
		// revocation reaches it through Redis.
		if err := auth.Revoke(r.Context(), a); err != nil {
			middleware.WriteError(w, r, middleware.CodeOf(err).Status(), err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	log.Fatal(http.ListenAndServe(":8080", mux))
}
