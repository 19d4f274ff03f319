package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testDB is a SQLite store in a temporary directory.
type testDB struct {
	*SQLite
	path   string
	sealer *Sealer
}

func openTestDB(t testing.TB) *testDB {
	t.Helper()
	dir := t.TempDir()
	key, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	db := &testDB{path: filepath.Join(dir, "pushauth.db"), sealer: sealer}
	db.reopen(t)
	return db
}

// reopen opens the database file again (closing the current handle first).
func (db *testDB) reopen(t testing.TB) {
	t.Helper()
	if db.SQLite != nil {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := OpenSQLite(db.path, db.sealer)
	if err != nil {
		t.Fatal(err)
	}
	db.SQLite = s
	t.Cleanup(func() { s.Close() })
}

// raw opens the file directly, bypassing the store.
func (db *testDB) raw(t *testing.T) *sql.DB {
	t.Helper()
	r, err := sql.Open("sqlite", db.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func mustUser(t *testing.T, s Store, name string) *User {
	t.Helper()
	u := &User{Name: name, PasswordHash: "$argon2id$x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func mustToken(t *testing.T, s Store, userID int64, serial string) *Token {
	t.Helper()
	tok := &Token{
		UserID: userID, Type: TokenSoftToken, Serial: serial, Algorithm: OTPTOTP,
		Digits: 6, Period: 30, Seed: []byte("seed-of-" + serial), PushOn: true,
	}
	if err := s.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
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
}

func TestDeleteUserCascades(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	u := mustUser(t, db, "bob")
	tok := mustToken(t, db, u.ID, "S1")
	hash := sha256.Sum256([]byte("code"))
	if err := db.CreateActivation(ctx, &Activation{CodeHash: hash[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Activate(ctx, hash[:], &Device{ID: "dev1", PublicKey: []byte{1}}, time.Now()); err != nil {
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
		if err := db.raw(t).QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s has %d rows (%v) after DeleteUser", table, n, err)
		}
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	u := mustUser(t, db, "bob")
	wantErr(t, db.CreateToken(ctx, &Token{UserID: u.ID + 100, Type: TokenOATH, Serial: "X"}), ErrNotFound)

	tok := &Token{UserID: u.ID, Type: TokenOATH, Serial: "OATH1", Algorithm: OTPHOTP, Digits: 8,
		Seed: []byte("12345678901234567890"), LastStep: 42}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if tok.ID == 0 || tok.LastStep != -1 {
		t.Fatalf("created token %+v: want ID set and LastStep -1", tok)
	}
	wantErr(t, db.CreateToken(ctx, &Token{UserID: u.ID, Type: TokenOATH, Serial: "OATH1"}), ErrExists)
	mustToken(t, db, u.ID, "SOFT1")

	got, err := db.TokenBySerial(ctx, "OATH1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.UserID != u.ID || got.Type != TokenOATH || got.Algorithm != OTPHOTP ||
		got.Digits != 8 || !bytes.Equal(got.Seed, tok.Seed) || got.LastStep != -1 || got.PushOn ||
		got.Device != nil || !got.CreatedAt.Equal(tok.CreatedAt) {
		t.Fatalf("TokenBySerial = %+v, want %+v", got, tok)
	}
	_, err = db.TokenBySerial(ctx, "nope")
	wantErr(t, err, ErrNotFound)

	list, err := db.TokensByUser(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].Serial != "OATH1" || list[1].Serial != "SOFT1" || !list[1].PushOn {
		t.Fatalf("TokensByUser = %+v, %v", list, err)
	}
	if list, err := db.TokensByUser(ctx, u.ID+100); err != nil || len(list) != 0 {
		t.Fatalf("TokensByUser(unknown) = %+v, %v", list, err)
	}

	if err := db.DeleteToken(ctx, "OATH1"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.DeleteToken(ctx, "OATH1"), ErrNotFound)
	_, err = db.TokenBySerial(ctx, "OATH1")
	wantErr(t, err, ErrNotFound)
}

func TestSeedSealedAtRest(t *testing.T) {
	db := openTestDB(t)
	u := mustUser(t, db, "bob")
	tok := mustToken(t, db, u.ID, "S1")

	var raw []byte
	if err := db.raw(t).QueryRow(`SELECT seed_sealed FROM tokens WHERE id = ?`, tok.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, tok.Seed) {
		t.Fatalf("seed stored in plaintext: %q", raw)
	}
	opened, err := db.sealer.Open(raw)
	if err != nil || !bytes.Equal(opened, tok.Seed) {
		t.Fatalf("Open(raw) = %q, %v; want %q", opened, err, tok.Seed)
	}
	_, err = testSealer(t, 7).Open(raw)
	wantErr(t, err, ErrSealed)
}

func TestWrongKeyCannotReadSeeds(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	u := mustUser(t, db, "bob")
	mustToken(t, db, u.ID, "S1")
	db.Close()

	other, err := OpenSQLite(db.path, testSealer(t, 7))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.TokenBySerial(ctx, "S1")
	wantErr(t, err, ErrSealed)
}

func TestConsumeOTPStep(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	tok := mustToken(t, db, mustUser(t, db, "bob").ID, "S1")

	if err := db.ConsumeOTPStep(ctx, tok.ID, 0); err != nil {
		t.Fatalf("first step 0 (HOTP counter 0): %v", err)
	}
	if err := db.ConsumeOTPStep(ctx, tok.ID, 100); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.ConsumeOTPStep(ctx, tok.ID, 100), ErrOTPReused)
	wantErr(t, db.ConsumeOTPStep(ctx, tok.ID, 99), ErrOTPReused)
	wantErr(t, db.ConsumeOTPStep(ctx, tok.ID+100, 1000), ErrNotFound)

	db.reopen(t)
	wantErr(t, db.ConsumeOTPStep(ctx, tok.ID, 100), ErrOTPReused)
	got, err := db.TokenBySerial(ctx, "S1")
	if err != nil || got.LastStep != 100 {
		t.Fatalf("after reopen LastStep = %+v, %v; want 100", got, err)
	}
	if err := db.ConsumeOTPStep(ctx, tok.ID, 101); err != nil {
		t.Fatal(err)
	}
}

func TestConsumeOTPStepConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	tok := mustToken(t, db, mustUser(t, db, "bob").ID, "S1")

	const n = 20
	errs := make(chan error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- db.ConsumeOTPStep(ctx, tok.ID, 7)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrOTPReused):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d goroutines consumed step 7, want exactly 1", ok)
	}
}

func TestConcurrentWritersTwoHandles(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	second, err := OpenSQLite(db.path, db.sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()

	var wg sync.WaitGroup
	errs := make(chan error, 20*5*4)
	for i := range 20 {
		s := Store(db.SQLite)
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
				errs <- s.RecordLoginFailure(ctx, u.ID, 3, time.Now())
				errs <- s.AppendAudit(ctx, &AuditRecord{LoginID: name, User: name, Outcome: "accept"})
				_, err := s.ListAudit(ctx, AuditQuery{User: name})
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

func TestActivation(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	tok := mustToken(t, db, mustUser(t, db, "bob").ID, "S1")
	now := time.Now()
	code := sha256.Sum256([]byte("ABCD-EFGH"))

	wantErr(t, db.CreateActivation(ctx, &Activation{CodeHash: code[:], TokenID: tok.ID + 100, ExpiresAt: now.Add(time.Minute)}), ErrNotFound)
	if err := db.CreateActivation(ctx, &Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}

	dev := &Device{ID: "dev-1", Platform: "android", OSVersion: "14", PushKind: PushFCM,
		PushToken: "fcm-token", PublicKey: []byte{0x30, 0x59}}
	wrong := sha256.Sum256([]byte("wrong"))
	_, err := db.Activate(ctx, wrong[:], dev, now)
	wantErr(t, err, ErrActivation)

	got, err := db.Activate(ctx, code[:], dev, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.Device == nil || got.Device.ID != "dev-1" || got.Device.PushToken != "fcm-token" ||
		!bytes.Equal(got.Device.PublicKey, dev.PublicKey) || !got.Device.ActivatedAt.Equal(now) ||
		!bytes.Equal(got.Seed, tok.Seed) {
		t.Fatalf("Activate = %+v (device %+v)", got, got.Device)
	}
	_, err = db.Activate(ctx, code[:], &Device{ID: "dev-2"}, now)
	wantErr(t, err, ErrActivation)

	byDev, err := db.DeviceByID(ctx, "dev-1")
	if err != nil || byDev.Serial != "S1" || byDev.Device.OSVersion != "14" || byDev.Device.Platform != "android" {
		t.Fatalf("DeviceByID = %+v, %v", byDev, err)
	}
	_, err = db.DeviceByID(ctx, "dev-2")
	wantErr(t, err, ErrNotFound)
}

func TestActivationExpiry(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	tok := mustToken(t, db, mustUser(t, db, "bob").ID, "S1")
	now := time.Now()
	code := sha256.Sum256([]byte("code"))
	if err := db.CreateActivation(ctx, &Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: now}); err != nil {
		t.Fatal(err)
	}
	_, err := db.Activate(ctx, code[:], &Device{ID: "d"}, now)
	wantErr(t, err, ErrActivation)
	_, err = db.Activate(ctx, code[:], &Device{ID: "d"}, now.Add(-time.Second))
	if err != nil {
		t.Fatalf("activation before expiry: %v", err)
	}
}

func TestActivationReplacesOldCode(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	tok := mustToken(t, db, mustUser(t, db, "bob").ID, "S1")
	exp := time.Now().Add(time.Hour)
	old, fresh := sha256.Sum256([]byte("old")), sha256.Sum256([]byte("new"))
	for _, c := range [][]byte{old[:], fresh[:]} {
		if err := db.CreateActivation(ctx, &Activation{CodeHash: c, TokenID: tok.ID, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := db.Activate(ctx, old[:], &Device{ID: "d"}, time.Now())
	wantErr(t, err, ErrActivation)
	if _, err := db.Activate(ctx, fresh[:], &Device{ID: "d"}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestDeviceIDUnique(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	u := mustUser(t, db, "bob")
	t1, t2 := mustToken(t, db, u.ID, "S1"), mustToken(t, db, u.ID, "S2")
	exp := time.Now().Add(time.Hour)
	c1, c2 := sha256.Sum256([]byte("c1")), sha256.Sum256([]byte("c2"))
	for _, a := range []Activation{{CodeHash: c1[:], TokenID: t1.ID, ExpiresAt: exp}, {CodeHash: c2[:], TokenID: t2.ID, ExpiresAt: exp}} {
		if err := db.CreateActivation(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Activate(ctx, c1[:], &Device{ID: "phone"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := db.Activate(ctx, c2[:], &Device{ID: "phone"}, time.Now())
	wantErr(t, err, ErrExists)
	// The failed activation did not consume the code.
	if _, err := db.Activate(ctx, c2[:], &Device{ID: "phone-2"}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateDevicePush(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	tok := mustToken(t, db, mustUser(t, db, "bob").ID, "S1")
	code := sha256.Sum256([]byte("c"))
	if err := db.CreateActivation(ctx, &Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Activate(ctx, code[:], &Device{ID: "d", PushKind: PushAPNs, PushToken: "old"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ token, reason, wantToken, wantReason string }{
		{"new", "", "new", ""},
		{"", "unregistered", "new", "unregistered"},
		{"newer", "", "newer", ""},
	}
	for _, s := range steps {
		if err := db.UpdateDevicePush(ctx, "d", s.token, s.reason); err != nil {
			t.Fatal(err)
		}
		got, err := db.DeviceByID(ctx, "d")
		if err != nil || got.Device.PushToken != s.wantToken || got.Device.PushDisabled != s.wantReason {
			t.Fatalf("after UpdateDevicePush(%q, %q): %+v, %v", s.token, s.reason, got.Device, err)
		}
	}
	wantErr(t, db.UpdateDevicePush(ctx, "nope", "x", ""), ErrNotFound)
}

func TestLoginFailures(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	u := mustUser(t, db, "bob")
	lockUntil := time.Now().Add(5 * time.Minute)

	check := func(failures int, locked time.Time) {
		t.Helper()
		got, err := db.UserByName(ctx, "bob")
		if err != nil || got.Failures != failures || !got.LockedUntil.Equal(locked) {
			t.Fatalf("user %+v, %v; want failures %d locked until %v", got, err, failures, locked)
		}
	}
	for i := 1; i <= 2; i++ {
		if err := db.RecordLoginFailure(ctx, u.ID, 3, lockUntil); err != nil {
			t.Fatal(err)
		}
		check(i, time.Time{})
	}
	if err := db.ResetLoginFailures(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	check(0, time.Time{})
	for range 3 {
		if err := db.RecordLoginFailure(ctx, u.ID, 3, lockUntil); err != nil {
			t.Fatal(err)
		}
	}
	check(0, lockUntil)

	for range 10 { // limit 0: count only, never lock again
		if err := db.RecordLoginFailure(ctx, u.ID, 0, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	check(10, lockUntil)
	wantErr(t, db.RecordLoginFailure(ctx, u.ID+100, 3, lockUntil), ErrNotFound)
	wantErr(t, db.ResetLoginFailures(ctx, u.ID+100), ErrNotFound)
}

func TestPolicies(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	p := DefaultPolicy()
	if err := db.PutPolicy(ctx, &p); err != nil {
		t.Fatal(err)
	}
	strict := Policy{Name: "strict", PushEnabled: false, Method: "token", AttemptLimit: 1,
		LockoutFailures: 2, LockoutSeconds: 3600, PushesPerMinute: 1}
	if err := db.PutPolicy(ctx, &strict); err != nil {
		t.Fatal(err)
	}
	got, err := db.PolicyByName(ctx, "strict")
	if err != nil || *got != strict {
		t.Fatalf("PolicyByName = %+v, %v; want %+v", got, err, strict)
	}
	strict.PushEnabled, strict.AttemptLimit = true, 9
	if err := db.PutPolicy(ctx, &strict); err != nil {
		t.Fatal(err)
	}
	got, _ = db.PolicyByName(ctx, "strict")
	if *got != strict {
		t.Fatalf("after replace = %+v, want %+v", got, strict)
	}
	list, err := db.ListPolicies(ctx)
	if err != nil || len(list) != 2 || list[0] != p || list[1] != strict {
		t.Fatalf("ListPolicies = %+v, %v", list, err)
	}
	_, err = db.PolicyByName(ctx, "nope")
	wantErr(t, err, ErrNotFound)
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	base := time.Now()
	for i := range 105 {
		user := "bob"
		if i%3 == 0 {
			user = "alice"
		}
		r := &AuditRecord{LoginID: fmt.Sprint(i), Time: base.Add(time.Duration(i) * time.Second), User: user,
			Client: "vpn", Agent: "radius", Token: "S1", Provider: PushFCM, Outcome: "accept", Reason: "push approved", DurationMS: int64(i)}
		if err := db.AppendAudit(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 {
			t.Fatal("AppendAudit did not set ID")
		}
	}
	all, err := db.ListAudit(ctx, AuditQuery{})
	if err != nil || len(all) != DefaultAuditLimit {
		t.Fatalf("ListAudit: %d records, %v; want %d", len(all), err, DefaultAuditLimit)
	}
	if all[0].LoginID != "104" || !all[0].Time.Equal(base.Add(104*time.Second)) || all[0].Provider != PushFCM || all[0].DurationMS != 104 {
		t.Fatalf("newest record = %+v", all[0])
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.After(all[i-1].Time) {
			t.Fatalf("records not newest first at %d", i)
		}
	}
	alice, err := db.ListAudit(ctx, AuditQuery{User: "alice", Limit: 5})
	if err != nil || len(alice) != 5 || alice[0].LoginID != "102" {
		t.Fatalf("ListAudit(alice, 5) = %+v, %v", alice, err)
	}
	for _, r := range alice {
		if r.User != "alice" {
			t.Fatalf("filter leaked %+v", r)
		}
	}
}

func TestOpenTwiceIsIdempotent(t *testing.T) {
	db := openTestDB(t)
	mustUser(t, db, "bob")
	db.reopen(t)
	db.reopen(t)
	if v := userVersion(t, db.raw(t)); v != len(sqliteMigrations()) {
		t.Fatalf("user_version %d, want %d", v, len(sqliteMigrations()))
	}
	if _, err := db.UserByName(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
}

func TestMigratesForward(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := migrate(ctx, raw, sqliteMigrations()[:1]); err != nil {
		t.Fatal(err)
	}
	if v := userVersion(t, raw); v != 1 {
		t.Fatalf("user_version %d after step 1", v)
	}
	if _, err := raw.Exec(`INSERT INTO users (name, created_at) VALUES ('old', 1)`); err != nil {
		t.Fatal(err)
	}

	s, err := OpenSQLite(path, testSealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := userVersion(t, raw); v != len(sqliteMigrations()) {
		t.Fatalf("user_version %d, want %d", v, len(sqliteMigrations()))
	}
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'audit_username_time'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("step 2 index missing: %d, %v", n, err)
	}
	if _, err := s.UserByName(ctx, "old"); err != nil {
		t.Fatalf("data from version 1 lost: %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenSQLite(path, testSealer(t, 1)); err == nil {
		s.Close()
		t.Fatal("opened a database with a newer schema")
	}
}

func TestDatabaseSettings(t *testing.T) {
	db := openTestDB(t)
	assertMode(t, db.path, 0o600)
	var mode string
	if err := db.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v", mode, err)
	}
	for name, pool := range map[string]*sql.DB{"write": db.write, "read": db.read.db} {
		var fk, busy int
		if err := pool.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Fatalf("%s foreign_keys %d, %v", name, fk, err)
		}
		if err := pool.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != busyTimeoutMS {
			t.Fatalf("%s busy_timeout %d, %v", name, busy, err)
		}
	}
	if _, err := db.read.db.Exec(`DELETE FROM users`); err == nil {
		t.Fatal("read pool accepted a write")
	}
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd dir?x=1#frag%20", "push auth.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSQLite(path, testSealer(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustUser(t, s, "bob")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %q: %v", path, err)
	}
}

// S4.2: a OneLogin link survives a reopen.
func TestOneLoginLink(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	u := mustUser(t, db, "olga")
	tok := &Token{UserID: u.ID, Type: TokenOneLogin, Serial: "OL-1", PushOn: true, OneLoginUser: "4242", OneLoginDevice: "77"}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	db.reopen(t)
	got, err := db.TokenBySerial(ctx, "OL-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.OneLoginUser != "4242" || got.OneLoginDevice != "77" || !got.PushOn || got.Type != TokenOneLogin {
		t.Fatalf("link not kept: %+v", got)
	}
}
