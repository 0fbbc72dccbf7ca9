// Package docstore is the in-memory document store behind the example
// documents API (examples/chi and examples/nethttp). It stands in for the
// application's own data: the examples are about who may reach it, not
// about storing documents.
package docstore

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits of the store: every input is bounded.
const (
	// MaxDocuments is how many documents the store holds at most.
	MaxDocuments = 1000
	// MaxTitleBytes bounds a document's title.
	MaxTitleBytes = 200
	// MaxBodyBytes bounds a document's body.
	MaxBodyBytes = 16 << 10
)

// Errors of the store, matched with errors.Is.
var (
	// ErrNotFound: no document has the id.
	ErrNotFound = errors.New("docstore: document not found")
	// ErrInvalid: the document's title or body breaks a limit.
	ErrInvalid = errors.New("docstore: invalid document")
	// ErrFull: the store holds MaxDocuments already.
	ErrFull = errors.New("docstore: store is full")
)

// Document is one stored document, as the API answers it.
type Document struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	OwnerID   string    `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Store holds documents in creation order. Its zero value is not usable:
// create one with New. It is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu     sync.Mutex
	nextID int
	docs   []Document // creation order
}

// New returns an empty store whose documents are stamped with now
// (time.Now when nil). Ids are "doc-1", "doc-2", … in creation order, so
// the examples can print commands that name them.
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, nextID: 1}
}

// Create stores a new document owned by ownerID and returns it. The title
// must be non-empty; title and body must be UTF-8 and within their limits.
func (s *Store) Create(ownerID, title, body string) (Document, error) {
	switch {
	case title == "":
		return Document{}, fmt.Errorf("%w: title is required", ErrInvalid)
	case len(title) > MaxTitleBytes:
		return Document{}, fmt.Errorf("%w: title is longer than %d bytes", ErrInvalid, MaxTitleBytes)
	case len(body) > MaxBodyBytes:
		return Document{}, fmt.Errorf("%w: body is longer than %d bytes", ErrInvalid, MaxBodyBytes)
	case !utf8.ValidString(title) || !utf8.ValidString(body):
		return Document{}, fmt.Errorf("%w: title and body must be UTF-8", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.docs) >= MaxDocuments {
		return Document{}, fmt.Errorf("%w: it holds %d documents", ErrFull, MaxDocuments)
	}
	d := Document{
		ID:        "doc-" + strconv.Itoa(s.nextID),
		Title:     title,
		Body:      body,
		OwnerID:   ownerID,
		CreatedAt: s.now().UTC().Truncate(time.Second),
	}
	s.nextID++
	s.docs = append(s.docs, d)
	return d, nil
}

// List returns every document, oldest first, in a slice of its own.
func (s *Store) List() []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Document{}, s.docs...)
}

// Delete removes the document id, or returns ErrNotFound.
func (s *Store) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, d := range s.docs {
		if d.ID == id {
			s.docs = append(s.docs[:i], s.docs[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrNotFound, id)
}
