// Package fleetseal seals what a fleet store keeps in a shared store it
// does not trust: Stytch's answers and the revocations. Every key comes
// from a secret the replicas share and the shared store never sees
// (HKDF-SHA256, one key per purpose):
//
//   - Name turns the caller's key (the SHA-256 of a credential) into the
//     name of its entry, an HMAC: the shared store cannot even test
//     whether a token it knows is cached.
//   - Answers are encrypted and authenticated (AES-256-GCM, random nonce)
//     with their name and deadline inside the sealed data: an entry moved
//     to another name, replayed past its deadline, or written without the
//     key is refused. The shared store sees only names, sizes and
//     ciphertext.
//   - Revocations are sealed the same way under their own key, with a
//     nonce derived from their content (an HMAC, as SIV does), so that
//     sealing the same revocation twice gives the same bytes and writing
//     it back is idempotent.
//
// Sealed bytes start with a version byte; an unknown version is refused.
package fleetseal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/stytchmw/stytchmw/fleet"
)

// MinSecretBytes is the shortest secret Keys accepts.
const MinSecretBytes = 16

// version is the first byte of everything sealed here.
const version = 1

// Overhead is what sealing adds to a payload: the version, the nonce, the
// deadline and GCM's tag.
const Overhead = 1 + nonceSize + 8 + tagSize

const (
	nonceSize = 12
	tagSize   = 16
)

// Errors of Open*, all wrapping fleet.ErrCorrupt.
var (
	ErrVersion   = fmt.Errorf("%w: unknown version", fleet.ErrCorrupt)
	ErrMalformed = fmt.Errorf("%w: malformed", fleet.ErrCorrupt)
	ErrAuth      = fmt.Errorf("%w: not authentic (written without the key, or moved)", fleet.ErrCorrupt)
)

// Keys seal and open a fleet's entries. It is safe for concurrent use.
type Keys struct {
	answers     cipher.AEAD
	revocations cipher.AEAD
	nonceKey    []byte // derives the revocations' nonces
	nameKey     []byte // names entries
	// Namespace is a short name derived from the secret, so that fleets
	// with different secrets sharing one store do not read each other's
	// entries (which they could not open).
	Namespace string
}

// New derives the keys from secret.
func New(secret []byte) (*Keys, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("%w: the fleet's secret must have at least %d bytes", fleet.ErrInvalid, MinSecretBytes)
	}
	derive := func(info string) []byte {
		k, err := hkdf.Key(sha256.New, secret, nil, "stytchmw fleet v1 "+info, 32)
		if err != nil {
			panic(err) // only for lengths hkdf cannot produce; 32 always works
		}
		return k
	}
	k := &Keys{nonceKey: derive("revocation nonce"), nameKey: derive("name")}
	var err error
	if k.answers, err = newGCM(derive("answer")); err != nil {
		return nil, err
	}
	if k.revocations, err = newGCM(derive("revocation")); err != nil {
		return nil, err
	}
	ns := hmac.New(sha256.New, k.nameKey)
	ns.Write([]byte("namespace"))
	k.Namespace = hex.EncodeToString(ns.Sum(nil)[:6])
	return k, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Name is the name of key's entry: hex(HMAC-SHA256(name key, key)).
func (k *Keys) Name(key string) string {
	m := hmac.New(sha256.New, k.nameKey)
	m.Write([]byte(key))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// SealAnswer seals payload as the answer stored under name until
// deadline.
func (k *Keys) SealAnswer(name string, deadline time.Time, payload []byte) []byte {
	out := make([]byte, 1+nonceSize, Overhead+len(payload))
	out[0] = version
	nonce := out[1 : 1+nonceSize]
	rand.Read(nonce) // never fails (crypto/rand)
	plain := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint64(plain, uint64(deadline.UnixNano()))
	plain = append(plain, payload...)
	return k.answers.Seal(out, nonce, plain, answerAAD(name))
}

// OpenAnswer authenticates sealed as the answer stored under name and
// returns its payload and deadline. It does not compare the deadline with
// a clock: the caller does.
func (k *Keys) OpenAnswer(name string, sealed []byte) (payload []byte, deadline time.Time, err error) {
	plain, err := open(k.answers, sealed, answerAAD(name))
	if err != nil {
		return nil, time.Time{}, err
	}
	if len(plain) < 8 {
		return nil, time.Time{}, ErrMalformed
	}
	deadline = time.Unix(0, int64(binary.BigEndian.Uint64(plain)))
	return plain[8:], deadline, nil
}

func answerAAD(name string) []byte {
	return append([]byte("stytchmw fleet answer\x00"), name...)
}

var revocationAAD = []byte("stytchmw fleet revocation\x00")

// revocation plaintext: kind (1), until (8), not before (8), id.
const revocationHeader = 1 + 8 + 8

// SealRevocation seals r. The same r always gives the same bytes. r is
// not validated: kinds other than fleet's may be sealed (a store's own
// signals).
func (k *Keys) SealRevocation(r fleet.Revocation) []byte {
	id := r.ID()
	plain := make([]byte, revocationHeader, revocationHeader+len(id))
	plain[0] = byte(r.Kind)
	binary.BigEndian.PutUint64(plain[1:], uint64(r.Until.UnixNano()))
	var nb int64
	if !r.NotBefore.IsZero() {
		nb = r.NotBefore.UnixNano()
	}
	binary.BigEndian.PutUint64(plain[9:], uint64(nb))
	plain = append(plain, id...)

	m := hmac.New(sha256.New, k.nonceKey)
	m.Write(plain)
	out := make([]byte, 1, 1+nonceSize+len(plain)+tagSize)
	out[0] = version
	out = append(out, m.Sum(nil)[:nonceSize]...)
	return k.revocations.Seal(out, out[1:1+nonceSize], plain, revocationAAD)
}

// OpenRevocation authenticates sealed as a revocation and decodes it. The
// kind is not checked against fleet's: the caller does.
func (k *Keys) OpenRevocation(sealed []byte) (fleet.Revocation, error) {
	plain, err := open(k.revocations, sealed, revocationAAD)
	if err != nil {
		return fleet.Revocation{}, err
	}
	if len(plain) < revocationHeader || len(plain)-revocationHeader > fleet.MaxIDBytes {
		return fleet.Revocation{}, ErrMalformed
	}
	r := fleet.Revocation{
		Kind:  fleet.RevocationKind(plain[0]),
		Until: time.Unix(0, int64(binary.BigEndian.Uint64(plain[1:]))),
	}
	id := string(plain[revocationHeader:])
	if nb := int64(binary.BigEndian.Uint64(plain[9:])); nb != 0 {
		r.NotBefore = time.Unix(0, nb)
	}
	if r.Kind == fleet.UserLoggedOut {
		r.UserID = id
	} else {
		r.SessionID = id
	}
	return r, nil
}

func open(aead cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, ErrMalformed
	}
	if sealed[0] != version {
		return nil, fmt.Errorf("%w %d", ErrVersion, sealed[0])
	}
	if len(sealed) < 1+nonceSize+tagSize {
		return nil, ErrMalformed
	}
	plain, err := aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], aad)
	if err != nil {
		return nil, ErrAuth
	}
	return plain, nil
}
