package test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/testleak"
	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// bypassCode issues a code of uses for user through the admin API.
func (h *Harness) bypassCode(user string, uses int) apitype.BypassCode {
	h.t.Helper()
	c, err := h.Admin.IssueBypassCode(h.ctx(), user, apitype.BypassCodeRequest{Uses: uses})
	if err != nil {
		h.t.Fatal(err)
	}
	return *c
}

// SPEC S3.2 (bypass codes), over RADIUS with radclient: a code answers the
// passcode challenge once (audit reason bypass), then is a wrong passcode
// that counts toward the lockout; revoked, it is wrong too; it works after
// the password in append mode (S8.3) and never as a password; it is in no
// log line and nowhere in the data directory's files.
func TestBypassCodeOverRadius(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { c.Radius.Clients[0].AppendMode = true })
	h.AddUser("alice", "correct horse")
	h.ProgramOATH("alice", "hotp")
	var codes []string
	issue := func(uses int) string {
		c := h.bypassCode("alice", uses)
		codes = append(codes, c.Code)
		return c.Code
	}
	challenged := func() string {
		t.Helper()
		r := h.radLogin("alice", "correct horse", "")
		if r.Code != "Access-Challenge" || r.State() == "" {
			t.Fatalf("want a challenge, got %+v", r)
		}
		return r.State()
	}

	code := issue(1)
	if r := h.radLogin("alice", code, challenged()); r.Code != "Access-Accept" {
		t.Fatalf("bypass code: %+v", r)
	}
	if rec := h.WaitAudit("alice", 1)[0]; rec.Reason != "bypass" || !strings.HasPrefix(rec.Token, "bypass-") {
		t.Fatalf("audit %+v", rec)
	}
	if r := h.radLogin("alice", code, challenged()); r.Code != "Access-Challenge" {
		t.Fatalf("used code: %+v, want a new challenge", r)
	}
	if u, err := h.Admin.User(h.ctx(), "alice"); err != nil || u.Failures != 1 {
		t.Fatalf("a used code counts toward the lockout: %+v, %v", u, err)
	}

	revoked := h.bypassCode("alice", 1)
	codes = append(codes, revoked.Code)
	if err := h.Admin.RevokeBypassCode(h.ctx(), "alice", revoked.ID); err != nil {
		t.Fatal(err)
	}
	if r := h.radLogin("alice", revoked.Code, challenged()); r.Code != "Access-Challenge" {
		t.Fatalf("revoked code: %+v", r)
	}

	if r := h.radLogin("alice", "correct horse,"+issue(1), ""); r.Code != "Access-Accept" {
		t.Fatalf("append mode: %+v", r)
	}
	if r := h.radLogin("alice", issue(1), ""); r.Code != "Access-Reject" {
		t.Fatalf("a bypass code as the password: %+v", r)
	}

	for _, c := range codes {
		if strings.Contains(h.Logs.String(), c) {
			t.Fatal("a bypass code is in the log")
		}
		testleak.NotInDir(t, h.Cfg.DataDir, c)
	}
}

// Two nodes on one PostgreSQL: a one-use bypass code sent to both at once
// is accepted once (S3.2, S7.3); an admin token revoked on one node (S6.7)
// is refused by the other on its next call.
func TestHelpdeskTwoNodes(t *testing.T) {
	pg := testpg.Start(t)
	dsn := pg.NewDatabase(t)
	key := bytes.Repeat([]byte{7}, 32)
	onPostgres := func(c *config.Config) {
		c.Store = config.Store{Driver: config.StorePostgres, DSN: dsn}
		c.ServerKey = key
	}
	a, b := StartServer(t, onPostgres), StartServer(t, onPostgres)
	a.AddUser("bob", "pw-bob")
	a.ProgramOATH("bob", "hotp")
	code := a.bypassCode("bob", 1).Code
	ca, cb := a.Client(""), b.Client("")
	stateA := challengeState(t, Start(ca, "bob", "pw-bob", "", "").Wait(t))
	stateB := challengeState(t, Start(cb, "bob", "pw-bob", "", "").Wait(t))
	ra, rb := Start(ca, "bob", code, stateA, ""), Start(cb, "bob", code, stateB, "")
	accepted := 0
	for _, r := range []*radclient.Response{ra.Wait(t), rb.Wait(t)} {
		if r.Code == layeh.CodeAccessAccept {
			accepted++
		}
	}
	if accepted != 1 {
		t.Fatalf("a one-use code was accepted %d times", accepted)
	}

	tok, err := a.Admin.CreateAdminToken(a.ctx(), "desk", apitype.RoleHelpdesk)
	if err != nil {
		t.Fatal(err)
	}
	onB := adminclient.New(b.AdminURL, tok.Token, nil)
	if _, err := onB.UnlockUser(b.ctx(), "bob"); err != nil {
		t.Fatalf("helpdesk token on node b: %v", err)
	}
	if err := a.Admin.RevokeAdminToken(a.ctx(), "desk"); err != nil {
		t.Fatal(err)
	}
	_, err = onB.Users(b.ctx())
	var ae *adminclient.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
		t.Fatalf("revoked token on node b: %v, want 401", err)
	}
}
