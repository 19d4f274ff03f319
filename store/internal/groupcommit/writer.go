// Package groupcommit is both drivers' audit writer: audit records, the
// push records of the per-user push cap and the used-OTP steps of passcode
// accepts are committed in groups, one transaction (and one fsync) per
// group. The driver gives the commit of one group (Writer's commit func).
package groupcommit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pushauth/pushauth/store"
)

// MaxBatch bounds how many records one transaction commits.
const MaxBatch = 512

// Linger is how long a group waits for more jobs when the group
// before it had company: under concurrent logins, waiting this long halves
// the transactions (and fsyncs) per login, which costs less than the wait
// (measured: about 3.5 jobs per group without it, 7 with it, at 16 passcode
// logins outstanding). A lone login never waits: its group had no company.
const Linger = 300 * time.Microsecond

// ErrStepNotConsumed marks an OTPAccept whose step was not newer than the
// token's last one, or whose token is gone (RunAccept tells which): a
// driver's commit sets it as the job's Err.
var ErrStepNotConsumed = errors.New("otp step not consumed")

// Writer commits audit records, the push records of the per-user
// push cap and the used-OTP steps of passcode accepts, in groups: whatever
// arrives while one transaction is being synced goes into the next one (which,
// under concurrent logins, also waits Linger for more), so a busy
// server pays one fsync per group instead of one per login and one per
// push. Each caller still returns only once its own record is durable.
type Writer struct {
	commit func(ctx context.Context, batch []*Job) error // one transaction per group
	linger time.Duration                                 // see Linger
	mu     sync.RWMutex                                  // guards closed against sends on a closed queue
	closed bool
	queue  chan *Job
	done   chan struct{}
}

// Job is one write the writer commits: a record, a push or an accept.
type Job struct {
	Rec  *store.AuditRecord // an audit record, or
	Push *PushRecord        // a push to a user, or
	OTP  *OTPStep           // with Rec: an OTPAccept, the step to consume first
	Err  error              // the job's own outcome, set by commit (e.g. a reused step)
	done chan error
}

// Accept tells whether the job is an OTPAccept: a step to consume and a
// record written only if it was.
func (j *Job) Accept() bool { return j.OTP != nil }

// ClaimAccept calls an OTPAccept's Claim once, as the job joins its
// transaction; a refusal becomes the job's error (the record is skipped).
func (j *Job) ClaimAccept() {
	if j.OTP.claim != nil && !j.OTP.claim() {
		j.Err = store.ErrAcceptWithdrawn
	}
}

// OTPStep is an OTPAccept's step: it is recorded only if it is greater
// than the token's last one.
type OTPStep struct {
	TokenID, Step int64
	claim         func() bool // OTPAccept.Claim
}

// PushRecord is a push to a user, for the per-user push cap.
type PushRecord struct {
	User string
	At   time.Time
}

// New starts the writer goroutine; commit stores one group in
// one transaction and sets each audit record's ID (the driver's part);
// linger is how long a group waits for company (Linger).
func New(commit func(ctx context.Context, batch []*Job) error, linger time.Duration) *Writer {
	w := &Writer{commit: commit, linger: linger, queue: make(chan *Job, MaxBatch), done: make(chan struct{})}
	go w.run()
	return w
}

// Append queues r and waits until it is committed or ctx ends (in which
// case the record may still be written).
func (w *Writer) Append(ctx context.Context, r *store.AuditRecord) error {
	return w.do(ctx, &Job{Rec: r, done: make(chan error, 1)})
}

// acceptWithOTP queues an OTPAccept and waits like Append; the job's own
// error is ErrStepNotConsumed or ErrAcceptWithdrawn.
func (w *Writer) acceptWithOTP(ctx context.Context, a *store.OTPAccept) error {
	otp := &OTPStep{TokenID: a.TokenID, Step: a.Step, claim: a.Claim}
	return w.do(ctx, &Job{Rec: a.Record, OTP: otp, done: make(chan error, 1)})
}

// RunAccept is both drivers' AcceptWithOTP: it stamps the record, runs the
// accept through w and tells a step w did not consume apart with
// tokenExists: ErrOTPReused when the token is there, else ErrNotFound.
func RunAccept(ctx context.Context, w *Writer, node string, a *store.OTPAccept,
	tokenExists func(ctx context.Context, id int64) (bool, error)) error {
	if a.Record.Time.IsZero() {
		a.Record.Time = time.Now()
	}
	a.Record.Node = cmp.Or(a.Record.Node, node)
	err := w.acceptWithOTP(ctx, a)
	if errors.Is(err, ErrStepNotConsumed) {
		var exists bool
		if exists, err = tokenExists(ctx, a.TokenID); err == nil {
			err = store.ErrNotFound
			if exists {
				err = store.ErrOTPReused
			}
		}
	}
	if err != nil {
		return fmt.Errorf("consume otp step of token %d: %w", a.TokenID, err)
	}
	return nil
}

// AppendPush queues a push record and waits like Append.
func (w *Writer) AppendPush(ctx context.Context, user string, at time.Time) error {
	return w.do(ctx, &Job{Push: &PushRecord{User: user, At: at}, done: make(chan error, 1)})
}

func (w *Writer) do(ctx context.Context, job *Job) error {
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return store.ErrClosed
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

// Close stops accepting records and waits for the queued ones.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *Writer) run() {
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
				j.done <- j.Err
			}
		}
	}
}

// collect takes first and whatever else is already queued.
func (w *Writer) collect(first *Job) []*Job {
	return w.fill([]*Job{first}, nil)
}

// gather adds the jobs that arrive within w.linger to batch, up to
// MaxBatch.
func (w *Writer) gather(batch []*Job) []*Job {
	if w.linger <= 0 {
		return batch
	}
	t := time.NewTimer(w.linger)
	defer t.Stop()
	return w.fill(batch, t.C)
}

// fill adds jobs to batch, up to MaxBatch: the ones already queued
// when until is nil, else the ones that arrive before until fires.
func (w *Writer) fill(batch []*Job, until <-chan time.Time) []*Job {
	for len(batch) < MaxBatch {
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
func (w *Writer) next(until <-chan time.Time) (*Job, bool) {
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

// PrunePushesBefore is the cut-off for forgetting pushes in a batch: every
// push older than store.PushRetention before the batch's newest push; the zero
// time when the batch holds no push.
func PrunePushesBefore(batch []*Job) time.Time {
	var newest time.Time
	for _, j := range batch {
		if j.Push != nil && j.Push.At.After(newest) {
			newest = j.Push.At
		}
	}
	if newest.IsZero() {
		return newest
	}
	return newest.Add(-store.PushRetention)
}
