package test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// SPEC S2.10 (issue 18, item 7): password checks are admitted fairly per
// RADIUS client. A burst of 300 Access-Requests for unknown user names
// from one client (desktop, 127.0.0.1) with the default argon2id cost,
// then a real user's right password from another client (legacy,
// 127.0.0.4): the real user's password is checked at once, beside the
// burst's running checks, instead of after the whole burst (before the fix
// it waited behind all of it: seconds on two cores, or password-error once
// the login's 10 s ran out). The burst's logins all
// end as unknown-user, or password-busy where the client's share and queue
// were full (refused at once, nothing computed); none with password-error.
func TestPasswordBurstDoesNotStarveAnotherClient(t *testing.T) {
	if testing.Short() {
		t.Skip("300 argon2id checks at the default cost: not in -short")
	}
	const burst = 300
	h := StartServer(t, func(c *config.Config) {
		d := auth.DefaultArgon2Params() // the cost the issue measured: 19 MiB, t=2
		c.Passwords.Argon2MemoryKiB, c.Passwords.Argon2Time = d.MemoryKiB, d.Time
	})
	h.AddUser("rita", "pw-rita")
	tok := h.ProgramOATH("rita", "hotp") // no phone: the right password is answered with a challenge

	start := time.Now()
	replies := sendBurst(h, burst)
	// Rita comes once the burst is in and a first round of its checks
	// has ended: the rest of it is queued for the password checks by then.
	checkFor(t, 30*time.Second, func() bool {
		return h.Metric("pushauth_radius_requests_total", `client="desktop"`) >= burst &&
			replies.count() >= h.Cfg.Passwords.MaxConcurrent
	}, "the server to receive the burst and answer a first round of it")

	other := h.Client("127.0.0.4:0") // the legacy client (generic: treated like ddl)
	sent := time.Now()
	r, err := other.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "rita", "pw-rita", "", ""))
	waited := time.Since(sent)
	if err != nil {
		t.Fatalf("rita: %v", err)
	}
	state := challengeState(t, r)
	accept, err := other.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "rita", tok.HOTP(0), state, ""))
	if err != nil {
		t.Fatalf("rita's passcode: %v", err)
	}
	expectCode(t, accept, layeh.CodeAccessAccept)

	answered := sent.Add(waited)

	last := replies.wait(t)
	recs := burstRecords(t, h, burst)
	checkedMeanwhile := 0 // the burst's password checks that ended while rita waited
	for _, rec := range recs {
		if rec.Reason == auth.ReasonUnknownUser && !rec.Time.Before(sent) && rec.Time.Before(answered) {
			checkedMeanwhile++
		}
	}
	t.Logf("rita's password answered in %v, while %d of the burst's password checks ended; the burst of %d "+
		"took %v to answer; burst by reason (server-side duration min-max): %s", waited.Round(time.Millisecond),
		checkedMeanwhile, burst, last.Sub(start).Round(time.Millisecond), summarize(recs))
	// Admitted at once, rita's check runs beside the burst's running
	// checks: only those, and a round after them, end before hers. In one
	// queue it came after every queued check of the burst.
	if limit := 4 * h.Cfg.Passwords.MaxConcurrent; checkedMeanwhile > limit {
		t.Fatalf("rita's password waited while %d of the burst's were checked (more than %d): starved behind it",
			checkedMeanwhile, limit)
	}
}

// burstReplies collects the burst's replies as they arrive.
type burstReplies struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	last time.Time
	n    int // replies (or failures) so far
	errs []error
}

// count is how many requests have their reply (or failed) so far.
func (b *burstReplies) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// sendBurst sends n Access-Requests for unknown users with a wrong
// password from the desktop client (127.0.0.1), all at once, over as many
// sockets as the 256 RADIUS identifiers per socket need.
func sendBurst(h *Harness, n int) *burstReplies {
	b := &burstReplies{}
	socks := make([]*radclient.Client, (n+199)/200)
	for i := range socks {
		socks[i] = h.Client("")
		socks[i].Retry = time.Minute // one request each: the figures are not muddled by resends
	}
	for i := range n {
		b.wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			req := radclient.NewAccessRequest([]byte(secret), fmt.Sprintf("ghost%03d", i), "not-a-password", "", "")
			_, err := socks[i%len(socks)].Exchange(ctx, req)
			b.mu.Lock()
			defer b.mu.Unlock()
			b.last = time.Now()
			b.n++
			if err != nil {
				b.errs = append(b.errs, err)
			}
		})
	}
	return b
}

// wait returns when the last reply arrived, once every request has one.
func (b *burstReplies) wait(t *testing.T) time.Time {
	t.Helper()
	b.wg.Wait()
	if len(b.errs) > 0 {
		t.Fatalf("%d burst requests without a reply, first: %v", len(b.errs), b.errs[0])
	}
	return b.last
}

// burstRecords returns the desktop client's audit records, once there
// are n. Every one must be a reject of an unknown user or of a busy client.
func burstRecords(t *testing.T, h *Harness, n int) []apitype.AuditRecord {
	t.Helper()
	var recs []apitype.AuditRecord
	checkFor(t, 20*time.Second, func() bool {
		all, err := h.Admin.Audit(h.ctx(), "", 2*n)
		if err != nil {
			t.Fatalf("audit: %v", err)
		}
		recs = slices.DeleteFunc(all, func(r apitype.AuditRecord) bool { return r.Client != "desktop" })
		return len(recs) >= n
	}, "%d audit records of the burst", n)
	for _, r := range recs {
		if r.Outcome != "reject" || (r.Reason != auth.ReasonUnknownUser && r.Reason != "password-busy") {
			t.Errorf("burst login of %s: %s %s, want a reject for unknown-user or password-busy", r.User, r.Outcome, r.Reason)
		}
	}
	if len(recs) != n {
		t.Errorf("%d audit records of the burst, want %d", len(recs), n)
	}
	return recs
}

// summarize counts records by reason, with the shortest and longest
// duration of each: "password-busy 238 (0-5123 ms), unknown-user 62 (...)".
func summarize(recs []apitype.AuditRecord) string {
	type span struct{ n, lo, hi int64 }
	by := map[string]*span{}
	for _, r := range recs {
		s := by[r.Reason]
		if s == nil {
			s = &span{lo: r.DurationMS, hi: r.DurationMS}
			by[r.Reason] = s
		}
		s.n++
		s.lo, s.hi = min(s.lo, r.DurationMS), max(s.hi, r.DurationMS)
	}
	var parts []string
	for _, reason := range slices.Sorted(maps.Keys(by)) {
		s := by[reason]
		parts = append(parts, fmt.Sprintf("%s %d (%d-%d ms)", reason, s.n, s.lo, s.hi))
	}
	return strings.Join(parts, ", ")
}
