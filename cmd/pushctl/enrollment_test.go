package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/store"
)

// Rolling out: enrolment windows open, list and close; the audit counts
// who signed in on the password alone.
func TestEnrollmentAndAuditUsers(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	r := pushctl(t, srv, "", "enrollment", "open", "--group", "all", "--until", "14d").ok(t)
	if !strings.Contains(r.stdout, "all") {
		t.Errorf("enrollment open:\n%s", r.stdout)
	}
	if r = pushctl(t, srv, "", "enrollment", "list").ok(t); !strings.Contains(r.stdout, "all") {
		t.Errorf("enrollment list:\n%s", r.stdout)
	}
	pushctl(t, srv, "", "enrollment", "close", "--group", "all").ok(t)
	if r = pushctl(t, srv, "", "enrollment", "list").ok(t); strings.Contains(r.stdout, "all") {
		t.Errorf("after close:\n%s", r.stdout)
	}
	pushctl(t, srv, "", "enrollment", "open", "--group", "all").fails(t, 2,
		"pushctl: enrollment open: --group and --until are required\nusage: pushctl enrollment open --group all|DN --until 7d|36h|RFC3339\n")

	for i, user := range []string{"amy", "amy", "ben"} {
		rec := &store.AuditRecord{LoginID: string(rune('a' + i)), Time: time.Now(), User: user, Outcome: "accept", Reason: "no-token-pass"}
		if err := srv.Store.AppendAudit(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	r = pushctl(t, srv, "", "audit", "--users", "--reason", "no-token-pass", "--since", "7d").ok(t)
	if !strings.Contains(r.stdout, "amy") || !strings.HasSuffix(r.stdout, "2 users\n") {
		t.Errorf("audit --users:\n%s", r.stdout)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"7d": now.AddDate(0, 0, -7), "36h": now.Add(-36 * time.Hour), "2026-12-01T00:00:00Z": time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parseSince("soon", now); err == nil {
		t.Error("parseSince(soon) accepted")
	}
}
