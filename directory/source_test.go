package directory

import (
	"errors"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/sqlite"
)

// newUsers is a real SQLite store in a temp dir.
func newUsers(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.OpenDir(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// SPEC S9.2: a directory user needs no local record to be identified; the
// first token creates it, linked by the stable id; a rename in the
// directory keeps the record (and its tokens).
func TestSourceLinksByStableID(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	users := newUsers(t)
	src := NewSource(d, users, zerolog.Nop())

	id, err := src.Identify(ctx(t), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if id.User != nil || id.DN != slapdtest.UserDN("alice") || id.GroupPolicy != "strict" || id.Unusable() != auth.ReasonNoToken {
		t.Fatalf("before enrolment: %+v (unusable %q)", id, id.Unusable())
	}
	if got, err := src.Check(ctx(t), id, "alice-pw"); err != nil || got != "" {
		t.Fatalf("Check = %q, %v", got, err)
	}
	if _, err := users.UserByName(ctx(t), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a login created a local record: %v", err)
	}

	u, e, err := src.EnsureUser(ctx(t), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "alice" || u.DirectoryID != e.ID || u.PasswordHash != "" {
		t.Fatalf("created %+v for %+v", u, e)
	}
	if err := users.CreateToken(ctx(t), &store.Token{UserID: u.ID, Type: store.TokenOATH, Serial: "A1", Seed: []byte("s")}); err != nil {
		t.Fatal(err)
	}

	if err := s.Rename("alice", "alice.smith"); err != nil {
		t.Fatal(err)
	}
	id, err = src.Identify(ctx(t), "alice.smith")
	if err != nil {
		t.Fatal(err)
	}
	if id.User == nil || id.User.ID != u.ID || id.Unusable() != "" {
		t.Fatalf("renamed user not found by stable id: %+v", id)
	}
	if got, _ := src.Check(ctx(t), id, "alice-pw"); got != "" {
		t.Fatalf("renamed user's password: %q", got)
	}
	if id, _ := src.Identify(ctx(t), "alice"); id.DN != "" || id.Unusable() != auth.ReasonUnknownUser {
		t.Fatalf("the old name still resolves: %+v", id)
	}
	u2, _, err := src.EnsureUser(ctx(t), "alice.smith")
	if err != nil || u2.ID != u.ID || u2.Name != "alice.smith" {
		t.Fatalf("EnsureUser after the rename: %+v, %v", u2, err)
	}
	if toks, err := users.TokensByUser(ctx(t), u2.ID); err != nil || len(toks) != 1 {
		t.Fatalf("tokens after the rename: %v, %v", toks, err)
	}
}

// A local record of the same name made before the directory is linked on
// first use; one linked to another entry (a new person with an old name)
// is never used.
func TestSourceLinksOrRefusesExistingRecords(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	users := newUsers(t)
	src := NewSource(d, users, zerolog.Nop())
	if err := users.CreateUser(ctx(t), &store.User{Name: "bob", Policy: "vip"}); err != nil {
		t.Fatal(err)
	}
	if err := users.CreateUser(ctx(t), &store.User{Name: "star", DirectoryID: "someone-else"}); err != nil {
		t.Fatal(err)
	}
	id, err := src.Identify(ctx(t), "bob")
	if err != nil || id.User == nil || id.User.DirectoryID == "" || id.PolicyName() != "vip" {
		t.Fatalf("bob: %+v, %v", id, err)
	}
	if u, _ := users.UserByName(ctx(t), "bob"); u.DirectoryID != id.User.DirectoryID {
		t.Fatalf("link not stored: %+v", u)
	}
	id, err = src.Identify(ctx(t), "star")
	if err != nil || id.User != nil || id.Unusable() != ReasonLinkConflict {
		t.Fatalf("star: %+v, %v", id, err)
	}
	if got, _ := src.Check(ctx(t), id, "star-pw"); got != ReasonLinkConflict {
		t.Fatalf("star's check: %q", got)
	}
	if _, _, err := src.EnsureUser(ctx(t), "star"); !errors.Is(err, ErrLinkConflict) {
		t.Fatalf("EnsureUser(star) = %v", err)
	}
	if _, _, err := src.EnsureUser(ctx(t), "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("EnsureUser(nobody) = %v", err)
	}
}

// local_then_directory: a local user with a password of their own is
// checked locally (even with the directory down); anyone else in the
// directory.
func TestLocalThenDirectory(t *testing.T) {
	s := slapdtest.Run(t, seed)
	d, _ := newDirectory(t, s, nil)
	users := newUsers(t)
	pw := auth.NewPasswords(auth.Argon2Params{MemoryKiB: 64, Time: 1}, 2)
	hash, err := pw.Hash("local-pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.CreateUser(ctx(t), &store.User{Name: "ops", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	src := NewLocalThenDirectory(auth.NewLocalSource(users, pw), NewSource(d, users, zerolog.Nop()))
	check := func(name, password string) (auth.Reason, error) {
		id, err := src.Identify(ctx(t), name)
		if err != nil {
			return "", err
		}
		return src.Check(ctx(t), id, password)
	}
	cases := []struct {
		name, pw string
		want     auth.Reason
	}{
		{"ops", "local-pw", ""}, {"ops", "wrong", auth.ReasonBadPassword},
		{"alice", "alice-pw", auth.ReasonNoToken}, {"alice", "wrong", auth.ReasonBadPassword},
		{"nobody", "x", auth.ReasonUnknownUser},
	}
	for _, c := range cases {
		got, err := check(c.name, c.pw)
		if err == nil && got == "" {
			id, _ := src.Identify(ctx(t), c.name)
			got = id.Unusable()
		}
		if err != nil || got != c.want {
			t.Errorf("%s/%s: %q, %v; want %q", c.name, c.pw, got, err, c.want)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if got, err := check("ops", "local-pw"); err != nil || got != "" {
		t.Fatalf("local user with the directory down: %q, %v", got, err)
	}
	if _, err := check("alice", "alice-pw"); !errors.Is(err, auth.ErrDirectoryUnavailable) {
		t.Fatalf("directory user with the directory down: %v", err)
	}
}
