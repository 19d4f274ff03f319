package store

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// Concurrent audit appends are grouped into transactions, yet every record
// is committed with its own id before its caller returns.
func TestAuditGroupCommit(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	const n = 300
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &AuditRecord{LoginID: "L", User: "grp", Outcome: "accept"}
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
	recs, err := db.ListAudit(ctx, AuditQuery{User: "grp", Limit: n + 10})
	if err != nil || len(recs) != n {
		t.Fatalf("%d records stored, want %d (err %v)", len(recs), n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, &AuditRecord{LoginID: "late"}); !errors.Is(err, errClosed) {
		t.Fatalf("append after close: %v", err)
	}
}
