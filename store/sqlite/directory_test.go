package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/storetest"
)

// SPEC S9.2: a user linked to a directory entry is found by its stable id;
// the id is unique; a rename keeps the row (and so the tokens).
func TestDirectoryLinkAndRename(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	alice := &store.User{Name: "alice", DirectoryID: "guid-a"}
	if err := db.CreateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &store.User{Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(ctx, &store.Token{UserID: alice.ID, Type: store.TokenOATH, Serial: "T1", Seed: []byte("seed")}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &store.User{Name: "carol", DirectoryID: "guid-a"}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second user with the same directory id: %v, want store.ErrExists", err)
	}
	u, err := db.UserByDirectoryID(ctx, "guid-a")
	if err != nil || u.Name != "alice" || u.DirectoryID != "guid-a" {
		t.Fatalf("UserByDirectoryID = %+v, %v", u, err)
	}
	for _, id := range []string{"", "guid-x"} {
		if _, err := db.UserByDirectoryID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserByDirectoryID(%q) = %v, want store.ErrNotFound", id, err)
		}
	}

	if err := db.SetDirectoryID(ctx, "bob", "guid-a"); !errors.Is(err, store.ErrExists) {
		t.Fatalf("linking bob to alice's id: %v, want store.ErrExists", err)
	}
	if err := db.SetDirectoryID(ctx, "nobody", "guid-n"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("linking an unknown user: %v, want store.ErrNotFound", err)
	}
	if err := db.SetDirectoryID(ctx, "bob", "guid-b"); err != nil {
		t.Fatal(err)
	}
	if u, err := db.UserByName(ctx, "bob"); err != nil || u.DirectoryID != "guid-b" {
		t.Fatalf("bob after linking: %+v, %v", u, err)
	}

	if err := db.RenameUser(ctx, "alice", "bob"); !errors.Is(err, store.ErrExists) {
		t.Fatalf("rename onto a taken name: %v, want store.ErrExists", err)
	}
	if err := db.RenameUser(ctx, "nobody", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rename an unknown user: %v, want store.ErrNotFound", err)
	}
	if err := db.RenameUser(ctx, "alice", "alice.smith"); err != nil {
		t.Fatal(err)
	}
	u, err = db.UserByDirectoryID(ctx, "guid-a")
	if err != nil || u.Name != "alice.smith" || u.ID != alice.ID {
		t.Fatalf("after rename: %+v, %v", u, err)
	}
	if toks, err := db.TokensByUser(ctx, u.ID); err != nil || len(toks) != 1 || toks[0].Serial != "T1" {
		t.Fatalf("tokens after rename: %+v, %v", toks, err)
	}

	if err := db.SetDirectoryID(ctx, "bob", ""); err != nil {
		t.Fatal(err)
	}
	if err := db.SetDirectoryID(ctx, "alice.smith", ""); err != nil {
		t.Fatalf("two unlinked users (empty ids are not unique): %v", err)
	}
}

// Migration 5 keeps users of a version 4 database, unlinked.
func TestMigrationAddsDirectoryID(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v4.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := migrate(ctx, raw, migrations()[:4]); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO users (name, created_at) VALUES ('old', 1), ('older', 1)`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, storetest.KeySealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.UserByName(ctx, "old")
	if err != nil || u.DirectoryID != "" {
		t.Fatalf("user from version 4: %+v, %v", u, err)
	}
	if err := s.SetDirectoryID(ctx, "old", "guid-old"); err != nil {
		t.Fatal(err)
	}
}
