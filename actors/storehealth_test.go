package actors

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// unwritableStore is the rig's store with its audit records and push
// records failing as on a full disk, while their errors are set.
type unwritableStore struct {
	*fakeStore
	mu       sync.Mutex
	auditErr error
	pushErr  error
}

var errDiskFull = fmt.Errorf("append audit: commit: %w", syscall.ENOSPC)

func (s *unwritableStore) AppendAudit(ctx context.Context, r *store.AuditRecord) error {
	s.mu.Lock()
	err := s.auditErr
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.fakeStore.AppendAudit(ctx, r)
}

func (s *unwritableStore) RecordPush(ctx context.Context, user string, at time.Time) error {
	s.mu.Lock()
	err := s.pushErr
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.fakeStore.RecordPush(ctx, user, at)
}

// unwritableRig is a rig whose store fails audit records (auditErr) and
// push records (pushErr), and whose log the test reads.
func unwritableRig(t *testing.T, auditErr, pushErr error) (*rig, *logbuf.Buffer) {
	logs := &logbuf.Buffer{}
	r := newRig(t, func(d *Deps) {
		d.Store = &unwritableStore{fakeStore: d.Store.(*fakeStore), auditErr: auditErr, pushErr: pushErr}
		d.Log = zerolog.New(logs)
	})
	return r, logs
}

func (r *rig) finishedWith(outcome string) int {
	return int(testutil.ToFloat64(r.metrics.finished.WithLabelValues(outcome)))
}

// S6.6: a push approved on the phone whose audit record the store cannot
// write is answered Access-Reject, not Access-Accept; an error line names
// the login and the outcome it would have had, and the login counts as a
// reject.
func TestS6_6ApprovalWithoutRecordIsRejected(t *testing.T) {
	r, logs := unwritableRig(t, errDiskFull, nil)
	r.user("alice", phoneToken("d1"), oathToken())
	q := r.send("alice", "pw-alice", "", "")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	if st := r.answer(n, push.Approve); st != AnswerAccepted {
		t.Fatalf("approve: %v", st)
	}
	if rep := q.expect(t, Reject); rep.Message != msgUnavailable {
		t.Fatalf("Reply-Message %q, want %q", rep.Message, msgUnavailable)
	}
	if recs := r.store.AuditRecords(); len(recs) != 0 {
		t.Fatalf("records written: %+v", recs)
	}
	line := logLine(t, logs, "audit record not written: the accept is refused")
	for _, want := range []string{`"login":"` + n.Payload.LoginID + `"`, `"outcome":"accept"`, `"reason":"approved"`,
		`"sent":"reject"`, `"level":"error"`, "no space left on device"} {
		if !strings.Contains(line, want) {
			t.Errorf("error line lacks %s: %s", want, line)
		}
	}
	finished := logLine(t, logs, "login finished")
	if !strings.Contains(finished, `"outcome":"reject"`) || !strings.Contains(finished, `"reason":"store-error"`) {
		t.Errorf("login finished line: %s", finished)
	}
	if r.finishedWith("accept") != 0 || r.finishedWith("reject") != 1 {
		t.Errorf("logins counted: %d accept, %d reject", r.finishedWith("accept"), r.finishedWith("reject"))
	}
}

// S6.6: a reject whose record cannot be written is still a reject, with
// its own message, and an error line says the record is missing.
func TestS6_6DenyWithoutRecordStaysReject(t *testing.T) {
	r, logs := unwritableRig(t, errDiskFull, nil)
	r.user("bob", phoneToken("d1"))
	q := r.send("bob", "pw-bob", "", "")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.answer(n, push.Deny)
	if rep := q.expect(t, Reject); rep.Message != msgDenied {
		t.Fatalf("Reply-Message %q", rep.Message)
	}
	if line := logLine(t, logs, "audit record not written"); !strings.Contains(line, `"reason":"denied"`) {
		t.Fatalf("error line: %s", line)
	}
}

// S6.6: a push the store cannot count for the push cap is not sent: the
// login takes the next authentication action (the passcode, which still
// works when its own write does), with the reason push-unrecorded.
func TestS6_6PushNotSentWithoutRecord(t *testing.T) {
	r, logs := unwritableRig(t, nil, errDiskFull)
	r.user("carol", phoneToken("d1"), oathToken())
	rep := r.send("carol", "pw-carol", "", "").expect(t, Challenge)
	if rep.Message != msgPushUnusable {
		t.Fatalf("Reply-Message %q", rep.Message)
	}
	r.noPush()
	logLine(t, logs, "push not sent: the store could not record it for the push cap")
	r.send("carol", auth.HOTP(oathSeed, 0, 6), rep.State, "").expect(t, Accept)
	if rec := r.audits(1)[0]; rec.Outcome != "accept" || rec.Reason != "passcode;"+auth.ReasonPushUnrecorded {
		t.Fatalf("audit %+v", rec)
	}
}

// S6.6: a user whose only token is the phone has no next action: Reject.
func TestS6_6PushOnlyUserRejectedWithoutRecord(t *testing.T) {
	r, _ := unwritableRig(t, nil, errDiskFull)
	r.user("dave", phoneToken("d1"))
	if rep := r.send("dave", "pw-dave", "", "").expect(t, Reject); rep.Message != msgAuthFailed {
		t.Fatalf("Reply-Message %q", rep.Message)
	}
	r.noPush()
	if rec := r.audits(1)[0]; rec.Reason != auth.ReasonPushUnrecorded {
		t.Fatalf("audit %+v", rec)
	}
}

// logLine returns the first log line holding msg; it fails the test when
// there is none.
func logLine(t *testing.T, logs *logbuf.Buffer, msg string) string {
	t.Helper()
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"message":"`+msg) {
			return line
		}
	}
	t.Fatalf("no log line %q in:\n%s", msg, logs)
	return ""
}
