package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

func testUsers(t *testing.T, db *DB) {
	ctx := context.Background()
	bob := MustUser(t, db, "bob")
	alice := MustUser(t, db, "alice")
	if bob.ID == 0 || alice.ID == bob.ID || bob.CreatedAt.IsZero() {
		t.Fatalf("ids/created not set: %+v %+v", bob, alice)
	}
	WantErr(t, db.CreateUser(ctx, &store.User{Name: "bob"}), store.ErrExists)

	got, err := db.UserByName(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != bob.ID || got.PasswordHash != bob.PasswordHash || !got.CreatedAt.Equal(bob.CreatedAt) {
		t.Fatalf("UserByName = %+v, want %+v", got, bob)
	}
	_, err = db.UserByName(ctx, "carol")
	WantErr(t, err, store.ErrNotFound)

	users, err := db.ListUsers(ctx)
	if err != nil || len(users) != 2 || users[0].Name != "alice" || users[1].Name != "bob" {
		t.Fatalf("ListUsers = %+v, %v", users, err)
	}

	if err := db.SetPassword(ctx, "bob", "$argon2id$new"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetUserPolicy(ctx, "bob", "strict"); err != nil {
		t.Fatal(err)
	}
	got, _ = db.UserByName(ctx, "bob")
	if got.PasswordHash != "$argon2id$new" || got.Policy != "strict" {
		t.Fatalf("after updates: %+v", got)
	}
	WantErr(t, db.SetPassword(ctx, "carol", "x"), store.ErrNotFound)
	WantErr(t, db.SetUserPolicy(ctx, "carol", "x"), store.ErrNotFound)

	if err := db.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	WantErr(t, db.DeleteUser(ctx, "bob"), store.ErrNotFound)
	_, err = db.UserByName(ctx, "bob")
	WantErr(t, err, store.ErrNotFound)
	if err := db.CreateUser(ctx, &store.User{}); err == nil {
		t.Fatal("created a user without a name")
	}
	if list, err := db.Another(t).ListUsers(ctx); err != nil || len(list) != 1 {
		t.Fatalf("another handle sees %+v, %v", list, err)
	}
	t.Run("NamesIgnoreCase", func(t *testing.T) { testUserNamesIgnoreCase(t, db) })
}

// SPEC S4.6: user names are case-insensitive. "Zoë" is stored as "zoë";
// "ZOË", "zoë" spelt with a combining diaeresis and fullwidth "ＺＯＥ\u0308"
// find her, and none of them can be created beside her or renamed onto
// her.
func testUserNamesIgnoreCase(t *testing.T, db *DB) {
	ctx := context.Background()
	u := &store.User{Name: "Zoë"}
	if err := db.CreateUser(ctx, u); err != nil || u.Name != "zoë" {
		t.Fatalf("CreateUser(Zoë): name %q, %v; want zoë", u.Name, err)
	}
	for _, variant := range []string{"zoë", "ZOË", "zOË", "Zoe\u0308", "ＺＯＥ\u0308"} {
		WantErr(t, db.CreateUser(ctx, &store.User{Name: variant}), store.ErrExists)
		got, err := db.UserByName(ctx, variant)
		if err != nil || got.ID != u.ID || got.Name != "zoë" {
			t.Fatalf("UserByName(%q) = %+v, %v; want zoë", variant, got, err)
		}
		got, _, err = db.UserWithTokens(ctx, variant)
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserWithTokens(%q) = %+v, %v", variant, got, err)
		}
	}
	if err := db.SetPassword(ctx, "ZOË", "$argon2id$x"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetUserPolicy(ctx, "Zoe\u0308", "strict"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetDirectoryID(ctx, "ＺＯＥ\u0308", "guid-zoe"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.UserByName(ctx, "zoë"); err != nil || got.PasswordHash != "$argon2id$x" ||
		got.Policy != "strict" || got.DirectoryID != "guid-zoe" {
		t.Fatalf("after updates by other spellings: %+v, %v", got, err)
	}

	MustUser(t, db, "Bob2")
	WantErr(t, db.RenameUser(ctx, "bob2", "ZOË"), store.ErrExists)
	if err := db.RenameUser(ctx, "BOB2", "Robert"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.UserByName(ctx, "ROBERT"); err != nil || got.Name != "robert" {
		t.Fatalf("renamed: %+v, %v", got, err)
	}
	if err := db.RenameUser(ctx, "zoë", "ZOË"); err != nil {
		t.Fatalf("renaming a user to another spelling of its own name: %v", err)
	}
	if err := db.DeleteUser(ctx, "Zoe\u0308"); err != nil {
		t.Fatal(err)
	}
	_, err := db.UserByName(ctx, "zoë")
	WantErr(t, err, store.ErrNotFound)
}

// SPEC S9.2: a user linked to a directory entry is found by its stable id;
// one id links at most one user.
func testDirectoryLinks(t *testing.T, db *DB) {
	ctx := context.Background()
	linked := &store.User{Name: "dana", DirectoryID: "guid-1"}
	if err := db.CreateUser(ctx, linked); err != nil {
		t.Fatal(err)
	}
	got, err := db.UserByDirectoryID(ctx, "guid-1")
	if err != nil || got.ID != linked.ID || got.Name != "dana" || got.DirectoryID != "guid-1" {
		t.Fatalf("UserByDirectoryID = %+v, %v", got, err)
	}
	WantErr(t, db.CreateUser(ctx, &store.User{Name: "dana2", DirectoryID: "guid-1"}), store.ErrExists)

	// Any number of users have no link.
	erin, frank := MustUser(t, db, "erin"), MustUser(t, db, "frank")
	_, err = db.UserByDirectoryID(ctx, "")
	WantErr(t, err, store.ErrNotFound)
	_, err = db.UserByDirectoryID(ctx, "guid-unknown")
	WantErr(t, err, store.ErrNotFound)

	if err := db.SetDirectoryID(ctx, "erin", "guid-2"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.UserByDirectoryID(ctx, "guid-2"); err != nil || got.ID != erin.ID {
		t.Fatalf("after SetDirectoryID: %+v, %v", got, err)
	}
	WantErr(t, db.SetDirectoryID(ctx, "frank", "guid-2"), store.ErrExists)
	WantErr(t, db.SetDirectoryID(ctx, "nobody", "guid-3"), store.ErrNotFound)
	if err := db.SetDirectoryID(ctx, "erin", ""); err != nil {
		t.Fatal(err)
	}
	_, err = db.UserByDirectoryID(ctx, "guid-2")
	WantErr(t, err, store.ErrNotFound)
	if err := db.SetDirectoryID(ctx, "frank", "guid-2"); err != nil {
		t.Fatalf("id freed by unlinking: %v", err)
	}
	if got, _ := db.UserByName(ctx, "frank"); got.DirectoryID != "guid-2" || got.ID != frank.ID {
		t.Fatalf("UserByName after link: %+v", got)
	}
}

// A renamed user keeps its row: id, tokens, policy and counters.
func testRenameUser(t *testing.T, db *DB) {
	ctx := context.Background()
	u := MustUser(t, db, "old")
	tok := MustToken(t, db, u.ID, "S1")
	if err := db.SetUserPolicy(ctx, "old", "strict"); err != nil {
		t.Fatal(err)
	}
	countFailure(t, db, u.ID)
	MustUser(t, db, "taken")

	if err := db.RenameUser(ctx, "old", "new"); err != nil {
		t.Fatal(err)
	}
	got, err := db.UserByName(ctx, "new")
	if err != nil || got.ID != u.ID || got.Policy != "strict" || got.Failures != 1 {
		t.Fatalf("renamed user %+v, %v", got, err)
	}
	if list, err := db.TokensByUser(ctx, u.ID); err != nil || len(list) != 1 || list[0].ID != tok.ID {
		t.Fatalf("tokens after rename %+v, %v", list, err)
	}
	_, err = db.UserByName(ctx, "old")
	WantErr(t, err, store.ErrNotFound)
	WantErr(t, db.RenameUser(ctx, "new", "taken"), store.ErrExists)
	WantErr(t, db.RenameUser(ctx, "old", "other"), store.ErrNotFound)
	if err := db.RenameUser(ctx, "new", ""); err == nil {
		t.Fatal("renamed to the empty name")
	}
}

func testDeleteUserCascades(t *testing.T, db *DB) {
	ctx := context.Background()
	u := MustUser(t, db, "bob")
	tok := MustToken(t, db, u.ID, "S1")
	hash := sha256.Sum256([]byte("code"))
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: hash[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Activate(ctx, hash[:], &store.Device{ID: "dev1", PublicKey: []byte{1}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A second, pending activation must go too.
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: hash[1:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	_, err := db.TokenBySerial(ctx, "S1")
	WantErr(t, err, store.ErrNotFound)
	_, err = db.DeviceByID(ctx, "dev1")
	WantErr(t, err, store.ErrNotFound)
	for _, table := range []string{"tokens", "devices", "activations"} {
		var n int
		if db.Raw(t, "SELECT count(*) FROM "+table, &n); n != 0 {
			t.Fatalf("%s has %d rows after DeleteUser", table, n)
		}
	}
}

// Two nodes writing at once: every write lands, none fails.
func testConcurrentWritersTwoNodes(t *testing.T, db *DB) {
	ctx := context.Background()
	second := db.Another(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20*5*4)
	for i := range 20 {
		s := store.Store(db)
		if i%2 == 1 {
			s = second
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				name := fmt.Sprintf("u%d-%d", i, j)
				u := &store.User{Name: name}
				errs <- s.CreateUser(ctx, u)
				_, err := s.RecordFailure(ctx, u.ID, OneMoreFailure)
				errs <- err
				errs <- s.AppendAudit(ctx, &store.AuditRecord{LoginID: name, User: name, Outcome: "accept"})
				_, err = s.ListAudit(ctx, store.AuditQuery{User: name})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	users, err := db.ListUsers(ctx)
	if err != nil || len(users) != 100 {
		t.Fatalf("ListUsers: %d users, %v; want 100", len(users), err)
	}
}

// Closing and opening again (a restart, a rolling upgrade) keeps
// everything and re-running the migrations is harmless.
func testReopenKeepsData(t *testing.T, db *DB) {
	ctx := context.Background()
	u := MustUser(t, db, "bob")
	tok := MustToken(t, db, u.ID, "S1")
	db.Reopen(t)
	db.Reopen(t)
	got, err := db.UserByName(ctx, "bob")
	if err != nil || got.ID != u.ID {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if got, err := db.TokenBySerial(ctx, "S1"); err != nil || string(got.Seed) != string(tok.Seed) {
		t.Fatalf("token after reopen: %+v, %v", got, err)
	}
	// New ids do not collide with old ones.
	if v := MustUser(t, db, "carol"); v.ID == u.ID {
		t.Fatalf("id %d reused", v.ID)
	}
}
