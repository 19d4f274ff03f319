package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxAuditBatch bounds how many records one transaction commits.
const maxAuditBatch = 512

// errClosed is returned for writes after Close.
var errClosed = errors.New("store closed")

// auditWriter commits audit records, and the push records of the per-user
// push cap, in groups: whatever arrives while one transaction is being
// synced goes into the next one, so a busy server pays one fsync per group
// instead of one per login and one per push. Each caller still returns
// only once its own record is durable.
type auditWriter struct {
	db     *sql.DB
	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan *auditJob
	done   chan struct{}
}

type auditJob struct {
	rec  *AuditRecord // an audit record, or
	push *pushRecord  // a push to a user
	done chan error
}

type pushRecord struct {
	user string
	at   time.Time
}

func newAuditWriter(db *sql.DB) *auditWriter {
	w := &auditWriter{db: db, queue: make(chan *auditJob, maxAuditBatch), done: make(chan struct{})}
	go w.run()
	return w
}

// append queues r and waits until it is committed or ctx ends (in which
// case the record may still be written).
func (w *auditWriter) append(ctx context.Context, r *AuditRecord) error {
	return w.do(ctx, &auditJob{rec: r, done: make(chan error, 1)})
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
	for first := range w.queue {
		batch := w.collect(first)
		err := w.commit(batch)
		for _, j := range batch {
			j.done <- err
		}
	}
}

// collect takes first and whatever else is already queued.
func (w *auditWriter) collect(first *auditJob) []*auditJob {
	batch := []*auditJob{first}
	for len(batch) < maxAuditBatch {
		select {
		case j, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// commit inserts the batch in one transaction and sets each record's ID.
func (w *auditWriter) commit(batch []*auditJob) error {
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append audit: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	ids, err := insertAudit(ctx, tx, batch)
	if err != nil {
		return err
	}
	if err := insertPushes(ctx, tx, batch); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append audit: commit: %w", err)
	}
	for i, j := range batch {
		if j.rec != nil {
			j.rec.ID = ids[i]
		}
	}
	return nil
}

func insertAudit(ctx context.Context, tx *sql.Tx, batch []*auditJob) ([]int64, error) {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("append audit: prepare: %w", err)
	}
	defer stmt.Close()
	ids := make([]int64, len(batch))
	for i, j := range batch {
		r := j.rec
		if r == nil {
			continue
		}
		res, err := stmt.ExecContext(ctx, r.LoginID, unixNano(r.Time), r.User, r.Client, r.Agent, r.Token,
			r.Provider, r.Outcome, r.Reason, r.DurationMS, r.Reported)
		if err != nil {
			return nil, fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
	}
	return ids, nil
}

// insertPushes stores the batch's push records and forgets pushes older
// than PushRetention before the newest one, so the table stays small.
func insertPushes(ctx context.Context, tx *sql.Tx, batch []*auditJob) error {
	var newest time.Time
	for _, j := range batch {
		if j.push == nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pushes (username, at) VALUES (?, ?)`,
			j.push.user, unixNano(j.push.at)); err != nil {
			return fmt.Errorf("record push to %q: %w", j.push.user, err)
		}
		if j.push.at.After(newest) {
			newest = j.push.at
		}
	}
	if newest.IsZero() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pushes WHERE at < ?`, newest.Add(-PushRetention).UnixNano()); err != nil {
		return fmt.Errorf("record push: prune: %w", err)
	}
	return nil
}
