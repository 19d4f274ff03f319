package adminapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// S6.1, S6.10: an audit record's phone_ms (the phone's answer time) is in
// GET /v1/audit and absent from a record without one;
// GET /v1/audit/logins/{id} shows it as a field and a step, before the
// end, and a login the phone did not decide has neither.
func TestAuditPhoneMS(t *testing.T) {
	srv := start(t, nil)
	end := time.Date(2026, 1, 2, 9, 0, 10, 0, time.UTC)
	appendAudit(t, srv, store.AuditRecord{LoginID: "Lp", Time: end, User: "alice", Client: "vpn", Agent: "radius",
		Token: "PUSH1", Provider: store.PushFCM, Outcome: "accept", Reason: "approved", DurationMS: 3200, PhoneMS: 3100})
	appendAudit(t, srv, store.AuditRecord{LoginID: "Lc", Time: end.Add(time.Second), User: "alice", Client: "vpn",
		Agent: "radius", Token: "OATH1", Provider: store.PushFCM, Outcome: "accept", Reason: "timeout-then-passcode",
		DurationMS: 70000})
	body := do(t, srv, "GET", "/v1/audit?user=alice", "").want(t, http.StatusOK, "").body
	if strings.Count(body, `"phone_ms":3100`) != 1 || strings.Count(body, `"phone_ms"`) != 1 {
		t.Errorf("GET /v1/audit: want phone_ms 3100 on one record only: %s", body)
	}
	var d apitype.LoginDetail
	do(t, srv, "GET", "/v1/audit/logins/Lp", "").want(t, http.StatusOK, "").decode(t, &d)
	if d.PhoneMS != 3100 || d.DurationMS != 3200 || len(d.Records) != 1 || d.Records[0].PhoneMS != 3100 {
		t.Fatalf("detail %+v", d)
	}
	wantSteps := []string{`request from client "vpn" through radius`, "token PUSH1, push through " + store.PushFCM,
		"the phone answered after 3100 ms", "accept: approved (the phone approved the push) after 3.2s"}
	if got := stepTexts(d); !slices.Equal(got, wantSteps) {
		t.Errorf("steps %q\nwant %q", got, wantSteps)
	}
	raw := do(t, srv, "GET", "/v1/audit/logins/Lc", "").want(t, http.StatusOK, "").body
	if strings.Contains(raw, "phone_ms") || strings.Contains(raw, "the phone answered") {
		t.Errorf("a login the phone did not decide shows an answer time: %s", raw)
	}
}

func stepTexts(d apitype.LoginDetail) []string {
	var out []string
	for _, s := range d.Steps {
		out = append(out, s.What)
	}
	return out
}

// S6.11: GET /v1/stats' answer-time percentiles are the phone's answer
// times (phone_ms), not the whole logins' durations; a record written
// before phone_ms was kept counts with its duration_ms.
func TestStatsPhoneMS(t *testing.T) {
	srv := start(t, nil)
	minute := testNow.Truncate(time.Minute)
	for _, r := range []store.AuditRecord{
		{Time: minute, Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 20000, PhoneMS: 900},
		{Time: minute.Add(10 * time.Second), Outcome: "reject", Reason: "denied", Provider: "poll", DurationMS: 30000, PhoneMS: 1400},
		{Time: minute.Add(20 * time.Second), Outcome: "accept", Reason: "approved", Provider: "poll", DurationMS: 2500}, // older record
		{Time: minute.Add(30 * time.Second), Outcome: "accept", Reason: "passcode", DurationMS: 40000},
	} {
		r.LoginID, r.User, r.Client = "l", "alice", "vpn"
		if err := srv.Store.AppendAudit(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
	}
	st := decoded[apitype.Stats](t, do(t, srv, "GET", "/v1/stats?window=1m", "").want(t, 200, ""))
	// Buckets 1000, 1500 and 3000: the median is 1500, the 90th 3000.
	if m := st.Minutes[0]; m.Answered != 3 || m.AnswerP50MS != 1500 || m.AnswerP90MS != 3000 || m.Outcomes["accept"] != 3 {
		t.Errorf("minute %+v; want 3 answered, p50 1500, p90 3000", m)
	}
}
