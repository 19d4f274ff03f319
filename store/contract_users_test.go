package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"
)

func testUsers(t *testing.T, db *contractDB) {
	ctx := context.Background()
	bob := mustUser(t, db, "bob")
	alice := mustUser(t, db, "alice")
	if bob.ID == 0 || alice.ID == bob.ID || bob.CreatedAt.IsZero() {
		t.Fatalf("ids/created not set: %+v %+v", bob, alice)
	}
	wantErr(t, db.CreateUser(ctx, &User{Name: "bob"}), ErrExists)

	got, err := db.UserByName(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != bob.ID || got.PasswordHash != bob.PasswordHash || !got.CreatedAt.Equal(bob.CreatedAt) {
		t.Fatalf("UserByName = %+v, want %+v", got, bob)
	}
	_, err = db.UserByName(ctx, "carol")
	wantErr(t, err, ErrNotFound)

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
	wantErr(t, db.SetPassword(ctx, "carol", "x"), ErrNotFound)
	wantErr(t, db.SetUserPolicy(ctx, "carol", "x"), ErrNotFound)

	if err := db.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.DeleteUser(ctx, "bob"), ErrNotFound)
	_, err = db.UserByName(ctx, "bob")
	wantErr(t, err, ErrNotFound)
	if err := db.CreateUser(ctx, &User{}); err == nil {
		t.Fatal("created a user without a name")
	}
	if list, err := db.another(t).ListUsers(ctx); err != nil || len(list) != 1 {
		t.Fatalf("another handle sees %+v, %v", list, err)
	}
	t.Run("NamesIgnoreCase", func(t *testing.T) { testUserNamesIgnoreCase(t, db) })
}

// SPEC S4.6: user names are case-insensitive. "Zoë" is stored as "zoë";
// "ZOË", "zoë" spelt with a combining diaeresis and fullwidth "ＺＯＥ\u0308"
// find her, and none of them can be created beside her or renamed onto
// her.
func testUserNamesIgnoreCase(t *testing.T, db *contractDB) {
	ctx := context.Background()
	u := &User{Name: "Zoë"}
	if err := db.CreateUser(ctx, u); err != nil || u.Name != "zoë" {
		t.Fatalf("CreateUser(Zoë): name %q, %v; want zoë", u.Name, err)
	}
	for _, variant := range []string{"zoë", "ZOË", "zOË", "Zoe\u0308", "ＺＯＥ\u0308"} {
		wantErr(t, db.CreateUser(ctx, &User{Name: variant}), ErrExists)
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

	mustUser(t, db, "Bob2")
	wantErr(t, db.RenameUser(ctx, "bob2", "ZOË"), ErrExists)
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
	wantErr(t, err, ErrNotFound)
}

// SPEC S9.2: a user linked to a directory entry is found by its stable id;
// one id links at most one user.
func testDirectoryLinks(t *testing.T, db *contractDB) {
	ctx := context.Background()
	linked := &User{Name: "dana", DirectoryID: "guid-1"}
	if err := db.CreateUser(ctx, linked); err != nil {
		t.Fatal(err)
	}
	got, err := db.UserByDirectoryID(ctx, "guid-1")
	if err != nil || got.ID != linked.ID || got.Name != "dana" || got.DirectoryID != "guid-1" {
		t.Fatalf("UserByDirectoryID = %+v, %v", got, err)
	}
	wantErr(t, db.CreateUser(ctx, &User{Name: "dana2", DirectoryID: "guid-1"}), ErrExists)

	// Any number of users have no link.
	erin, frank := mustUser(t, db, "erin"), mustUser(t, db, "frank")
	_, err = db.UserByDirectoryID(ctx, "")
	wantErr(t, err, ErrNotFound)
	_, err = db.UserByDirectoryID(ctx, "guid-unknown")
	wantErr(t, err, ErrNotFound)

	if err := db.SetDirectoryID(ctx, "erin", "guid-2"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.UserByDirectoryID(ctx, "guid-2"); err != nil || got.ID != erin.ID {
		t.Fatalf("after SetDirectoryID: %+v, %v", got, err)
	}
	wantErr(t, db.SetDirectoryID(ctx, "frank", "guid-2"), ErrExists)
	wantErr(t, db.SetDirectoryID(ctx, "nobody", "guid-3"), ErrNotFound)
	if err := db.SetDirectoryID(ctx, "erin", ""); err != nil {
		t.Fatal(err)
	}
	_, err = db.UserByDirectoryID(ctx, "guid-2")
	wantErr(t, err, ErrNotFound)
	if err := db.SetDirectoryID(ctx, "frank", "guid-2"); err != nil {
		t.Fatalf("id freed by unlinking: %v", err)
	}
	if got, _ := db.UserByName(ctx, "frank"); got.DirectoryID != "guid-2" || got.ID != frank.ID {
		t.Fatalf("UserByName after link: %+v", got)
	}
}

// A renamed user keeps its row: id, tokens, policy and counters.
func testRenameUser(t *testing.T, db *contractDB) {
	ctx := context.Background()
	u := mustUser(t, db, "old")
	tok := mustToken(t, db, u.ID, "S1")
	if err := db.SetUserPolicy(ctx, "old", "strict"); err != nil {
		t.Fatal(err)
	}
	countFailure(t, db, u.ID)
	mustUser(t, db, "taken")

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
	wantErr(t, err, ErrNotFound)
	wantErr(t, db.RenameUser(ctx, "new", "taken"), ErrExists)
	wantErr(t, db.RenameUser(ctx, "old", "other"), ErrNotFound)
	if err := db.RenameUser(ctx, "new", ""); err == nil {
		t.Fatal("renamed to the empty name")
	}
}

func testDeleteUserCascades(t *testing.T, db *contractDB) {
	ctx := context.Background()
	u := mustUser(t, db, "bob")
	tok := mustToken(t, db, u.ID, "S1")
	hash := sha256.Sum256([]byte("code"))
	if err := db.CreateActivation(ctx, &Activation{CodeHash: hash[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Activate(ctx, hash[:], &Device{ID: "dev1", PublicKey: []byte{1}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A second, pending activation must go too.
	if err := db.CreateActivation(ctx, &Activation{CodeHash: hash[1:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	_, err := db.TokenBySerial(ctx, "S1")
	wantErr(t, err, ErrNotFound)
	_, err = db.DeviceByID(ctx, "dev1")
	wantErr(t, err, ErrNotFound)
	for _, table := range []string{"tokens", "devices", "activations"} {
		var n int
		if db.raw(t, "SELECT count(*) FROM "+table, &n); n != 0 {
			t.Fatalf("%s has %d rows after DeleteUser", table, n)
		}
	}
}

// Two nodes writing at once: every write lands, none fails.
func testConcurrentWritersTwoNodes(t *testing.T, db *contractDB) {
	ctx := context.Background()
	second := db.another(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20*5*4)
	for i := range 20 {
		s := Store(db)
		if i%2 == 1 {
			s = second
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				name := fmt.Sprintf("u%d-%d", i, j)
				u := &User{Name: name}
				errs <- s.CreateUser(ctx, u)
				_, err := s.RecordFailure(ctx, u.ID, oneMoreFailure)
				errs <- err
				errs <- s.AppendAudit(ctx, &AuditRecord{LoginID: name, User: name, Outcome: "accept"})
				_, err = s.ListAudit(ctx, AuditQuery{User: name})
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
func testReopenKeepsData(t *testing.T, db *contractDB) {
	ctx := context.Background()
	u := mustUser(t, db, "bob")
	tok := mustToken(t, db, u.ID, "S1")
	db.reopen(t)
	db.reopen(t)
	got, err := db.UserByName(ctx, "bob")
	if err != nil || got.ID != u.ID {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if got, err := db.TokenBySerial(ctx, "S1"); err != nil || string(got.Seed) != string(tok.Seed) {
		t.Fatalf("token after reopen: %+v, %v", got, err)
	}
	// New ids do not collide with old ones.
	if v := mustUser(t, db, "carol"); v.ID == u.ID {
		t.Fatalf("id %d reused", v.ID)
	}
}
