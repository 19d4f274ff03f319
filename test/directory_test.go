package test

import (
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// StartDirectory starts a private slapd with alice and bob and a pushauth
// whose password source is that directory (SPEC S9).
func StartDirectory(t *testing.T, more ...func(*config.Config)) (*Harness, *slapdtest.Server) {
	t.Helper()
	return startDirectoryWith(t, nil, more...)
}

// startDirectoryWith is StartDirectory with groups seeded in slapd.
func startDirectoryWith(t *testing.T, groups []slapdtest.Group, more ...func(*config.Config)) (*Harness, *slapdtest.Server) {
	t.Helper()
	s := slapdtest.Run(t, slapdtest.Options{
		Users: []slapdtest.User{
			{UID: "alice", Password: "alice-dir-pw"}, {UID: "bob", Password: "bob-dir-pw"},
			{UID: "carol", Password: "carol-dir-pw", Disabled: true},
		},
		Groups: groups,
	})
	useDirectory := func(c *config.Config) {
		c.Passwords.Source = config.SourceDirectory
		c.Directory.LDAP = &config.LDAP{
			URLs: []string{s.URL}, StartTLS: true, CAFile: s.CAFile,
			BindDN: slapdtest.ServiceDN, BindPassword: slapdtest.ServicePassword,
			BaseDN: slapdtest.BaseDN, UserFilter: slapdtest.UserFilter,
			Timeout: 2 * time.Second, PoolSize: 4, CircuitPause: 500 * time.Millisecond,
		}
	}
	return StartServer(t, edits(append([]func(*config.Config){useDirectory}, more...)...)), s
}

// SPEC S9.1, S9.2, S2.6: a user who exists only in the directory gets a
// soft token (no local password); the directory password then a push
// approved on the phone → Access-Accept, through FreeRADIUS's radclient.
func TestDirectoryPasswordAndPushWithRadclient(t *testing.T) {
	h, _ := StartDirectory(t)
	phone := h.Phone("alice")
	u, err := h.Admin.User(h.ctx(), "alice")
	if err != nil || u.Source != "directory" || u.HasPassword {
		t.Fatalf("alice's local record: %+v, %v", u, err)
	}
	done := make(chan RadReply, 1)
	go func() { done <- h.radLogin("alice", "alice-dir-pw", "") }()
	p := NextPush(t, phone)
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.Code != "Access-Accept" {
		t.Fatalf("want Access-Accept, got %+v", r)
	}
	if rec := h.WaitAudit("alice", 1)[0]; rec.Reason != "approved" || rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
	checkNoSecretsLogged(t, h, "alice-dir-pw")
}

// SPEC S9.1, S3.2: the directory password, then an OATH passcode →
// Access-Accept, through radclient.
func TestDirectoryPasswordAndPasscodeWithRadclient(t *testing.T) {
	h, _ := StartDirectory(t)
	tok := h.ProgramOATH("bob", "hotp")
	r := h.radLogin("bob", "bob-dir-pw", "")
	if r.Code != "Access-Challenge" || r.State() == "" {
		t.Fatalf("want Access-Challenge with State, got %+v", r)
	}
	if r = h.radLogin("bob", tok.HOTP(0), r.State()); r.Code != "Access-Accept" {
		t.Fatalf("want Access-Accept, got %+v", r)
	}
	if rec := h.WaitAudit("bob", 1)[0]; rec.Reason != "passcode" || rec.Token != tok.Serial {
		t.Fatalf("audit %+v", rec)
	}
	checkNoSecretsLogged(t, h, "bob-dir-pw", tok.HOTP(0))
}

// SPEC S2.2 with the directory: a wrong password, an unknown user, a
// filter in the user name and a disabled account look alike to the NAS;
// the audit says which was which.
func TestDirectoryRejectsLookAlike(t *testing.T) {
	h, _ := StartDirectory(t)
	h.ProgramOATH("alice", "hotp")
	cases := []struct{ user, password, reason string }{
		{"alice", "wrong", "bad-password"},
		{"nobody", "alice-dir-pw", "unknown-user"},
		{"*", "alice-dir-pw", "unknown-user"},
		{"carol", "carol-dir-pw", "account-disabled"},
		{"alice", "", "bad-password"},
	}
	var msgs []string
	seen := map[string]int{}
	for _, c := range cases {
		r := h.radLogin(c.user, c.password, "")
		seen[c.user]++
		if r.Code != "Access-Reject" {
			t.Fatalf("%s/%q: %+v", c.user, c.password, r)
		}
		msgs = append(msgs, r.Attrs["Reply-Message"])
		if rec := h.WaitAudit(c.user, seen[c.user])[0]; rec.Reason != c.reason {
			t.Errorf("%s: audit reason %q, want %q", c.user, rec.Reason, c.reason)
		}
	}
	for i := range msgs {
		if msgs[i] != msgs[0] {
			t.Errorf("Reply-Message %q differs from %q", msgs[i], msgs[0])
		}
	}
}

// SPEC S9.1: the directory going down rejects logins with audit reason
// directory-unavailable (never Accept); it works again once it is back.
func TestDirectoryDownRejects(t *testing.T) {
	h, s := StartDirectory(t)
	tok := h.ProgramOATH("alice", "hotp")
	c := h.Client("")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "alice", "alice-dir-pw", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	expectCode(t, resp, layeh.CodeAccessReject)
	if rec := h.WaitAudit("alice", 1)[0]; rec.Reason != "directory-unavailable" || rec.Outcome != "reject" {
		t.Fatalf("audit %+v", rec)
	}
	if h.Metric("pushauth_directory_failures_total", `kind="unavailable"`) < 1 {
		t.Error("no unavailable failure counted")
	}
	if err := s.Restart(h.ctx()); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 15*time.Second, func() bool {
		r, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "alice", "alice-dir-pw", "", ""))
		return err == nil && r.Code == layeh.CodeAccessChallenge
	}, "logins work again once the directory is back")
	r, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "alice", "alice-dir-pw", "", ""))
	if err != nil || r.Code != layeh.CodeAccessChallenge {
		t.Fatalf("after restart: %v %v", r, err)
	}
	state := string(rfc2865.State_Get(r.Packet))
	r, err = c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "alice", tok.HOTP(0), state, ""))
	if err != nil {
		t.Fatal(err)
	}
	expectCode(t, r, layeh.CodeAccessAccept)
}

// checkNoSecretsLogged fails when a password or passcode reached the log.
func checkNoSecretsLogged(t *testing.T, h *Harness, secrets ...string) {
	t.Helper()
	logs := h.Logs.String()
	for _, s := range append(secrets, slapdtest.ServicePassword) {
		if strings.Contains(logs, s) {
			t.Fatalf("a secret reached the logs: %q", s)
		}
	}
}
