package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/store"
	"github.com/pushauth/pushauth/store/sqlite"
)

// SPEC S6.4, S6.1: SIGTERM (the server's context ending) with 1,000 logins
// waiting on phones ends each of them with an audit record (outcome
// abandoned) before the store closes: after a restart the audit holds all
// 1,000.
func TestShutdownRecordsLoginsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 users: not in -short")
	}
	const n = 1000
	h := StartServer(t, nil)
	// The web agent's policy skips the password: this test is about
	// shutdown, not about hashing 1,000 passwords on a busy machine.
	h.SetPolicy("web", map[string]string{"method": "token"})
	phones := provisionPhones(t, h, n)
	clients := make([]*radclient.Client, 0, n/200)
	for range n / 200 {
		clients = append(clients, h.Client("127.0.0.2:0")) // 256 identifiers per socket
	}
	for i := range n {
		Start(clients[i%len(clients)], fmt.Sprintf("sd%04d", i), "", "", "")
	}
	deadline := time.Now().Add(120 * time.Second)
	for states := map[string]int{}; states["waiting"] != n; {
		if time.Now().After(deadline) {
			t.Fatalf("logins in flight by state %v, want %d waiting on phones", states, n)
		}
		time.Sleep(50 * time.Millisecond)
		list, err := h.Admin.Logins(h.ctx())
		if err != nil {
			t.Fatal(err)
		}
		clear(states)
		for _, l := range list {
			states[l.State]++
		}
	}
	if len(phones) != n {
		t.Fatal("phones")
	}
	if err := h.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	db, err := sqlite.OpenDir(h.Cfg.DataDir, h.Cfg.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := db.ListAudit(context.Background(), store.AuditQuery{Limit: 2 * n})
	if err != nil {
		t.Fatal(err)
	}
	abandoned := 0
	for _, r := range recs {
		if r.Outcome == "abandoned" && r.Reason == "shutdown" {
			abandoned++
		}
	}
	if abandoned != n || len(recs) != n {
		t.Fatalf("%d records, %d abandoned at shutdown, want %d", len(recs), abandoned, n)
	}
}

// provisionPhones creates users sd0000… with password "pw" and an
// activated poll-mode phone each.
func provisionPhones(t *testing.T, h *Harness, n int) []*deviceclient.Device {
	t.Helper()
	phones := make([]*deviceclient.Device, n)
	for i := range n {
		name := fmt.Sprintf("sd%04d", i)
		h.AddUser(name, "pw")
		phones[i] = h.Phone(name)
	}
	return phones
}
