package expiring

import (
	"container/heap"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrFull is returned by a write that RejectNew refused, or by any write of
// a new key to a Map of size below 1.
var ErrFull = errors.New("expiring: map full")

// WhenFull says what a write of a new key does when the Map is full of
// live entries.
type WhenFull uint8

const (
	// RejectNew refuses the new entry (ErrFull) until some expire.
	RejectNew WhenFull = iota
	// EvictSoonest forgets the live entry that expires first.
	EvictSoonest
)

// Map is a bounded map of expiring entries, safe for concurrent use.
// Reads take a read lock (none at all while the Map is empty); writes
// take the lock and cost O(log n).
type Map[K comparable, V any] struct {
	size     int
	whenFull WhenFull
	now      func() time.Time

	count atomic.Int64 // len(entries), read first by Get

	mu      sync.RWMutex
	entries map[K]*entry[K, V]
	byTime  expiryHeap[K, V] // the same entries, soonest expiry first
}

type entry[K comparable, V any] struct {
	key   K
	value V
	until time.Time
	index int // in byTime
}

// New returns a Map that holds at most size entries (a size below 1
// admits none) and does whenFull when full. now is its clock (nil:
// time.Now).
func New[K comparable, V any](size int, whenFull WhenFull, now func() time.Time) *Map[K, V] {
	if now == nil {
		now = time.Now
	}
	return &Map[K, V]{size: size, whenFull: whenFull, now: now, entries: make(map[K]*entry[K, V])}
}

// Get returns k's value while its entry has not expired.
func (m *Map[K, V]) Get(k K) (v V, ok bool) {
	if m.count.Load() == 0 {
		return v, false
	}
	m.mu.RLock()
	e := m.entries[k]
	if e != nil && m.now().Before(e.until) {
		v, ok = e.value, true
	}
	m.mu.RUnlock()
	return v, ok
}

// Set stores v under k until until, replacing any entry k holds. An until
// not after now deletes k's entry. It returns ErrFull when k is new and
// the Map, full, refuses it.
func (m *Map[K, V]) Set(k K, v V, until time.Time) error { return m.write(k, v, until, modeSet) }

// Add stores v under k until until only if k holds no live entry, and
// returns ErrExists otherwise (or ErrFull as Set does). A caller that must
// act once per key (log once) acts when Add returns nil.
func (m *Map[K, V]) Add(k K, v V, until time.Time) error { return m.write(k, v, until, modeAdd) }

// Extend stores v under k until until, or until the later expiry k's live
// entry already has: an entry's life is never shortened. It returns ErrFull
// as Set does.
func (m *Map[K, V]) Extend(k K, v V, until time.Time) error {
	return m.write(k, v, until, modeExtend)
}

// ErrExists is Add's answer for a key that holds a live entry.
var ErrExists = errors.New("expiring: key present")

type writeMode uint8

const (
	modeSet writeMode = iota
	modeAdd
	modeExtend
)

func (m *Map[K, V]) write(k K, v V, until time.Time, mode writeMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if e := m.entries[k]; e != nil {
		if !now.Before(e.until) {
			m.deleteLocked(e) // expired: k is new again
		} else {
			switch {
			case mode == modeAdd:
				return ErrExists
			case mode == modeExtend && e.until.After(until):
				until = e.until
			case !now.Before(until):
				m.deleteLocked(e)
				return nil
			}
			e.value, e.until = v, until
			heap.Fix(&m.byTime, e.index)
			return nil
		}
	}
	if !now.Before(until) {
		return nil
	}
	if len(m.entries) >= m.size {
		m.dropExpiredLocked(now)
	}
	if len(m.entries) >= m.size {
		if m.whenFull == RejectNew || m.size < 1 {
			return ErrFull
		}
		m.deleteLocked(m.byTime[0])
	}
	e := &entry[K, V]{key: k, value: v, until: until}
	m.entries[k] = e
	heap.Push(&m.byTime, e)
	m.count.Store(int64(len(m.entries)))
	return nil
}

// Delete forgets k's entry.
func (m *Map[K, V]) Delete(k K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[k]; e != nil {
		m.deleteLocked(e)
	}
}

// DeleteFunc forgets every entry for which drop returns true (expired
// entries go too). It visits every entry under the write lock: for rare
// writes (a revocation dropping a session's answers), not a request path.
func (m *Map[K, V]) DeleteFunc(drop func(K, V) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for _, e := range m.entries {
		if !now.Before(e.until) || drop(e.key, e.value) {
			m.deleteLocked(e)
		}
	}
}

// Clear forgets every entry.
func (m *Map[K, V]) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.entries)
	clear(m.byTime) // let the entries be collected
	m.byTime = m.byTime[:0]
	m.count.Store(0)
}

// Len is the number of entries held, expired ones not yet dropped
// included.
func (m *Map[K, V]) Len() int { return int(m.count.Load()) }

// dropExpiredLocked drops the entries expired by now, soonest first.
func (m *Map[K, V]) dropExpiredLocked(now time.Time) {
	for len(m.byTime) > 0 && !now.Before(m.byTime[0].until) {
		m.deleteLocked(m.byTime[0])
	}
}

func (m *Map[K, V]) deleteLocked(e *entry[K, V]) {
	heap.Remove(&m.byTime, e.index)
	delete(m.entries, e.key)
	m.count.Store(int64(len(m.entries)))
}

// expiryHeap orders entries by expiry, soonest first (container/heap).
type expiryHeap[K comparable, V any] []*entry[K, V]

func (h expiryHeap[K, V]) Len() int           { return len(h) }
func (h expiryHeap[K, V]) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap[K, V]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap[K, V]) Push(x any) {
	e := x.(*entry[K, V])
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap[K, V]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
