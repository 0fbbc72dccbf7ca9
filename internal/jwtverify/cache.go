package jwtverify

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// tokenCache remembers verified tokens by the SHA-256 of the token (never
// the token itself), so that a token seen before costs a hash and a map
// lookup instead of a signature check. It is bounded: at most size entries,
// spread over shards so that parallel requests rarely share a lock. When a
// shard is full, an insertion samples a few entries (Go's map iteration
// starts at a random place) and evicts an expired one, or else the one that
// expires first among them: constant work, and an approximation of
// "evict what is about to become useless anyway".
//
// A token enters the cache on its second verification, not its first: a
// doorkeeper remembers a fingerprint of each token verified once. Tokens
// seen only once (a crowd of users making one request each, a benchmark of
// first sights) then never occupy the cache, and the garbage collector does
// not have to trace thousands of retained sessions that will not be asked
// for again; retaining them cost about a fifth more CPU per first sight
// under parallel load (bench/, FirstSightParallel). A token used twice costs
// one more signature check in its life, then a lookup.
type tokenCache struct {
	shards   []cacheShard
	perShard int
	// seen is the doorkeeper: slot i holds a fingerprint of the last token
	// whose hash maps to i. It holds no pointer, so the collector skips it,
	// and a collision only makes a token wait for one more sight.
	seen     []atomic.Uint64
	seenMask uint64
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[[32]byte]*verified
	_       [32]byte // keep shards on separate cache lines
}

// evictionSample is how many entries an insertion into a full shard looks at.
const evictionSample = 8

// maxShards bounds the number of shards.
const maxShards = 16

func newTokenCache(size int) *tokenCache {
	n := min(maxShards, size)
	slots := 1 << min(20, bits.Len(uint(2*size-1))) // a power of two ≥ 2×size, at most 1 Mi (8 MiB)
	c := &tokenCache{
		shards:   make([]cacheShard, n),
		perShard: size / n,
		seen:     make([]atomic.Uint64, slots),
		seenMask: uint64(slots - 1),
	}
	for i := range c.shards {
		c.shards[i].entries = make(map[[32]byte]*verified)
	}
	return c
}

func (c *tokenCache) shard(key *[32]byte) *cacheShard {
	return &c.shards[int(key[0])%len(c.shards)]
}

// admit reports whether the token of key was verified before (so it is worth
// caching now), and remembers it otherwise.
func (c *tokenCache) admit(key *[32]byte) bool {
	slot := &c.seen[binary.LittleEndian.Uint64(key[0:8])&c.seenMask]
	fingerprint := binary.LittleEndian.Uint64(key[8:16]) | 1 // never the empty slot's 0
	if slot.Load() == fingerprint {
		return true
	}
	slot.Store(fingerprint)
	return false
}

// get returns the entry of key, or nil.
func (c *tokenCache) get(key *[32]byte) *verified {
	s := c.shard(key)
	s.mu.RLock()
	v := s.entries[*key]
	s.mu.RUnlock()
	return v
}

// put stores v under key, evicting an entry when the shard is full.
func (c *tokenCache) put(key *[32]byte, v *verified, now time.Time) {
	s := c.shard(key)
	s.mu.Lock()
	if _, ok := s.entries[*key]; !ok && len(s.entries) >= c.perShard {
		s.evict(now)
	}
	s.entries[*key] = v
	s.mu.Unlock()
}

func (s *cacheShard) evict(now time.Time) {
	var (
		victim   [32]byte
		earliest time.Time
		seen     int
	)
	for k, v := range s.entries {
		if !now.Before(v.deadline) {
			delete(s.entries, k)
			return
		}
		if seen == 0 || v.deadline.Before(earliest) {
			victim, earliest = k, v.deadline
		}
		if seen++; seen == evictionSample {
			break
		}
	}
	delete(s.entries, victim)
}

// len returns the number of entries, for tests and measurements.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}
