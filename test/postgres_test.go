package test

import (
	"bytes"
	"strings"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// Issue 8: the server runs on a PostgreSQL store (a private server started
// by the test; skipped without PostgreSQL, failed under CI=true). Two
// servers on the same database act as two nodes sharing the store: a push
// login approved on one, a passcode raced on both accepted exactly once,
// and each node's audit records visible through the other's admin API.
func TestPostgresStore(t *testing.T) {
	pg := testpg.Start(t)
	dsn := pg.NewDatabase(t)
	key := bytes.Repeat([]byte{7}, 32) // every node seals with the same key
	onPostgres := func(c *config.Config) {
		c.Store = config.Store{Driver: config.StorePostgres, DSN: dsn}
		c.ServerKey = key
	}
	a := StartServer(t, onPostgres)
	b := StartServer(t, onPostgres)

	a.AddUser("alice", "pw-alice")
	phone := a.Phone("alice")
	login := Start(a.Client(""), "alice", "pw-alice", "", "")
	if err := phone.Answer(a.ctx(), NextPush(t, phone), push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	if rec := b.WaitAudit("alice", 1)[0]; rec.Reason != "approved" || rec.Token != phone.Serial() {
		t.Fatalf("audit seen from node b: %+v", rec)
	}

	// bob has only an OATH token: the password gets the passcode challenge
	// on both nodes, then the same code is sent to both at once.
	b.AddUser("bob", "pw-bob")
	tok := b.ProgramOATH("bob", "hotp")
	ca, cb := a.Client(""), b.Client("")
	stateA := challengeState(t, Start(ca, "bob", "pw-bob", "", "").Wait(t))
	stateB := challengeState(t, Start(cb, "bob", "pw-bob", "", "").Wait(t))
	ra, rb := Start(ca, "bob", tok.HOTP(0), stateA, ""), Start(cb, "bob", tok.HOTP(0), stateB, "")
	accepted := 0
	for _, r := range []*radclient.Response{ra.Wait(t), rb.Wait(t)} {
		switch r.Code {
		case layeh.CodeAccessAccept:
			accepted++
		case layeh.CodeAccessChallenge: // the reused code, one more try allowed
		default:
			t.Fatalf("reply %v (%q)", r.Code, rfc2865.ReplyMessage_GetString(r.Packet))
		}
	}
	if accepted != 1 {
		t.Fatalf("passcode accepted by %d nodes, want exactly 1", accepted)
	}
	if recs := a.WaitAudit("bob", 1); recs[0].Outcome != "accept" || !strings.HasPrefix(recs[0].Reason, "passcode") {
		t.Fatalf("bob's audit seen from node a: %+v", recs)
	}

	for _, h := range []*Harness{a, b} {
		if strings.Contains(h.Logs.String(), testpg.AppPassword) {
			t.Fatal("the database password reached the logs")
		}
	}
	if !strings.Contains(a.Logs.String(), `"driver":"postgres"`) {
		t.Fatal("no log line says the store is PostgreSQL")
	}
}

// challengeState checks r is a challenge and returns its State.
func challengeState(t *testing.T, r *radclient.Response) string {
	t.Helper()
	expectCode(t, r, layeh.CodeAccessChallenge)
	state := rfc2865.State_GetString(r.Packet)
	if state == "" {
		t.Fatal("challenge without State")
	}
	return state
}
