package docstore_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/examples/internal/docstore"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)

func fixedClock() time.Time { return epoch }

func TestCreateValidates(t *testing.T) {
	tests := []struct {
		name        string
		title, body string
		wantErr     error
	}{
		{"title and body", "Plan", "text", nil},
		{"empty body", "Plan", "", nil},
		{"title at the limit", strings.Repeat("t", docstore.MaxTitleBytes), "", nil},
		{"body at the limit", "Plan", strings.Repeat("b", docstore.MaxBodyBytes), nil},
		{"no title", "", "text", docstore.ErrInvalid},
		{"title too long", strings.Repeat("t", docstore.MaxTitleBytes+1), "", docstore.ErrInvalid},
		{"body too long", "Plan", strings.Repeat("b", docstore.MaxBodyBytes+1), docstore.ErrInvalid},
		{"title not UTF-8", "\xff", "", docstore.ErrInvalid},
		{"body not UTF-8", "Plan", "\xfe", docstore.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := docstore.New(fixedClock)
			d, err := s.Create("user-1", tt.title, tt.body)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Create error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if n := len(s.List()); n != 0 {
					t.Fatalf("a refused document was stored: %d documents", n)
				}
				return
			}
			want := docstore.Document{ID: "doc-1", Title: tt.title, Body: tt.body, OwnerID: "user-1",
				CreatedAt: epoch.Truncate(time.Second)}
			if d != want {
				t.Fatalf("Create = %+v, want %+v", d, want)
			}
		})
	}
}

func TestIDsFollowCreationAndAreNeverReused(t *testing.T) {
	s := docstore.New(nil)
	for i := 1; i <= 3; i++ {
		if _, err := s.Create("u", fmt.Sprint("doc ", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete("doc-3"); err != nil {
		t.Fatal(err)
	}
	d, err := s.Create("u", "after delete", "")
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "doc-4" {
		t.Fatalf("id after a delete = %q, want doc-4 (ids are never reused)", d.ID)
	}
	if got := ids(s.List()); got != "doc-1 doc-2 doc-4" {
		t.Fatalf("List = %s, want doc-1 doc-2 doc-4", got)
	}
}

func TestDelete(t *testing.T) {
	s := docstore.New(fixedClock)
	if _, err := s.Create("u", "a", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("doc-1"); err != nil {
		t.Fatalf("Delete(doc-1) = %v", err)
	}
	for _, id := range []string{"doc-1", "doc-2", "", "../doc-1"} {
		if err := s.Delete(id); !errors.Is(err, docstore.ErrNotFound) {
			t.Errorf("Delete(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func TestListIsACopy(t *testing.T) {
	s := docstore.New(fixedClock)
	if _, err := s.Create("u", "a", ""); err != nil {
		t.Fatal(err)
	}
	list := s.List()
	list[0].Title = "changed"
	if got := s.List()[0].Title; got != "a" {
		t.Fatalf("changing List's result changed the store: title %q", got)
	}
	if empty := docstore.New(nil).List(); empty == nil || len(empty) != 0 {
		t.Fatalf("List of an empty store = %#v, want an empty non-nil slice (JSON [])", empty)
	}
}

func TestStoreIsBounded(t *testing.T) {
	s := docstore.New(fixedClock)
	for i := range docstore.MaxDocuments {
		if _, err := s.Create("u", fmt.Sprint(i), ""); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
	}
	if _, err := s.Create("u", "one too many", ""); !errors.Is(err, docstore.ErrFull) {
		t.Fatalf("Create beyond MaxDocuments = %v, want ErrFull", err)
	}
	if err := s.Delete("doc-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("u", "room again", ""); err != nil {
		t.Fatalf("Create after a delete made room = %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := docstore.New(nil)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				d, err := s.Create("u", fmt.Sprint(w, "-", i), "")
				if err != nil {
					t.Error(err)
					return
				}
				_ = s.List()
				if i%2 == 0 {
					if err := s.Delete(d.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := len(s.List()); n != 8*10 {
		t.Fatalf("%d documents left, want %d", n, 8*10)
	}
}

func ids(docs []docstore.Document) string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return strings.Join(out, " ")
}

// Example stores, lists and deletes documents.
func Example() {
	s := docstore.New(func() time.Time { return epoch })
	plan, _ := s.Create("user-test-1", "Plan", "Ship the examples.")
	_, _ = s.Create("user-test-1", "Notes", "")
	fmt.Println(plan.ID, plan.Title, plan.CreatedAt.Format(time.RFC3339))
	fmt.Println(s.Delete(plan.ID), ids(s.List()))
	fmt.Println(errors.Is(s.Delete(plan.ID), docstore.ErrNotFound))
	// Output:
	// doc-1 Plan 2026-01-02T03:04:05Z
	// <nil> doc-2
	// true
}
