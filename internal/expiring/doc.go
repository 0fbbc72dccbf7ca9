// Package expiring is the module's one bounded map of expiring entries: the
// caches and sets that must forget on their own and never grow past a bound
// (policy's warn-once set; middleware's opaque-token answers and revoked
// sessions).
//
// Each entry has its own expiry, an absolute time on the Map's clock (a
// Now function, so tests and emulators can move it). An expired entry is
// never returned, and is dropped at the latest when a later write needs its
// room; no goroutine runs, so there is nothing to stop.
//
// When the Map holds size live entries, a write of a new key does what
// WhenFull says:
//
//   - RejectNew leaves the Map as it is and returns ErrFull: the new entry
//     is not admitted until some expire. For a cache of answers (a full
//     cache costs upstream calls, never correctness, and a flood of new keys
//     cannot push out the entries in use).
//   - EvictSoonest forgets the entry that expires first to make room. For a
//     set whose newest entries matter most (a revocation just made must
//     hold; the one closest to its natural end is the least loss).
//
// Keys are whatever the user hashes them to: a SHA-256 digest ([32]byte)
// for a credential, which must never be stored raw, or a short string.
//
// go-cache, which the module used before, is not underneath: it has no size
// bound, reads the wall clock only, and copies the whole map to list it.
package expiring
