package adminapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// Enrolment windows open until a future time, list while open, and close.
func TestEnrollWindows(t *testing.T) {
	srv := start(t, nil)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	body := `{"until":"` + until.Format(time.RFC3339) + `"}`
	do(t, srv, "PUT", "/v1/enrollment/windows/all", body).want(t, 200, "")
	do(t, srv, "PUT", "/v1/enrollment/windows/all", `{"until":"2000-01-01T00:00:00Z"}`).want(t, 400, "invalid_until")
	var list apitype.EnrollWindowList
	do(t, srv, "GET", "/v1/enrollment/windows", "").want(t, 200, "").decode(t, &list)
	if len(list.Windows) != 1 || list.Windows[0].Group != "all" || !list.Windows[0].Until.Equal(until) {
		t.Fatalf("windows %+v", list.Windows)
	}
	do(t, srv, "DELETE", "/v1/enrollment/windows/all", "").want(t, 204, "")
	do(t, srv, "GET", "/v1/enrollment/windows", "").want(t, 200, "").decode(t, &list)
	if len(list.Windows) != 0 {
		t.Fatalf("after close: %+v", list.Windows)
	}
}

// The audit filters by reason and time, and counts by user.
func TestAuditUsers(t *testing.T) {
	srv := start(t, nil)
	ctx := context.Background()
	now := time.Now().UTC()
	for _, r := range []store.AuditRecord{
		{LoginID: "1", Time: now, User: "amy", Reason: "no-token-pass", Outcome: "accept"},
		{LoginID: "2", Time: now, User: "amy", Reason: "no-token-pass", Outcome: "accept"},
		{LoginID: "3", Time: now, User: "ben", Reason: "approved", Outcome: "accept"},
		{LoginID: "4", Time: now.Add(-48 * time.Hour), User: "cat", Reason: "no-token-pass", Outcome: "accept"},
	} {
		if err := srv.Store.AppendAudit(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	since := now.Add(-time.Hour).Format(time.RFC3339)
	var users apitype.AuditUserList
	do(t, srv, "GET", "/v1/audit/users?reason=no-token-pass&since="+since, "").want(t, 200, "").decode(t, &users)
	if len(users.Users) != 1 || users.Users[0].User != "amy" || users.Users[0].Count != 2 {
		t.Fatalf("users %+v", users.Users)
	}
	var recs apitype.AuditList
	do(t, srv, "GET", "/v1/audit?reason=no-token-pass", "").want(t, 200, "").decode(t, &recs)
	if len(recs.Records) != 3 {
		t.Fatalf("records %+v", recs.Records)
	}
	do(t, srv, "GET", "/v1/audit?since=yesterday", "").want(t, 400, "invalid_since")
}
