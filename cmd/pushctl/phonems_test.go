package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/store"
)

// S6.1: pushctl audit shows the phone's answer time in its PHONE column,
// and "-" for a login no answer of the phone decided; --json carries
// phone_ms.
func TestAuditPhoneColumn(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	now := time.Now()
	appendAudit(t, srv, store.AuditRecord{LoginID: "L1", Time: now, User: "alice", Outcome: "accept", Reason: "approved",
		DurationMS: 3200, PhoneMS: 3100})
	appendAudit(t, srv, store.AuditRecord{LoginID: "L2", Time: now.Add(-time.Second), User: "alice", Outcome: "accept",
		Reason: "passcode", DurationMS: 9000})
	r := pushctl(t, srv, "", "audit").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	col := strings.Index(lines[0], "PHONE")
	if len(lines) != 3 || col < 0 || !strings.HasPrefix(lines[1][col:], "3.1s ") || !strings.HasPrefix(lines[2][col:], "- ") {
		t.Fatalf("PHONE column:\n%s", r.stdout)
	}
	if r = pushctl(t, srv, "", "--json", "audit").ok(t); strings.Count(r.stdout, `"phone_ms": 3100`)+strings.Count(r.stdout, `"phone_ms":3100`) != 1 {
		t.Errorf("json:\n%s", r.stdout)
	}
}
