package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

func testTokens(t *testing.T, db *DB) {
	ctx := context.Background()
	u := MustUser(t, db, "bob")
	WantErr(t, db.CreateToken(ctx, &store.Token{UserID: u.ID + 100, Type: store.TokenOATH, Serial: "X"}), store.ErrNotFound)

	tok := &store.Token{UserID: u.ID, Type: store.TokenOATH, Serial: "OATH1", Algorithm: store.OTPHOTP, Digits: 8,
		Seed: []byte("12345678901234567890"), LastStep: 42}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if tok.ID == 0 || tok.LastStep != -1 {
		t.Fatalf("created token %+v: want ID set and LastStep -1", tok)
	}
	WantErr(t, db.CreateToken(ctx, &store.Token{UserID: u.ID, Type: store.TokenOATH, Serial: "OATH1"}), store.ErrExists)
	MustToken(t, db, u.ID, "SOFT1")

	got, err := db.TokenBySerial(ctx, "OATH1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.UserID != u.ID || got.Type != store.TokenOATH || got.Algorithm != store.OTPHOTP ||
		got.Digits != 8 || !bytes.Equal(got.Seed, tok.Seed) || got.LastStep != -1 || got.PushOn ||
		got.Device != nil || !got.CreatedAt.Equal(tok.CreatedAt) {
		t.Fatalf("TokenBySerial = %+v, want %+v", got, tok)
	}
	_, err = db.TokenBySerial(ctx, "nope")
	WantErr(t, err, store.ErrNotFound)

	list, err := db.TokensByUser(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].Serial != "OATH1" || list[1].Serial != "SOFT1" || !list[1].PushOn {
		t.Fatalf("TokensByUser = %+v, %v", list, err)
	}
	if list, err := db.TokensByUser(ctx, u.ID+100); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("TokensByUser(unknown) = %#v, %v; want an empty list", list, err)
	}

	// A token created with its device (as provisioning tools do).
	withDev := &store.Token{UserID: u.ID, Type: store.TokenSoftToken, Serial: "SOFT2", Seed: []byte("s"),
		Device: &store.Device{ID: "pre", Platform: "ios", PushKind: store.PushAPNs, PublicKey: []byte{9}, ActivatedAt: time.Unix(5, 6)}}
	if err := db.CreateToken(ctx, withDev); err != nil {
		t.Fatal(err)
	}
	if got, err := db.DeviceByID(ctx, "pre"); err != nil || got.ID != withDev.ID || got.Device.Platform != "ios" ||
		!got.Device.ActivatedAt.Equal(time.Unix(5, 6)) {
		t.Fatalf("DeviceByID(pre) = %+v, %v", got, err)
	}
	dupDev := &store.Token{UserID: u.ID, Type: store.TokenSoftToken, Serial: "SOFT3", Seed: []byte("s"), Device: &store.Device{ID: "pre"}}
	WantErr(t, db.CreateToken(ctx, dupDev), store.ErrExists)
	_, err = db.TokenBySerial(ctx, "SOFT3")
	WantErr(t, err, store.ErrNotFound) // the token went with its device

	if err := db.DeleteToken(ctx, "OATH1"); err != nil {
		t.Fatal(err)
	}
	WantErr(t, db.DeleteToken(ctx, "OATH1"), store.ErrNotFound)
	_, err = db.TokenBySerial(ctx, "OATH1")
	WantErr(t, err, store.ErrNotFound)
}

func testSeedSealedAtRest(t *testing.T, db *DB) {
	u := MustUser(t, db, "bob")
	tok := MustToken(t, db, u.ID, "S1")

	var raw []byte
	db.Raw(t, fmt.Sprintf(`SELECT seed_sealed FROM tokens WHERE id = %d`, tok.ID), &raw)
	if bytes.Contains(raw, tok.Seed) {
		t.Fatalf("seed stored in plaintext: %q", raw)
	}
	opened, err := db.Sealer.Open(raw)
	if err != nil || !bytes.Equal(opened, tok.Seed) {
		t.Fatalf("Open(raw) = %q, %v; want %q", opened, err, tok.Seed)
	}
	_, err = KeySealer(t, 7).Open(raw)
	WantErr(t, err, store.ErrSealed)
}

// A store opened with another key never hands out seeds: either the open
// is refused (PostgreSQL checks the key's fingerprint) or reading a seed
// fails (SQLite), both with store.ErrSealed.
func testWrongKeyCannotReadSeeds(t *testing.T, db *DB) {
	ctx := context.Background()
	u := MustUser(t, db, "bob")
	MustToken(t, db, u.ID, "S1")
	db.Close()

	other, err := db.Open(t, KeySealer(t, 7))
	if err == nil {
		_, err = other.TokenBySerial(ctx, "S1")
	}
	WantErr(t, err, store.ErrSealed)
}

// S4.2: a OneLogin link survives a reopen.
func testOneLoginLink(t *testing.T, db *DB) {
	ctx := context.Background()
	u := MustUser(t, db, "olga")
	tok := &store.Token{UserID: u.ID, Type: store.TokenOneLogin, Serial: "OL-1", PushOn: true, OneLoginUser: "4242", OneLoginDevice: "77"}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	db.Reopen(t)
	got, err := db.TokenBySerial(ctx, "OL-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.OneLoginUser != "4242" || got.OneLoginDevice != "77" || !got.PushOn || got.Type != store.TokenOneLogin {
		t.Fatalf("link not kept: %+v", got)
	}
}

// Consume accepts a login with step of the token, with a record of its own.
func Consume(s store.Store, tokenID, step int64) error {
	rec := &store.AuditRecord{LoginID: fmt.Sprintf("consume-%d-%d", tokenID, step), User: "bob"}
	return s.AcceptWithOTP(context.Background(), &store.OTPAccept{TokenID: tokenID, Step: step, Record: rec})
}

// A step is accepted once, only above the last one, also after a restart.
func testOTPStep(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")

	if err := Consume(db, tok.ID, 0); err != nil {
		t.Fatalf("first step 0 (HOTP counter 0): %v", err)
	}
	if err := Consume(db, tok.ID, 100); err != nil {
		t.Fatal(err)
	}
	WantErr(t, Consume(db, tok.ID, 100), store.ErrOTPReused)
	WantErr(t, Consume(db, tok.ID, 99), store.ErrOTPReused)
	WantErr(t, Consume(db, tok.ID+100, 1000), store.ErrNotFound)

	db.Reopen(t)
	WantErr(t, Consume(db, tok.ID, 100), store.ErrOTPReused)
	got, err := db.TokenBySerial(ctx, "S1")
	if err != nil || got.LastStep != 100 {
		t.Fatalf("after reopen LastStep = %+v, %v; want 100", got, err)
	}
	if err := Consume(db, tok.ID, 101); err != nil {
		t.Fatal(err)
	}
}

// Many goroutines of one node race one step: exactly one wins.
func testOTPStepConcurrent(t *testing.T, db *DB) {
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	const n = 20
	stores := make([]store.Store, n)
	for i := range stores {
		stores[i] = db
	}
	if won := race(t, stores, func(s store.Store) error { return Consume(s, tok.ID, 7) }); won != 1 {
		t.Fatalf("%d goroutines consumed step 7, want exactly 1", won)
	}
}

// An accept with a passcode: the step and the record in one transaction,
// the record only when the step was consumed and the claim agreed.
func testAcceptWithOTP(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	accept := func(step int64, claim func() bool) (*store.AuditRecord, error) {
		rec := &store.AuditRecord{LoginID: fmt.Sprintf("l%d", step), User: "bob", Token: "S1", Outcome: "accept", Reason: "passcode"}
		return rec, db.AcceptWithOTP(ctx, &store.OTPAccept{TokenID: tok.ID, Step: step, Record: rec, Claim: claim})
	}
	rec, err := accept(5, nil)
	if err != nil || rec.ID == 0 || rec.Time.IsZero() {
		t.Fatalf("accept step 5: %v, record %+v", err, rec)
	}
	_, err = accept(5, nil)
	WantErr(t, err, store.ErrOTPReused)
	_, err = accept(4, nil)
	WantErr(t, err, store.ErrOTPReused)
	WantErr(t, Consume(db, tok.ID, 5), store.ErrOTPReused)
	err = db.AcceptWithOTP(ctx, &store.OTPAccept{TokenID: tok.ID + 100, Step: 9, Record: &store.AuditRecord{LoginID: "gone", User: "bob"}})
	WantErr(t, err, store.ErrNotFound)

	claims := 0
	_, err = accept(6, func() bool { claims++; return false })
	WantErr(t, err, store.ErrAcceptWithdrawn)
	if claims != 1 {
		t.Fatalf("Claim called %d times, want once", claims)
	}
	WantErr(t, Consume(db, tok.ID, 6), store.ErrOTPReused) // consumed all the same
	if _, err := accept(7, func() bool { return true }); err != nil {
		t.Fatalf("claimed accept: %v", err)
	}

	db.Reopen(t)
	recs, err := db.ListAudit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.LoginID)
	}
	if slices.Sort(ids); !slices.Equal(ids, []string{"l5", "l7"}) {
		t.Fatalf("records %v, want l5 and l7 only", ids)
	}
}

// A passcode raced on two nodes (two handles on one database): in every
// round exactly one node accepts it and writes its record, the other gets
// store.ErrOTPReused.
func testAcceptWithOTPTwoNodes(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	nodes := []store.Store{db, db.Another(t)}
	const rounds = 50
	for step := int64(1); step <= rounds; step++ {
		won := race(t, nodes, func(s store.Store) error {
			return s.AcceptWithOTP(ctx, &store.OTPAccept{TokenID: tok.ID, Step: step, Record: &store.AuditRecord{LoginID: "l", User: "bob"}})
		})
		if won != 1 {
			t.Fatalf("step %d accepted by %d nodes, want exactly 1", step, won)
		}
	}
	recs, err := db.ListAudit(ctx, store.AuditQuery{Limit: 10 * rounds})
	if err != nil || len(recs) != rounds {
		t.Fatalf("%d records (%v), want %d", len(recs), err, rounds)
	}
}

// race runs use once per store, all at once, and counts the successes;
// any error but store.ErrOTPReused fails the test.
func race(t *testing.T, stores []store.Store, use func(store.Store) error) int {
	t.Helper()
	errs := make(chan error, len(stores))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- use(s)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrOTPReused):
			t.Errorf("unexpected error: %v", err)
		}
	}
	return won
}

func testActivation(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	now := time.Now()
	code := sha256.Sum256([]byte("ABCD-EFGH"))

	WantErr(t, db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID + 100, ExpiresAt: now.Add(time.Minute)}), store.ErrNotFound)
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	other := MustToken(t, db, MustUser(t, db, "carol").ID, "S2")
	WantErr(t, db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: other.ID, ExpiresAt: now.Add(time.Minute)}), store.ErrExists)

	dev := &store.Device{ID: "dev-1", Platform: "android", OSVersion: "14", PushKind: store.PushFCM,
		PushToken: "fcm-token", PublicKey: []byte{0x30, 0x59}}
	wrong := sha256.Sum256([]byte("wrong"))
	_, err := db.Activate(ctx, wrong[:], dev, now)
	WantErr(t, err, store.ErrActivation)

	got, err := db.Activate(ctx, code[:], dev, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.Device == nil || got.Device.ID != "dev-1" || got.Device.PushToken != "fcm-token" ||
		!bytes.Equal(got.Device.PublicKey, dev.PublicKey) || !got.Device.ActivatedAt.Equal(now) ||
		!bytes.Equal(got.Seed, tok.Seed) {
		t.Fatalf("Activate = %+v (device %+v)", got, got.Device)
	}
	_, err = db.Activate(ctx, code[:], &store.Device{ID: "dev-2"}, now)
	WantErr(t, err, store.ErrActivation)

	byDev, err := db.DeviceByID(ctx, "dev-1")
	if err != nil || byDev.Serial != "S1" || byDev.Device.OSVersion != "14" || byDev.Device.Platform != "android" {
		t.Fatalf("DeviceByID = %+v, %v", byDev, err)
	}
	_, err = db.DeviceByID(ctx, "dev-2")
	WantErr(t, err, store.ErrNotFound)
}

// One activation code raced by phones on two nodes: exactly one activates.
func testActivateConcurrent(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	code := sha256.Sum256([]byte("race"))
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	nodes := []store.Store{db, db.Another(t)}
	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := nodes[i%2].Activate(ctx, code[:], &store.Device{ID: fmt.Sprintf("phone-%d", i)}, time.Now())
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrActivation):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d activations with one code, want exactly 1", won)
	}
	var devices int
	if db.Raw(t, "SELECT count(*) FROM devices", &devices); devices != 1 {
		t.Fatalf("%d devices stored, want 1", devices)
	}
}

func testActivationExpiry(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	now := time.Now()
	code := sha256.Sum256([]byte("code"))
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: now}); err != nil {
		t.Fatal(err)
	}
	_, err := db.Activate(ctx, code[:], &store.Device{ID: "d"}, now)
	WantErr(t, err, store.ErrActivation)
	_, err = db.Activate(ctx, code[:], &store.Device{ID: "d"}, now.Add(-time.Second))
	if err != nil {
		t.Fatalf("activation before expiry: %v", err)
	}
}

func testActivationReplacesOldCode(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	exp := time.Now().Add(time.Hour)
	old, fresh := sha256.Sum256([]byte("old")), sha256.Sum256([]byte("new"))
	for _, c := range [][]byte{old[:], fresh[:]} {
		if err := db.CreateActivation(ctx, &store.Activation{CodeHash: c, TokenID: tok.ID, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := db.Activate(ctx, old[:], &store.Device{ID: "d"}, time.Now())
	WantErr(t, err, store.ErrActivation)
	if _, err := db.Activate(ctx, fresh[:], &store.Device{ID: "d"}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func testDeviceIDUnique(t *testing.T, db *DB) {
	ctx := context.Background()
	u := MustUser(t, db, "bob")
	t1, t2 := MustToken(t, db, u.ID, "S1"), MustToken(t, db, u.ID, "S2")
	exp := time.Now().Add(time.Hour)
	c1, c2 := sha256.Sum256([]byte("c1")), sha256.Sum256([]byte("c2"))
	for _, a := range []store.Activation{{CodeHash: c1[:], TokenID: t1.ID, ExpiresAt: exp}, {CodeHash: c2[:], TokenID: t2.ID, ExpiresAt: exp}} {
		if err := db.CreateActivation(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Activate(ctx, c1[:], &store.Device{ID: "phone"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := db.Activate(ctx, c2[:], &store.Device{ID: "phone"}, time.Now())
	WantErr(t, err, store.ErrExists)
	// The failed activation did not consume the code.
	if _, err := db.Activate(ctx, c2[:], &store.Device{ID: "phone-2"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Activating a token again replaces its device.
	c3 := sha256.Sum256([]byte("c3"))
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: c3[:], TokenID: t1.ID, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Activate(ctx, c3[:], &store.Device{ID: "new-phone"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = db.DeviceByID(ctx, "phone")
	WantErr(t, err, store.ErrNotFound)
}

func testUpdateDevicePush(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "bob").ID, "S1")
	code := sha256.Sum256([]byte("c"))
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Activate(ctx, code[:], &store.Device{ID: "d", PushKind: store.PushAPNs, PushToken: "old"}, time.Now()); err != nil {
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
	WantErr(t, db.UpdateDevicePush(ctx, "nope", "x", ""), store.ErrNotFound)
}

// UserWithTokens reads what UserByName and TokensByUser read, with the
// device's push fields only.
func testUserWithTokens(t *testing.T, db *DB) {
	ctx := context.Background()
	_, _, err := db.UserWithTokens(ctx, "nobody")
	WantErr(t, err, store.ErrNotFound)

	u := MustUser(t, db, "carol")
	gotU, tokens, err := db.UserWithTokens(ctx, "carol")
	if err != nil || gotU.ID != u.ID || gotU.Name != "carol" || len(tokens) != 0 {
		t.Fatalf("UserWithTokens(no tokens) = %+v, %+v, %v", gotU, tokens, err)
	}

	oath := &store.Token{UserID: u.ID, Type: store.TokenOATH, Serial: "O1", Algorithm: store.OTPTOTP, Digits: 6, Period: 30,
		Seed: []byte("12345678901234567890")}
	soft := &store.Token{UserID: u.ID, Type: store.TokenSoftToken, Serial: "S1", Seed: []byte("softseed"), PushOn: true,
		Device: &store.Device{ID: "dev-c", Platform: "android", OSVersion: "14", PushKind: store.PushFCM, PushToken: "fcm-1",
			PublicKey: []byte{1, 2}, ActivatedAt: time.Unix(7, 0)}}
	ol := &store.Token{UserID: u.ID, Type: store.TokenOneLogin, Serial: "L1", Seed: []byte{}, PushOn: true,
		OneLoginUser: "ol-user", OneLoginDevice: "ol-dev"}
	for _, tok := range []*store.Token{oath, soft, ol} {
		if err := db.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.UpdateDevicePush(ctx, "dev-c", "", "unregistered"); err != nil {
		t.Fatal(err)
	}
	countFailure(t, db, u.ID)
	wantU, err := db.UserByName(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	want, err := db.TokensByUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotU, tokens, err = db.UserWithTokens(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if gotU.ID != wantU.ID || gotU.Failures != 1 || gotU.PasswordHash != wantU.PasswordHash || !gotU.CreatedAt.Equal(wantU.CreatedAt) {
		t.Fatalf("user = %+v, want %+v", gotU, wantU)
	}
	if len(tokens) != len(want) {
		t.Fatalf("tokens = %+v, want %+v", tokens, want)
	}
	for i, g := range tokens {
		w := want[i]
		if g.ID != w.ID || g.UserID != w.UserID || g.Type != w.Type || g.Serial != w.Serial || g.Algorithm != w.Algorithm ||
			g.Digits != w.Digits || g.Period != w.Period || !bytes.Equal(g.Seed, w.Seed) || g.LastStep != w.LastStep ||
			g.PushOn != w.PushOn || g.OneLoginUser != w.OneLoginUser || g.OneLoginDevice != w.OneLoginDevice ||
			(g.Device == nil) != (w.Device == nil) {
			t.Fatalf("token %d = %+v, want %+v", i, g, w)
		}
		if g.Device == nil {
			continue
		}
		if g.Device.ID != w.Device.ID || g.Device.PushKind != w.Device.PushKind || g.Device.PushToken != w.Device.PushToken ||
			g.Device.PushDisabled != "unregistered" || g.Device.PublicKey != nil {
			t.Fatalf("device = %+v, want the push fields of %+v and no key", g.Device, w.Device)
		}
	}
}

// A web device (PushWebPush) keeps its subscription JSON in PushToken as
// given, through activation, reads and updates.
func testWebPushDevice(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "wendy").ID, "W1")
	code := sha256.Sum256([]byte("w"))
	if err := db.CreateActivation(ctx, &store.Activation{CodeHash: code[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	sub := `{"endpoint":"https://push.example.net/p/` + strings.Repeat("x", 600) + `","keys":{"p256dh":"BAA","auth":"AAA"}}`
	d := &store.Device{ID: "dw", Platform: "web", OSVersion: "Firefox 140 on Linux", PushKind: store.PushWebPush,
		PushToken: sub, PublicKey: []byte{1}}
	if _, err := db.Activate(ctx, code[:], d, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := db.DeviceByID(ctx, "dw")
	if err != nil || got.Device.PushKind != store.PushWebPush || got.Device.PushToken != sub || got.Device.Platform != "web" ||
		got.Device.OSVersion != d.OSVersion {
		t.Fatalf("DeviceByID = %+v, %v", got.Device, err)
	}
	sub2 := strings.Replace(sub, "BAA", "BBB", 1)
	if err := db.UpdateDevicePush(ctx, "dw", sub2, ""); err != nil {
		t.Fatal(err)
	}
	_, tokens, err := db.UserWithTokens(ctx, "wendy")
	if err != nil || len(tokens) != 1 || tokens[0].Device == nil || tokens[0].Device.PushToken != sub2 ||
		tokens[0].Device.PushKind != store.PushWebPush {
		t.Fatalf("UserWithTokens = %+v, %v", tokens, err)
	}
}

// DeleteDevice takes the device off its token, which stays (without a
// device) and can be activated again.
func testDeleteDevice(t *testing.T, db *DB) {
	ctx := context.Background()
	tok := MustToken(t, db, MustUser(t, db, "dora").ID, "D1")
	activate := func(code, id string) {
		h := sha256.Sum256([]byte(code))
		if err := db.CreateActivation(ctx, &store.Activation{CodeHash: h[:], TokenID: tok.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Activate(ctx, h[:], &store.Device{ID: id, PushKind: store.PushPoll, PublicKey: []byte{1}}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	activate("c1", "dd1")
	if err := db.DeleteDevice(ctx, "dd1"); err != nil {
		t.Fatal(err)
	}
	_, err := db.DeviceByID(ctx, "dd1")
	WantErr(t, err, store.ErrNotFound)
	got, err := db.TokenBySerial(ctx, "D1")
	if err != nil || got.Device != nil {
		t.Fatalf("token after DeleteDevice = %+v, %v; want it without a device", got, err)
	}
	WantErr(t, db.DeleteDevice(ctx, "dd1"), store.ErrNotFound)
	activate("c2", "dd2")
	if got, err := db.DeviceByID(ctx, "dd2"); err != nil || got.Serial != "D1" {
		t.Fatalf("re-activated device = %+v, %v", got, err)
	}
}
