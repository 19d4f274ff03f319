package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

func testPolicies(t *testing.T, db *DB) {
	ctx := context.Background()
	p := store.DefaultPolicy()
	if err := db.PutPolicy(ctx, &p); err != nil {
		t.Fatal(err)
	}
	strict := store.Policy{Name: "strict", PushEnabled: false, Method: "token", AttemptLimit: 1,
		LockoutFailures: 2, LockoutSeconds: 3600, PushesPerMinute: 1, NumberMatching: true,
		ReplyAttributes: []string{"Class: OU=VPN-Admins;", `Cisco-AVPair: "shell:priv-lvl=15"`, "Filter-Id: ünïcode"},
		NewUser:         store.NewUserEnroll, SelfEnrollment: store.SelfEnrollAny, SelfEnrollmentOTP: true, SelfEnrollmentWindow: true}
	if err := db.PutPolicy(ctx, &strict); err != nil {
		t.Fatal(err)
	}
	got, err := db.PolicyByName(ctx, "strict")
	if err != nil || !reflect.DeepEqual(*got, strict) {
		t.Fatalf("PolicyByName = %+v, %v; want %+v", got, err, strict)
	}
	strict.PushEnabled, strict.AttemptLimit, strict.NumberMatching = true, 9, false
	strict.ReplyAttributes = []string{"Session-Timeout: 3600"}
	if err := db.PutPolicy(ctx, &strict); err != nil {
		t.Fatal(err)
	}
	got, _ = db.PolicyByName(ctx, "strict")
	if !reflect.DeepEqual(*got, strict) {
		t.Fatalf("after replace = %+v, want %+v", got, strict)
	}
	list, err := db.ListPolicies(ctx)
	if err != nil || len(list) != 2 || !reflect.DeepEqual(list[0], p) || !reflect.DeepEqual(list[1], strict) {
		t.Fatalf("ListPolicies = %+v, %v", list, err)
	}
	// Replacing with no attributes clears them: nil again, not an empty list.
	strict.ReplyAttributes = nil
	if err := db.PutPolicy(ctx, &strict); err != nil {
		t.Fatal(err)
	}
	if got, _ = db.PolicyByName(ctx, "strict"); got.ReplyAttributes != nil {
		t.Fatalf("cleared reply attributes = %#v, want nil", got.ReplyAttributes)
	}
	_, err = db.PolicyByName(ctx, "nope")
	WantErr(t, err, store.ErrNotFound)
	if err := db.PutPolicy(ctx, &store.Policy{}); err == nil {
		t.Fatal("stored a policy without a name")
	}
}

func testAudit(t *testing.T, db *DB) {
	ctx := context.Background()
	if recs, err := db.ListAudit(ctx, store.AuditQuery{}); err != nil || recs == nil || len(recs) != 0 {
		t.Fatalf("empty ListAudit = %#v, %v; want an empty list", recs, err)
	}
	base := time.Now()
	for i := range 105 {
		user := "bob"
		if i%3 == 0 {
			user = "alice"
		}
		r := &store.AuditRecord{LoginID: fmt.Sprint(i), Time: base.Add(time.Duration(i) * time.Second), User: user,
			Client: "vpn", Agent: "radius", Token: "S1", Provider: store.PushFCM, Outcome: "accept", Reason: "push approved", DurationMS: int64(i)}
		if err := db.AppendAudit(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 {
			t.Fatal("AppendAudit did not set ID")
		}
	}
	all, err := db.ListAudit(ctx, store.AuditQuery{})
	if err != nil || len(all) != store.DefaultAuditLimit {
		t.Fatalf("ListAudit: %d records, %v; want %d", len(all), err, store.DefaultAuditLimit)
	}
	if all[0].LoginID != "104" || !all[0].Time.Equal(base.Add(104*time.Second)) || all[0].Provider != store.PushFCM || all[0].DurationMS != 104 {
		t.Fatalf("newest record = %+v", all[0])
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.After(all[i-1].Time) {
			t.Fatalf("records not newest first at %d", i)
		}
	}
	alice, err := db.ListAudit(ctx, store.AuditQuery{User: "alice", Limit: 5})
	if err != nil || len(alice) != 5 || alice[0].LoginID != "102" {
		t.Fatalf("ListAudit(alice, 5) = %+v, %v", alice, err)
	}
	for _, r := range alice {
		if r.User != "alice" {
			t.Fatalf("filter leaked %+v", r)
		}
	}
	// A zero time is stamped now.
	r := &store.AuditRecord{LoginID: "now", User: "zed"}
	if err := db.AppendAudit(ctx, r); err != nil || r.Time.IsZero() {
		t.Fatalf("AppendAudit without time: %+v, %v", r, err)
	}
}

// Concurrent audit appends and push records are grouped into
// transactions, yet every record is committed with its own id before its
// caller returns; after Close writes fail.
func testAuditGroupCommit(t *testing.T, db *DB) {
	ctx := context.Background()
	const n = 300
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%3 == 0 {
				if err := db.RecordPush(ctx, "grp", time.Now()); err != nil {
					t.Error(err)
				}
			}
			r := &store.AuditRecord{LoginID: "L", User: "grp", Outcome: "accept"}
			if err := db.AppendAudit(ctx, r); err != nil {
				t.Error(err)
			}
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, id := range ids {
		if id == 0 || seen[id] {
			t.Fatalf("id %d missing or repeated", id)
		}
		seen[id] = true
	}
	recs, err := db.ListAudit(ctx, store.AuditQuery{User: "grp", Limit: n + 10})
	if err != nil || len(recs) != n {
		t.Fatalf("%d records stored, want %d (err %v)", len(recs), n, err)
	}
	if got, err := db.PushesSince(ctx, "grp", time.Now().Add(-time.Minute)); err != nil || got != n/3 {
		t.Fatalf("PushesSince = %d, %v; want %d", got, err, n/3)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, &store.AuditRecord{LoginID: "late"}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	if err := db.RecordPush(ctx, "grp", time.Now()); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("push after close: %v", err)
	}
}

// S5.4: the audit record of a "this wasn't me" deny says so.
func testAuditReported(t *testing.T, db *DB) {
	ctx := context.Background()
	base := time.Now()
	for i, reported := range []bool{false, true} {
		r := &store.AuditRecord{LoginID: []string{"L1", "L2"}[i], Time: base.Add(time.Duration(i) * time.Second), User: "alice",
			Outcome: "reject", Reason: "push denied", Reported: reported}
		if err := db.AppendAudit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	db.Reopen(t)
	got, err := db.ListAudit(ctx, store.AuditQuery{User: "alice"})
	if err != nil || len(got) != 2 {
		t.Fatalf("ListAudit = %+v, %v", got, err)
	}
	if got[0].LoginID != "L2" || !got[0].Reported || got[1].Reported {
		t.Fatalf("reported flags: %+v", got)
	}
}

// Issue 8: each node's store stamps its audit records with the node's
// name (store.WithNode); a store opened without it leaves the node empty, and a
// record that names its node keeps it.
func testAuditNode(t *testing.T, db *DB) {
	ctx := context.Background()
	stores := map[string]store.Store{"": db.Store}
	for _, node := range []string{"node-a", "node-b"} {
		s, err := db.Open(t, db.Sealer, store.WithNode(node))
		if err != nil {
			t.Fatal(err)
		}
		stores[node] = s
	}
	base := time.Now()
	for i, node := range []string{"", "node-a", "node-b"} {
		r := &store.AuditRecord{LoginID: "L" + node, Time: base.Add(time.Duration(i) * time.Second), User: "alice",
			Outcome: "accept", Reason: "push approved"}
		if err := stores[node].AppendAudit(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.Node != node {
			t.Fatalf("AppendAudit through %q set Node %q", node, r.Node)
		}
	}
	own := &store.AuditRecord{LoginID: "Lown", Time: base.Add(5 * time.Second), User: "alice", Outcome: "reject", Node: "node-z"}
	if err := stores["node-a"].AppendAudit(ctx, own); err != nil {
		t.Fatal(err)
	}
	got, err := db.ListAudit(ctx, store.AuditQuery{User: "alice"})
	if err != nil || len(got) != 4 {
		t.Fatalf("ListAudit = %+v, %v", got, err)
	}
	want := []string{"node-z", "node-b", "node-a", ""} // newest first
	for i, r := range got {
		if r.Node != want[i] {
			t.Errorf("record %s: node %q, want %q", r.LoginID, r.Node, want[i])
		}
	}
}

// S5.4: a "this wasn't me" suspension holds across a restart and on
// another node, ends on time and is per user.
func testPushSuspension(t *testing.T, db *DB) {
	ctx := context.Background()
	if until, reason, err := db.PushSuspension(ctx, "alice"); err != nil || !until.IsZero() || reason != "" {
		t.Fatalf("no suspension: %v %q %v", until, reason, err)
	}
	end := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	if err := db.SuspendPush(ctx, "alice", end, "reported by user"); err != nil {
		t.Fatal(err)
	}
	if until, _, err := db.Another(t).PushSuspension(ctx, "alice"); err != nil || !until.Equal(end) {
		t.Fatalf("on another node: %v, %v; want %v", until, err, end)
	}
	db.Reopen(t)
	until, reason, err := db.PushSuspension(ctx, "alice")
	if err != nil || !until.Equal(end) || reason != "reported by user" {
		t.Fatalf("after reopen: %v %q %v; want %v", until, reason, err, end)
	}
	if until, _, _ := db.PushSuspension(ctx, "bob"); !until.IsZero() {
		t.Fatalf("bob suspended until %v", until)
	}

	later := end.Add(time.Hour)
	if err := db.SuspendPush(ctx, "alice", later, "reported again"); err != nil {
		t.Fatal(err)
	}
	if until, reason, _ := db.PushSuspension(ctx, "alice"); !until.Equal(later) || reason != "reported again" {
		t.Fatalf("replaced: %v %q", until, reason)
	}
	if err := db.SuspendPush(ctx, "alice", time.Now().Add(-time.Second), "expired"); err != nil {
		t.Fatal(err)
	}
	if until, reason, err := db.PushSuspension(ctx, "alice"); err != nil || !until.IsZero() || reason != "" {
		t.Fatalf("expired suspension: %v %q %v", until, reason, err)
	}
	if err := db.SuspendPush(ctx, "", end, "x"); err == nil {
		t.Fatal("suspended the empty user")
	}
}

// The per-user push count survives a restart, counts every node's pushes,
// and old pushes are pruned.
func testRecordPushAndPushesSince(t *testing.T, db *DB) {
	ctx := context.Background()
	other := db.Another(t)
	now := time.Now()
	for i, p := range []struct {
		user string
		ago  time.Duration
	}{{"alice", 5 * time.Minute}, {"alice", 50 * time.Second}, {"alice", 10 * time.Second}, {"alice", 0}, {"bob", 0}} {
		s := store.Store(db)
		if i%2 == 1 {
			s = other
		}
		if err := s.RecordPush(ctx, p.user, now.Add(-p.ago)); err != nil {
			t.Fatal(err)
		}
	}
	db.Reopen(t)
	for _, c := range []struct {
		user  string
		since time.Time
		want  int
	}{
		{"alice", now.Add(-time.Minute), 3},
		{"alice", now.Add(-10 * time.Second), 2}, // inclusive
		{"alice", now.Add(-store.PushRetention), 4},
		{"alice", time.Time{}, 4},
		{"bob", now.Add(-time.Minute), 1},
		{"carol", now.Add(-time.Minute), 0},
	} {
		if n, err := db.PushesSince(ctx, c.user, c.since); err != nil || n != c.want {
			t.Errorf("PushesSince(%s, %v) = %d, %v; want %d", c.user, now.Sub(c.since), n, err, c.want)
		}
	}

	// A push store.PushRetention later prunes every user's older pushes.
	if err := db.RecordPush(ctx, "carol", now.Add(store.PushRetention+time.Second)); err != nil {
		t.Fatal(err)
	}
	var rows int
	if db.Raw(t, `SELECT count(*) FROM pushes`, &rows); rows != 1 {
		t.Fatalf("%d rows after pruning; want 1", rows)
	}
	if n, _ := db.PushesSince(ctx, "alice", time.Time{}); n != 0 {
		t.Errorf("alice has %d pushes after pruning", n)
	}
	if err := db.RecordPush(ctx, "", now); err == nil {
		t.Fatal("recorded a push to the empty user")
	}
}
