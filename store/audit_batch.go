package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// maxAuditBatch bounds how many records one transaction commits.
const maxAuditBatch = 512

// errClosed is returned for writes after Close.
var errClosed = errors.New("store closed")

// auditWriter commits audit records in groups: whatever records arrive
// while one transaction is being synced go into the next one, so a busy
// server pays one fsync per group instead of one per login. Each caller
// still returns only once its own record is durable.
type auditWriter struct {
	db     *sql.DB
	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan *auditJob
	done   chan struct{}
}

type auditJob struct {
	rec  *AuditRecord
	done chan error
}

func newAuditWriter(db *sql.DB) *auditWriter {
	w := &auditWriter{db: db, queue: make(chan *auditJob, maxAuditBatch), done: make(chan struct{})}
	go w.run()
	return w
}

// append queues r and waits until it is committed or ctx ends (in which
// case the record may still be written).
func (w *auditWriter) append(ctx context.Context, r *AuditRecord) error {
	job := &auditJob{rec: r, done: make(chan error, 1)}
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
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit (login_id, time, username, client, agent, token, provider, outcome, reason, duration_ms, reported)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("append audit: prepare: %w", err)
	}
	defer stmt.Close()
	ids := make([]int64, len(batch))
	for i, j := range batch {
		r := j.rec
		res, err := stmt.ExecContext(ctx, r.LoginID, unixNano(r.Time), r.User, r.Client, r.Agent, r.Token,
			r.Provider, r.Outcome, r.Reason, r.DurationMS, r.Reported)
		if err != nil {
			return fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return fmt.Errorf("append audit of login %q: %w", r.LoginID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append audit: commit: %w", err)
	}
	for i, j := range batch {
		j.rec.ID = ids[i]
	}
	return nil
}
