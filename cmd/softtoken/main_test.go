package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(stdin string, args ...string) result {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// activated starts a server and activates a token for alice into a state
// file.
func activated(t *testing.T) (*deviceapitest.Server, *deviceapitest.Token, string) {
	t.Helper()
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	state := filepath.Join(t.TempDir(), "softtoken.json")
	r := runCmd("", "activate", tok.URL, "--platform", "android", "--os-version", "8.1", "--state", state)
	if r.code != 0 || !strings.Contains(r.stdout, "activated token "+tok.Serial) {
		t.Fatalf("activate: %+v", r)
	}
	return s, tok, state
}

func deviceID(t *testing.T, state string) string {
	t.Helper()
	d, err := deviceclient.Load(state)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID()
}

func TestActivateWritesPrivateState(t *testing.T) {
	s, _, state := activated(t)
	fi, err := os.Stat(state)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}
	d, err := deviceclient.Load(state)
	if err != nil {
		t.Fatal(err)
	}
	st := d.State()
	if st.APIBase != s.URL || st.OSVersion != "8.1" || st.ServerPublicKey != s.Signer.PublicKey() {
		t.Fatalf("state %+v", st)
	}
	tok := s.NewToken(t, "bob")
	if r := runCmd("", "activate", "--state", state, tok.URL); r.code != 1 || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("overwrite without --force: %+v", r)
	}
	if r := runCmd("", "activate", "--state", state, "--force", tok.URL); r.code != 0 {
		t.Fatalf("overwrite with --force: %+v", r)
	}
}

func TestActivateOldOSRefused(t *testing.T) {
	s := deviceapitest.Start(t)
	tok := s.NewToken(t, "alice")
	state := filepath.Join(t.TempDir(), "s.json")
	r := runCmd("", "activate", tok.URL, "--os-version", "7", "--state", state)
	if r.code != 1 || !strings.Contains(r.stderr, "Android 8 or later") {
		t.Fatalf("android 7: %+v", r)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatal("state written for a refused activation")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"dance"}, {"activate"}, {"activate", "a", "b"},
		{"watch", "--answer", "maybe"}, {"watch", "--answer", "approve", "--count", "-1"},
		{"code", "extra"}, {"code", "--nope"}} {
		if r := runCmd("", args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
	if r := runCmd("", "help"); r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
		t.Errorf("help: %+v", r)
	}
	if r := runCmd("", "code", "--state", filepath.Join(t.TempDir(), "none.json")); r.code != 1 {
		t.Errorf("code without state: %+v", r)
	}
}

func TestCode(t *testing.T) {
	_, tok, state := activated(t)
	before := auth.HOTP(tok.Seed, uint64(auth.TOTPStep(time.Now(), 30)), 6)
	r := runCmd("", "code", "--state", state)
	after := auth.HOTP(tok.Seed, uint64(auth.TOTPStep(time.Now(), 30)), 6)
	got := strings.TrimSpace(r.stdout)
	if r.code != 0 || (got != before && got != after) {
		t.Fatalf("code: %+v, want %s", r, before)
	}
}

func TestWatchApprove(t *testing.T) {
	s, _, state := activated(t)
	p := s.Push(t, "alice", deviceID(t, state), time.Minute)
	r := runCmd("", "watch", "--answer", "approve", "--count", "1", "--state", state)
	if r.code != 0 {
		t.Fatalf("watch: %+v", r)
	}
	for _, want := range []string{`user "alice"`, "vpn-gw", "agent generic", "203.0.113.7", "expires", p.LoginID,
		"approve: answer delivered"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output misses %q:\n%s", want, r.stdout)
		}
	}
	a := s.Logins.Answers()
	if len(a) != 1 || a[0].Decision != push.Approve || a[0].LoginID != p.LoginID {
		t.Fatalf("answers %+v", a)
	}
}

// A push with number choices (S10.3) is approved by typing one of its
// numbers; --answer approve leaves it alone, since it cannot know which.
func TestWatchPicksNumber(t *testing.T) {
	s, _, state := activated(t)
	p := s.PushChoices(t, "alice", deviceID(t, state), time.Minute, [3]int{12, 47, 85})
	r := runCmd("", "watch", "--answer", "approve", "--count", "1", "--state", state)
	if r.code != 0 || !strings.Contains(r.stdout, "use --answer ask") || len(s.Logins.Answers()) != 0 {
		t.Fatalf("approve mode answered a number push: %+v, answers %+v", r, s.Logins.Answers())
	}
	// The push is still pending: a watcher that asks picks it up.
	r = runCmd("y\n99\n47\n", "watch", "--answer", "ask", "--count", "1", "--state", state)
	a := s.Logins.Answers()
	if r.code != 0 || len(a) != 1 || a[0].Decision != push.Approve || a[0].Number != 47 || a[0].LoginID != p.LoginID {
		t.Fatalf("watch: %+v, answers %+v", r, a)
	}
	if !strings.Contains(r.stdout, "pick the number: 12, 47 or 85") || strings.Count(r.stdout, "[12/47/85/n]") != 3 {
		t.Errorf("output:\n%s", r.stdout)
	}
}

func TestWatchAskAndLongPoll(t *testing.T) {
	s, _, state := activated(t)
	id := deviceID(t, state)
	s.Push(t, "alice", id, time.Minute)
	done := make(chan result, 1)
	go func() { done <- runCmd("maybe\ny\nno\n", "watch", "--answer", "ask", "--count", "2", "--state", state) }()
	testwait.For(t, "watch to answer the first push and poll again", func() bool {
		return len(s.Logins.Answers()) > 0 && s.InFlight() > 0
	})
	s.Push(t, "alice", id, time.Minute)
	r := <-done
	a := s.Logins.Answers()
	if r.code != 0 || len(a) != 2 || a[0].Decision != push.Approve || a[1].Decision != push.Deny {
		t.Fatalf("watch: %+v, answers %+v", r, a)
	}
	if strings.Count(r.stdout, "approve login of alice? [y/n]") != 3 {
		t.Errorf("prompts:\n%s", r.stdout)
	}
}

func TestWatchIgnore(t *testing.T) {
	s, _, state := activated(t)
	s.Push(t, "alice", deviceID(t, state), time.Minute)
	r := runCmd("", "watch", "--answer", "ignore", "--count", "1", "--state", state)
	if r.code != 0 || !strings.Contains(r.stdout, "ignored") || len(s.Logins.Answers()) != 0 {
		t.Fatalf("watch: %+v answers %+v", r, s.Logins.Answers())
	}
}

func TestWatchRefusesForgedPush(t *testing.T) {
	s, _, state := activated(t)
	id := deviceID(t, state)
	evil, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forged := push.Payload{LoginID: "login_evil", Nonce: "n", User: "alice", DeviceID: id,
		Expires: time.Now().Add(time.Minute)}
	sp, err := push.NewSigner(evil).Sign(forged)
	if err != nil {
		t.Fatal(err)
	}
	n := &providers.Notification{Payload: forged, Signed: sp, Deadline: forged.Expires}
	if err := s.Poll.Push(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	genuine := s.Push(t, "alice", id, 2*time.Minute)
	r := runCmd("", "watch", "--answer", "approve", "--count", "1", "--state", state)
	a := s.Logins.Answers()
	if r.code != 0 || !strings.Contains(r.stderr, "REFUSED") || len(a) != 1 || a[0].LoginID != genuine.LoginID {
		t.Fatalf("watch: %+v answers %+v", r, a)
	}
	if strings.Contains(r.stdout, "login_evil") {
		t.Fatalf("forged push shown:\n%s", r.stdout)
	}
}
