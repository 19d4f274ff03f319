package storetest

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// testAuditStats: AuditStats counts the logins' records of its minutes by
// minute and outcome (not operators' changes, not records outside the
// minutes), and buckets the phone's answer times of the logins the phone
// answered: PhoneMS, or DurationMS for a record without it (written
// before the audit kept it).
func testAuditStats(t *testing.T, db *DB) {
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return from.Add(d) }
	records := []store.AuditRecord{
		{Time: at(10 * time.Second), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 800}, // no PhoneMS: 800
		{Time: at(20 * time.Second), Outcome: "reject", Reason: "denied", Provider: "fcm", DurationMS: 3100, PhoneMS: 1900},
		{Time: at(30 * time.Second), Outcome: store.OutcomeAdmin, Admin: "root", Action: "PUT /v1/policies/{name}"},
		{Time: at(65 * time.Second), Outcome: "accept", Reason: "passcode", DurationMS: 9000},
		{Time: at(70 * time.Second), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 200000, PhoneMS: 400},
		{Time: at(75 * time.Second), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 1000, PhoneMS: 150000},
		{Time: at(80 * time.Second), Outcome: "accept", Reason: "timeout-then-passcode", Provider: "poll", DurationMS: 61000},
		{Time: at(-time.Second), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 100},
		{Time: at(3 * time.Minute), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 100},
	}
	for i := range records {
		records[i].LoginID, records[i].User, records[i].Client = "l", "alice", "desktop"
		if err := db.AppendAudit(ctx, &records[i]); err != nil {
			t.Fatal(err)
		}
	}
	q := store.AuditStatsQuery{From: from, Minutes: 3, Answered: []string{"approved", "denied", "wrong-number"}}
	got, err := db.AuditStats(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got.Outcomes, func(a, b store.OutcomeCount) int {
		return cmp.Or(cmp.Compare(a.Minute, b.Minute), cmp.Compare(a.Outcome, b.Outcome))
	})
	slices.SortFunc(got.Answers, func(a, b store.AnswerCount) int {
		return cmp.Or(cmp.Compare(a.Minute, b.Minute), cmp.Compare(a.UpToMS, b.UpToMS))
	})
	wantOutcomes := []store.OutcomeCount{{Minute: 0, Outcome: "accept", Count: 1}, {Minute: 0, Outcome: "reject", Count: 1},
		{Minute: 1, Outcome: "accept", Count: 4}}
	wantAnswers := []store.AnswerCount{{Minute: 0, UpToMS: 1000, Count: 1}, {Minute: 0, UpToMS: 2000, Count: 1},
		{Minute: 1, UpToMS: 0, Count: 1}, {Minute: 1, UpToMS: 500, Count: 1}}
	if !reflect.DeepEqual(got.Outcomes, wantOutcomes) || !reflect.DeepEqual(got.Answers, wantAnswers) {
		t.Fatalf("AuditStats = %+v; want outcomes %+v, answers %+v", got, wantOutcomes, wantAnswers)
	}
	for _, minutes := range []int{0, store.MaxAuditStatsMinutes + 1} {
		if _, err := db.AuditStats(ctx, store.AuditStatsQuery{From: from, Minutes: minutes}); err == nil {
			t.Fatalf("AuditStats over %d minutes: no error", minutes)
		}
	}
	empty, err := db.AuditStats(ctx, store.AuditStatsQuery{From: at(time.Hour), Minutes: 60})
	if err != nil || len(empty.Outcomes)+len(empty.Answers) != 0 {
		t.Fatalf("AuditStats of an empty hour = %+v, %v", empty, err)
	}
}
