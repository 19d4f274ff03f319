package deviceclient_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

func activate(t *testing.T, s *deviceapitest.Server, user string, o deviceclient.Options) (*deviceclient.Device, *deviceapitest.Token) {
	t.Helper()
	tok := s.NewToken(t, user)
	d, err := deviceclient.Activate(context.Background(), tok.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	return d, tok
}

func TestActivateSaveLoadCode(t *testing.T) {
	s := deviceapitest.Start(t)
	d, tok := activate(t, s, "alice", deviceclient.Options{})
	st := d.State()
	if st.APIBase != s.URL || st.Serial != tok.Serial || st.Platform != "android" || st.PushKind != "poll" ||
		st.ServerPublicKey != s.Signer.PublicKey() || d.ID() == "" {
		t.Fatalf("state %+v", st)
	}
	path := filepath.Join(t.TempDir(), "softtoken.json")
	if err := d.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode: %v %v", fi.Mode(), err)
	}
	loaded, err := deviceclient.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.State() != st {
		t.Fatalf("loaded %+v, want %+v", loaded.State(), st)
	}
	now := time.Unix(1_700_000_000, 0)
	code, err := loaded.Code(now)
	if err != nil {
		t.Fatal(err)
	}
	if want := auth.HOTP(tok.Seed, uint64(auth.TOTPStep(now, 30)), 6); code != want {
		t.Fatalf("code %s, want %s", code, want)
	}
}

func TestHOTPCodeAdvances(t *testing.T) {
	seed := []byte("12345678901234567890") // RFC 4226 test seed
	d := stateDevice(t, deviceclient.OTP{SeedB32: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Algorithm: "hotp", Digits: 6})
	for i, want := range []string{"755224", "287082", "359152"} {
		got, err := d.Code(time.Now())
		if err != nil || got != want || auth.HOTP(seed, uint64(i), 6) != want {
			t.Fatalf("counter %d: %s %v, want %s", i, got, err, want)
		}
	}
	if d.State().OTP.Counter != 3 {
		t.Fatalf("counter = %d", d.State().OTP.Counter)
	}
}

// stateDevice builds a device from hand-made state (no server).
func stateDevice(t *testing.T, otp deviceclient.OTP) *deviceclient.Device {
	t.Helper()
	s := deviceapitest.Start(t)
	d, _ := activate(t, s, "x", deviceclient.Options{})
	st := d.State()
	st.OTP = otp
	d, err := deviceclient.FromState(st)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPendingAnswer(t *testing.T) {
	s := deviceapitest.Start(t)
	d, _ := activate(t, s, "alice", deviceclient.Options{})
	ctx := context.Background()
	want := s.Push(t, "alice", d.ID(), time.Minute)
	got, err := d.Pending(ctx, 0)
	if err != nil || len(got) != 1 || got[0] != want {
		t.Fatalf("pending = %+v, %v; want %+v", got, err, want)
	}
	if err := d.Answer(ctx, got[0], push.Deny); err != nil {
		t.Fatal(err)
	}
	answers := s.Logins.Answers()
	if len(answers) != 1 || answers[0].Decision != push.Deny || answers[0].DeviceID != d.ID() {
		t.Fatalf("answers = %+v", answers)
	}
	err = d.Answer(ctx, got[0], push.Approve)
	var ae *deviceclient.APIError
	if !errors.As(err, &ae) || ae.Status != 409 || !deviceclient.IsCode(err, "already_answered") {
		t.Fatalf("second answer: %v", err)
	}
}

func TestPendingLongPoll(t *testing.T) {
	s := deviceapitest.Start(t)
	d, _ := activate(t, s, "alice", deviceclient.Options{})
	ctx := context.Background()
	first := s.Push(t, "alice", d.ID(), time.Minute)
	type result struct {
		list []push.Payload
		err  error
	}
	done := make(chan result, 1)
	go func() {
		list, err := d.Pending(ctx, 5*time.Second, first.Nonce)
		done <- result{list, err}
	}()
	testwait.For(t, "the long poll to reach the server", func() bool { return s.InFlight() > 0 })
	second := s.Push(t, "alice", d.ID(), 2*time.Minute)
	r := <-done
	if r.err != nil || len(r.list) != 2 || r.list[1] != second {
		t.Fatalf("pending = %+v, %v", r.list, r.err)
	}
}

func TestPendingRefusesForgedPushes(t *testing.T) {
	s := deviceapitest.Start(t)
	d, _ := activate(t, s, "alice", deviceclient.Options{})
	ctx := context.Background()
	good := s.Push(t, "alice", d.ID(), time.Minute)

	// Signed by a key that is not the server's.
	evil, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forged := good
	forged.LoginID, forged.Nonce = "login_evil", "n1"
	enqueue(t, s, forged, push.NewSigner(evil), forged)
	// Signed by the server, but for another device.
	other := forged
	other.LoginID, other.DeviceID = "login_other", "dev_someoneelse"
	enqueue(t, s, other, s.Signer, forged)
	// Signature of one payload attached to another.
	swapped := forged
	swapped.LoginID = "login_swapped"
	sig, err := s.Signer.Sign(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := sig
	bad.Data = `{"login_id":"login_swapped","device_id":"` + d.ID() + `"}`
	queue(t, s, swapped, bad)

	list, err := d.Pending(ctx, 0)
	if !errors.Is(err, deviceclient.ErrForged) {
		t.Fatalf("err = %v, want ErrForged", err)
	}
	if len(list) != 1 || list[0] != good {
		t.Fatalf("verified pushes = %+v, want only the genuine one", list)
	}
}

// enqueue signs payload with signer and queues it in the mailbox of
// mailbox.DeviceID under mailbox.LoginID.
func enqueue(t *testing.T, s *deviceapitest.Server, payload push.Payload, signer *push.Signer, mailbox push.Payload) {
	t.Helper()
	sp, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	mailbox.LoginID = payload.LoginID
	queue(t, s, mailbox, sp)
}

func queue(t *testing.T, s *deviceapitest.Server, mailbox push.Payload, sp push.Signed) {
	t.Helper()
	n := &providers.Notification{Payload: mailbox, Signed: sp, Deadline: time.Now().Add(time.Minute)}
	if err := s.Poll.Push(context.Background(), n); err != nil {
		t.Fatal(err)
	}
}

func TestActivateRefused(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	ctx := context.Background()
	_, err := deviceclient.Activate(ctx, tok.URL, deviceclient.Options{Platform: "android", OSVersion: "7.1"})
	if !deviceclient.IsCode(err, "os_too_old") {
		t.Fatalf("android 7: %v", err)
	}
	if _, err := deviceclient.Activate(ctx, tok.URL, deviceclient.Options{Platform: "ios", OSVersion: "10"}); err != nil {
		t.Fatalf("ios 10: %v", err)
	}
	_, err = deviceclient.Activate(ctx, tok.URL, deviceclient.Options{})
	if !deviceclient.IsCode(err, "activation_invalid") {
		t.Fatalf("reused code: %v", err)
	}
}

func TestParseActivationURL(t *testing.T) {
	base, code, err := deviceclient.ParseActivationURL("https://push.example.com/auth/v1/activate?code=AB-12")
	if err != nil || base != "https://push.example.com/auth" || code != "AB-12" {
		t.Fatalf("got %q %q %v", base, code, err)
	}
	for _, bad := range []string{"", "push.example.com/v1/activate?code=x", "https://h/v1/activate",
		"https://h/v1/other?code=x", "ftp://h/v1/activate?code=x"} {
		if _, _, err := deviceclient.ParseActivationURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestUpdatePushTokenAndClock(t *testing.T) {
	s := deviceapitest.Start(t)
	d, _ := activate(t, s, "ios", deviceclient.Options{Platform: "ios", OSVersion: "17.2", PushKind: "apns", PushToken: "t1"})
	ctx := context.Background()
	if err := d.UpdatePushToken(ctx, "t2"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Store.DeviceByID(ctx, d.ID())
	if err != nil || got.Device.PushToken != "t2" {
		t.Fatalf("stored %+v %v", got, err)
	}
	d.Now = func() time.Time { return time.Now().Add(-5 * time.Minute) }
	if _, err := d.Pending(ctx, 0); !deviceclient.IsCode(err, "stale_request") {
		t.Fatalf("skewed clock: %v", err)
	}
}

func TestLoadRefusesBadState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	if err := os.WriteFile(path, []byte(`{"device_id":"d","api_base":"http://x","private_key":"AAAA"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := deviceclient.Load(path); err == nil {
		t.Fatal("bad key accepted")
	}
	if _, err := deviceclient.Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("missing file accepted")
	}
}
