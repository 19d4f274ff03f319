package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// auditRig is the records testAuditSearch works with: 60 logins, 3 per
// second (so that times repeat and the id breaks ties), alternating
// clients, outcomes and nodes, and one admin record.
func auditRig(t *testing.T, db *DB) (time.Time, []store.AuditRecord) {
	t.Helper()
	ctx := context.Background()
	base := time.Now().Truncate(time.Second)
	var all []store.AuditRecord
	for i := range 60 {
		r := store.AuditRecord{LoginID: fmt.Sprintf("L%02d", i), Time: base.Add(time.Duration(i/3) * time.Second),
			User: []string{"alice", "bob"}[i%2], Client: []string{"vpn", "wifi", "ssh"}[i%3],
			Outcome: []string{"accept", "reject"}[i%2], Reason: "r", Node: []string{"n1", "n2"}[i%4/2]}
		if err := db.AppendAudit(ctx, &r); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	admin := store.AuditRecord{LoginID: "L07", Time: base.Add(30 * time.Second), User: "bob", Outcome: store.OutcomeAdmin,
		Admin: "ops", Action: "POST /v1/users/{name}/unlock"}
	if err := db.AppendAudit(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	return base, append(all, admin)
}

// Issue 22: the audit's filters (client, outcome, node, login, until),
// keyset paging newest first without a gap or a repeat, and tailing by
// id.
func testAuditSearch(t *testing.T, db *DB) {
	ctx := context.Background()
	base, all := auditRig(t, db)
	logins := all[:60]
	for _, c := range []struct {
		name string
		q    store.AuditQuery
		want func(r store.AuditRecord) bool
	}{
		{"client", store.AuditQuery{Client: "wifi"}, func(r store.AuditRecord) bool { return r.Client == "wifi" }},
		{"outcome", store.AuditQuery{Outcome: "reject"}, func(r store.AuditRecord) bool { return r.Outcome == "reject" }},
		{"node", store.AuditQuery{Node: "n2"}, func(r store.AuditRecord) bool { return r.Node == "n2" }},
		{"until", store.AuditQuery{Until: base.Add(5 * time.Second)}, func(r store.AuditRecord) bool { return r.Time.Before(base.Add(5 * time.Second)) }},
		{"since+until", store.AuditQuery{Since: base.Add(5 * time.Second), Until: base.Add(7 * time.Second)},
			func(r store.AuditRecord) bool {
				return !r.Time.Before(base.Add(5*time.Second)) && r.Time.Before(base.Add(7*time.Second))
			}},
		{"combined", store.AuditQuery{Client: "vpn", Outcome: "accept", User: "alice"},
			func(r store.AuditRecord) bool { return r.Client == "vpn" && r.Outcome == "accept" && r.User == "alice" }},
		{"login", store.AuditQuery{LoginID: "L07", Kind: store.AuditAll}, func(r store.AuditRecord) bool { return r.LoginID == "L07" }},
	} {
		src := logins
		if c.q.Kind == store.AuditAll {
			src = all
		}
		want := newestFirst(src, c.want)
		got, err := db.ListAudit(ctx, withLimit(c.q, 1000))
		if err != nil || !slices.Equal(ids(got), ids(want)) {
			t.Errorf("%s: %v, %v; want %v", c.name, ids(got), err, ids(want))
		}
	}
	if got, _ := db.ListAudit(ctx, store.AuditQuery{LoginID: "L07", Kind: store.AuditAll}); len(got) != 2 || got[0].Admin != "ops" {
		t.Errorf("login L07 with its admin record: %+v", got)
	}

	// Pages of 7 (the tied times fall across pages) give every record once.
	var paged []store.AuditRecord
	q := store.AuditQuery{Limit: 7}
	for range 20 {
		page, err := db.ListAudit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < q.Limit {
			break
		}
		q.Before = page[len(page)-1].Pos()
	}
	if want := newestFirst(logins, nil); !slices.Equal(ids(paged), ids(want)) {
		t.Errorf("paged: %v\nwant %v", ids(paged), ids(want))
	}
	// Paging keeps the filters.
	bob, err := db.ListAudit(ctx, store.AuditQuery{User: "bob", Limit: 4, Before: all[31].Pos()})
	if want := newestFirst(logins, func(r store.AuditRecord) bool { return r.User == "bob" && r.ID < all[31].ID }); err != nil ||
		!slices.Equal(ids(bob), ids(want[:4])) {
		t.Errorf("bob before L31: %v, %v; want %v", ids(bob), err, ids(want[:4]))
	}

	// Tailing: records after an id, oldest first, filtered.
	tail, err := db.ListAudit(ctx, store.AuditQuery{Tail: true, AfterID: all[50].ID, Kind: store.AuditAll, Limit: 100})
	if want := ids(all[51:]); err != nil || !slices.Equal(ids(tail), want) {
		t.Errorf("after L50: %v, %v; want %v", ids(tail), err, want)
	}
	tail, err = db.ListAudit(ctx, store.AuditQuery{Tail: true, AfterID: all[50].ID, Outcome: "accept", Limit: 2})
	if want := []int64{all[52].ID, all[54].ID}; err != nil || !slices.Equal(ids(tail), want) {
		t.Errorf("accepts after L50, 2: %v, %v; want %v", ids(tail), err, want)
	}
	// From the start (AfterID 0), still by id: not by time.
	tail, err = db.ListAudit(ctx, store.AuditQuery{Tail: true, Kind: store.AuditAll, Limit: 3})
	if want := ids(all[:3]); err != nil || !slices.Equal(ids(tail), want) {
		t.Errorf("tail from the start: %v, %v; want %v", ids(tail), err, want)
	}
}

func withLimit(q store.AuditQuery, n int) store.AuditQuery {
	q.Limit = n
	return q
}

// newestFirst is the records keep accepts (nil: all), in ListAudit's order.
func newestFirst(records []store.AuditRecord, keep func(store.AuditRecord) bool) []store.AuditRecord {
	var out []store.AuditRecord
	for _, r := range records {
		if keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b store.AuditRecord) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	return out
}

func ids(records []store.AuditRecord) []int64 {
	out := []int64{}
	for _, r := range records {
		out = append(out, r.ID)
	}
	return out
}
