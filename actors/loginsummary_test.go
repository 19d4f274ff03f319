package actors

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// S6.11, S7: a node summarizes its logins in flight for GET /v1/logins on
// a cluster: the counts by state always, and only the limit oldest,
// oldest first.
func TestLoginSummary(t *testing.T) {
	r := newRig(t)
	var ids []string
	for _, u := range []string{"ann", "ben", "cat"} {
		r.user(u, phoneToken("d-"+u))
		r.send(u, "pw-"+u, "", "a")
		n := r.nextPush()
		r.waitState(n.Payload.LoginID, stateWaiting)
		ids = append(ids, n.Payload.LoginID)
		r.clock.Advance(time.Second) // the next login starts later
	}
	ctx := context.Background()
	for _, tc := range []struct {
		limit int
		want  []string
	}{{-1, ids}, {0, nil}, {2, ids[:2]}, {3, ids}, {10, ids}} {
		sum, err := r.sys.LoginSummary(ctx, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != 3 || sum.States["waiting"] != 3 || len(sum.States) != 1 {
			t.Errorf("limit %d: counts %d %v, want 3 waiting", tc.limit, sum.Total, sum.States)
		}
		if got := loginIDs(sum.Oldest); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("limit %d: oldest %v, want %v", tc.limit, got, tc.want)
		}
	}
}

// The owner keeps the limit oldest of many logins, whatever the map's
// order, and counts every one.
func TestOwnerSummaryKeepsTheOldest(t *testing.T) {
	o := manyLogins(1000)
	for _, limit := range []int{0, 1, 7, 999, 1000, 1001, -1} {
		sum := o.summary(limit)
		want := min(uint(limit), 1000) // -1: every login
		if sum.Total != 1000 || sum.States["waiting"] != 500 || sum.States["challenged"] != 500 || uint(len(sum.Oldest)) != want {
			t.Fatalf("limit %d: total %d states %v, %d listed", limit, sum.Total, sum.States, len(sum.Oldest))
		}
		for _, l := range sum.Oldest {
			if age := l.Started.Sub(time.Unix(0, 0)); age >= time.Duration(want)*time.Second {
				t.Fatalf("limit %d keeps %s, started %v after the first", limit, l.ID, age)
			}
		}
	}
}

// BenchmarkOwnerSummary is the owner's time, in its mailbox, to count
// 100,000 logins and keep the limit oldest.
func BenchmarkOwnerSummary(b *testing.B) {
	o := manyLogins(100_000)
	for _, limit := range []int{0, 20, 1000} {
		b.Run(fmt.Sprint("limit=", limit), func(b *testing.B) {
			for b.Loop() {
				o.summary(limit)
			}
		})
	}
}

func manyLogins(n int) *owner {
	o := &owner{logins: make(map[string]*ownedLogin, n)}
	for i := range n {
		state := "waiting"
		if i%2 == 1 {
			state = "challenged"
		}
		id := fmt.Sprintf("login-%06d", i)
		o.logins[id] = &ownedLogin{info: LoginInfo{ID: id, User: "u", Client: "c", State: state,
			Started: time.Unix(int64(i), 0)}}
	}
	return o
}

func loginIDs(ls []LoginInfo) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

// BenchmarkOwnerList is the owner's time, in its mailbox, to copy every
// one of 100,000 logins (System.Logins, GET /v1/logins on a single node),
// for comparison.
func BenchmarkOwnerList(b *testing.B) {
	o := manyLogins(100_000)
	for b.Loop() {
		o.list()
	}
}
