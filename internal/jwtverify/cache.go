package jwtverify

import (
	"sync"
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
// doorkeeper per shard remembers the hash of each token verified once. Tokens
// seen only once (a crowd of users making one request each, a benchmark of
// first sights) then never occupy the cache, and the garbage collector does
// not have to trace thousands of retained sessions that will not be asked
// for again; retaining them cost about a fifth more CPU per first sight
// under parallel load (bench/, FirstSightParallel). A token used twice costs
// one more signature check in its life, then a lookup.
type tokenCache struct {
	shards   []cacheShard
	perShard int
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[[32]byte]*verified
	// seen is the doorkeeper: the hashes of tokens verified once and not
	// yet cached. Its keys and values hold no pointer, so the collector
	// does not trace it. When it reaches perShard hashes it is emptied: a
	// flood of one-off tokens costs a bounded map, and a token in real use
	// that was forgotten is admitted at its next two verifications.
	seen map[[32]byte]struct{}
	_    [32]byte // keep shards on separate cache lines
}

// evictionSample is how many entries an insertion into a full shard looks at.
const evictionSample = 8

// maxShards bounds the number of shards.
const maxShards = 16

func newTokenCache(size int) *tokenCache {
	n := min(maxShards, size)
	c := &tokenCache{shards: make([]cacheShard, n), perShard: size / n}
	for i := range c.shards {
		c.shards[i].entries = make(map[[32]byte]*verified)
		c.shards[i].seen = make(map[[32]byte]struct{})
	}
	return c
}

func (c *tokenCache) shard(key *[32]byte) *cacheShard {
	return &c.shards[int(key[0])%len(c.shards)]
}

// get returns the entry of key, or nil.
func (c *tokenCache) get(key *[32]byte) *verified {
	s := c.shard(key)
	s.mu.RLock()
	v := s.entries[*key]
	s.mu.RUnlock()
	return v
}

// admit stores v under key if the token of key was verified before (the
// doorkeeper has its hash), evicting an entry when the shard is full, and
// otherwise only remembers the hash. It reports whether v was stored.
func (c *tokenCache) admit(key *[32]byte, v *verified, now time.Time) bool {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[*key]; !ok {
		if _, cached := s.entries[*key]; !cached {
			if len(s.seen) >= c.perShard {
				clear(s.seen)
			}
			s.seen[*key] = struct{}{}
			return false
		}
	}
	delete(s.seen, *key)
	s.put(key, v, now, c.perShard)
	return true
}

// put stores v under key, evicting an entry when the shard is full. The
// caller holds s.mu.
func (s *cacheShard) put(key *[32]byte, v *verified, now time.Time, perShard int) {
	if _, ok := s.entries[*key]; !ok && len(s.entries) >= perShard {
		s.evict(now)
	}
	s.entries[*key] = v
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
