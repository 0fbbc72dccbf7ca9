// Package fleet describes what the replicas of one API share so that they
// behave as one: the sessions logged out on any of them, and Stytch's
// answers for credentials. The middleware depends on the Store interface
// alone; an implementation (redisfleet, on Redis) lives in its own package,
// so a program that does not run a fleet links none of it.
//
// A Store holds two things.
//
// Revocations. Publish tells every replica (this one included) that a
// session, or every session a user started before a moment, must be
// refused until Revocation.Until. Subscribe registers the function that
// applies them to the replica's memory: the request path reads that
// memory, never the Store. A Store delivers what the fleet holds when it
// first loads it (Ready reports that), what any replica publishes, and
// everything again after it was cut off (a reconnect reloads in full), so
// a replica misses nothing that lives in the Store. It keeps what it
// delivered until Until and writes it back when the Store lost its data,
// so a revocation outlives a restart of the shared store as long as one
// replica that saw it runs.
//
// Answers. GetAnswer and SetAnswer share Stytch's answer for a credential
// among replicas, under a key that identifies the credential without
// holding it (its SHA-256), until a deadline. An implementation must
// authenticate what it reads with a key the shared store does not hold:
// an entry it cannot authenticate, understand, or that is larger than
// allowed is refused with ErrCorrupt, never returned.
//
// Every method a request calls is bounded by a small timeout of the
// Store's; none panics on anything the shared store holds. Status says
// whether the feed is live, so the caller can apply its policy while it is
// not.
package fleet
