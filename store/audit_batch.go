package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxAuditBatch bounds how many records one transaction commits.
const maxAuditBatch = 512

// auditLinger is how long a group waits for more jobs when the group
// before it had company: under concurrent logins, waiting this long halves
// the transactions (and fsyncs) per login, which costs less than the wait
// (measured: about 3.5 jobs per group without it, 7 with it, at 16 passcode
// logins outstanding). A lone login never waits: its group had no company.
const auditLinger = 300 * time.Microsecond

// errClosed is returned for writes after Close.
var errClosed = errors.New("store closed")

// auditWriter commits audit records, the push records of the per-user
// push cap and the used-OTP steps of passcode accepts, in groups: whatever
// arrives while one transaction is being synced goes into the next one (which,
// under concurrent logins, also waits auditLinger for more), so a busy
// server pays one fsync per group instead of one per login and one per
// push. Each caller still returns only once its own record is durable.
type auditWriter struct {
	commit func(ctx context.Context, batch []*auditJob) error // one transaction per group
	linger time.Duration                                      // see auditLinger
	mu     sync.RWMutex                                       // guards closed against sends on a closed queue
	closed bool
	queue  chan *auditJob
	done   chan struct{}
}

type auditJob struct {
	rec  *AuditRecord // an audit record, or
	push *pushRecord  // a push to a user, or
	otp  *otpStep     // with rec: an OTPAccept, the step to consume first
	err  error        // the job's own outcome, set by commit (e.g. a reused step)
	done chan error
}

// accept tells whether the job is an OTPAccept: a step to consume and a
// record written only if it was.
func (j *auditJob) accept() bool { return j.otp != nil }

// claimAccept calls an OTPAccept's Claim once, as the job joins its
// transaction; a refusal becomes the job's error (the record is skipped).
func (j *auditJob) claimAccept() {
	if j.otp.claim != nil && !j.otp.claim() {
		j.err = ErrAcceptWithdrawn
	}
}

// otpStep is an OTPAccept's step: it is recorded only if it is greater
// than the token's last one.
type otpStep struct {
	tokenID, step int64
	claim         func() bool // OTPAccept.Claim
}

type pushRecord struct {
	user string
	at   time.Time
}

// newAuditWriter starts the writer goroutine; commit stores one group in
// one transaction and sets each audit record's ID (the driver's part);
// linger is how long a group waits for company (auditLinger).
func newAuditWriter(commit func(ctx context.Context, batch []*auditJob) error, linger time.Duration) *auditWriter {
	w := &auditWriter{commit: commit, linger: linger, queue: make(chan *auditJob, maxAuditBatch), done: make(chan struct{})}
	go w.run()
	return w
}

// append queues r and waits until it is committed or ctx ends (in which
// case the record may still be written).
func (w *auditWriter) append(ctx context.Context, r *AuditRecord) error {
	return w.do(ctx, &auditJob{rec: r, done: make(chan error, 1)})
}

// acceptWithOTP queues an OTPAccept and waits like append; the job's own
// error is errStepNotConsumed or ErrAcceptWithdrawn.
func (w *auditWriter) acceptWithOTP(ctx context.Context, a *OTPAccept) error {
	otp := &otpStep{tokenID: a.TokenID, step: a.Step, claim: a.Claim}
	return w.do(ctx, &auditJob{rec: a.Record, otp: otp, done: make(chan error, 1)})
}

// runAccept is both drivers' AcceptWithOTP: it stamps the record, runs the
// accept through w and tells a step w did not consume apart with
// tokenExists: ErrOTPReused when the token is there, else ErrNotFound.
func runAccept(ctx context.Context, w *auditWriter, node string, a *OTPAccept,
	tokenExists func(ctx context.Context, id int64) (bool, error)) error {
	a.Record.Time = orNow(a.Record.Time)
	a.Record.Node = cmp.Or(a.Record.Node, node)
	err := w.acceptWithOTP(ctx, a)
	if errors.Is(err, errStepNotConsumed) {
		var exists bool
		if exists, err = tokenExists(ctx, a.TokenID); err == nil {
			err = ErrNotFound
			if exists {
				err = ErrOTPReused
			}
		}
	}
	if err != nil {
		return fmt.Errorf("consume otp step of token %d: %w", a.TokenID, err)
	}
	return nil
}

// appendPush queues a push record and waits like append.
func (w *auditWriter) appendPush(ctx context.Context, user string, at time.Time) error {
	return w.do(ctx, &auditJob{push: &pushRecord{user: user, at: at}, done: make(chan error, 1)})
}

func (w *auditWriter) do(ctx context.Context, job *auditJob) error {
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.queue <- job:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-job.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops accepting records and waits for the queued ones.
func (w *auditWriter) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *auditWriter) run() {
	defer close(w.done)
	company := false // the last group had more than one job
	for first := range w.queue {
		batch := w.collect(first)
		if company {
			batch = w.gather(batch)
		}
		company = len(batch) > 1
		err := w.commit(context.Background(), batch)
		for _, j := range batch {
			if err != nil {
				j.done <- err // the group failed: so did every job in it
			} else {
				j.done <- j.err
			}
		}
	}
}

// collect takes first and whatever else is already queued.
func (w *auditWriter) collect(first *auditJob) []*auditJob {
	return w.fill([]*auditJob{first}, nil)
}

// gather adds the jobs that arrive within w.linger to batch, up to
// maxAuditBatch.
func (w *auditWriter) gather(batch []*auditJob) []*auditJob {
	if w.linger <= 0 {
		return batch
	}
	t := time.NewTimer(w.linger)
	defer t.Stop()
	return w.fill(batch, t.C)
}

// fill adds jobs to batch, up to maxAuditBatch: the ones already queued
// when until is nil, else the ones that arrive before until fires.
func (w *auditWriter) fill(batch []*auditJob, until <-chan time.Time) []*auditJob {
	for len(batch) < maxAuditBatch {
		j, ok := w.next(until)
		if !ok {
			return batch
		}
		batch = append(batch, j)
	}
	return batch
}

// next takes one job: one already queued when until is nil, else one that
// arrives before until fires. False when there is none or the queue closed.
func (w *auditWriter) next(until <-chan time.Time) (*auditJob, bool) {
	if until == nil {
		select {
		case j, ok := <-w.queue:
			return j, ok
		default:
			return nil, false
		}
	}
	select {
	case j, ok := <-w.queue:
		return j, ok
	case <-until:
		return nil, false
	}
}

// prunePushesBefore is the cut-off for forgetting pushes in a batch: every
// push older than PushRetention before the batch's newest push; the zero
// time when the batch holds no push.
func prunePushesBefore(batch []*auditJob) time.Time {
	var newest time.Time
	for _, j := range batch {
		if j.push != nil && j.push.at.After(newest) {
			newest = j.push.at
		}
	}
	if newest.IsZero() {
		return newest
	}
	return newest.Add(-PushRetention)
}
