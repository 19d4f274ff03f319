package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ProbeUser is the user name the write probe records a push for. It can
// never be a user's name (auth.NormalizeUserName refuses '#'), so the one
// push row a probe leaves counts toward nobody's cap; the next pushes
// prune it after PushRetention like any other.
const ProbeUser = "#store-write-probe"

// probeTimeout bounds one probe write.
const probeTimeout = 5 * time.Second

// Causes of a store that cannot write (WriteState.Cause).
const (
	CauseDiskFull = "disk full"
	CauseReadOnly = "read-only"
	CauseWrite    = "write failed"
)

// WriteState is whether the store can write, since when, and why not.
type WriteState struct {
	Writable bool
	Since    time.Time // when the state began (the watcher's start, or the change)
	Cause    string    // when not writable: CauseDiskFull, CauseReadOnly or CauseWrite
	Err      error     // when not writable: the write error that said so (may name users: log it, never serve it)
}

// WriteWatcher is a Store whose writes on the login path (audit records,
// passcode accepts, push records, failure counts and their reset,
// suspensions, device push registrations, and the directory users a login
// creates, links or renames) tell whether the store can still write, so that
// readiness and metrics can say so (SPEC S6). A write that fails for any
// reason but the caller's context or an answer such as ErrNotFound marks
// the store not writable; then a probe (a push recorded for ProbeUser, the
// same group commit the audit records take) runs every interval until it
// succeeds; any write that succeeds marks the store writable again. So
// the server recovers by itself once the disk has room again.
//
// The reads and the other writes (policies, tokens, activations: the
// operators') pass straight to the wrapped store (embedded): a method
// added to Store is watched only once it is listed here, and until then
// it merely goes unobserved.
type WriteWatcher struct {
	Store
	interval time.Duration
	onChange func(now, was WriteState)

	failures atomic.Uint64 // write failures seen, for a counter

	mu      sync.Mutex
	state   WriteState
	probing bool
	closed  bool
	stop    chan struct{} // closed by Close: ends the probe loop
	probes  sync.WaitGroup
}

// WatchWrites wraps s. onChange (optional) is called once per change of
// state with the new state and the one it ends, in the order the changes
// happened; interval is how often a store that cannot write is probed.
func WatchWrites(s Store, interval time.Duration, onChange func(now, was WriteState)) *WriteWatcher {
	if onChange == nil {
		onChange = func(_, _ WriteState) {}
	}
	return &WriteWatcher{Store: s, interval: interval, onChange: onChange, stop: make(chan struct{}),
		state: WriteState{Writable: true, Since: time.Now()}}
}

// State is the current write state.
func (w *WriteWatcher) State() WriteState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// WriteFailures is how many watched writes have failed since the start.
func (w *WriteWatcher) WriteFailures() uint64 { return w.failures.Load() }

// Close stops probing and closes the wrapped store.
func (w *WriteWatcher) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.stop)
	}
	w.mu.Unlock()
	w.probes.Wait()
	return w.Store.Close()
}

// observe notes the outcome of one write made under ctx and returns err.
func (w *WriteWatcher) observe(ctx context.Context, err error) error {
	switch {
	case err == nil:
		w.set(WriteState{Writable: true})
	case ctx.Err() != nil || !IsWriteFailure(err):
		// The caller gave up, or the store answered (not found, reused…).
	default:
		w.failures.Add(1)
		w.set(WriteState{Cause: WriteFailureCause(err), Err: err})
	}
	return err
}

// set moves to s (stamped now) unless the store is already in that
// state, tells onChange, and starts probing when the store cannot write.
// The lock is held while onChange runs, so changes are told in order;
// onChange must not call back into the watcher.
func (w *WriteWatcher) set(s WriteState) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state.Writable == s.Writable {
		return
	}
	s.Since = time.Now()
	was := w.state
	w.state = s
	w.onChange(s, was)
	if !s.Writable && !w.probing && !w.closed {
		w.probing = true
		w.probes.Add(1)
		go w.probe()
	}
}

// probe writes every interval until the store is writable again (its own
// write, or another) or the watcher closes.
func (w *WriteWatcher) probe() {
	defer w.probes.Done()
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		w.mu.Lock()
		done := w.state.Writable
		w.probing = !done
		w.mu.Unlock()
		if done {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		_ = w.RecordPush(ctx, ProbeUser, time.Now()) // observed like any write
		cancel()
	}
}

// IsWriteFailure tells whether err says the store could not write, as
// opposed to an answer about the data (not found, exists, a reused step,
// a withdrawn accept, a bad activation code, a user locked out), the
// caller's context ending, or a store that is closing.
func IsWriteFailure(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrNotFound), errors.Is(err, ErrExists), errors.Is(err, ErrOTPReused),
		errors.Is(err, ErrAcceptWithdrawn), errors.Is(err, ErrActivation), errors.Is(err, ErrLocked),
		errors.Is(err, ErrBypassUsed), errors.Is(err, ErrTooMany),
		errors.Is(err, ErrClosed):
		return false
	}
	return true
}

// WriteFailureCause names the kind of a write failure: CauseDiskFull
// (SQLITE_FULL, ENOSPC, PostgreSQL's disk_full), CauseReadOnly (a read-only
// file or database, a PostgreSQL standby) or CauseWrite. It knows the
// drivers' errors by their methods (sqliteError, sqlStateError), so that
// this package imports no driver.
func WriteFailureCause(err error) string {
	var se sqliteError
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case sqliteFull:
			return CauseDiskFull
		case sqliteReadOnly:
			return CauseReadOnly
		}
	}
	var pe sqlStateError
	if errors.As(err, &pe) {
		switch pe.SQLState() {
		case "53100": // disk_full
			return CauseDiskFull
		case "25006": // read_only_sql_transaction
			return CauseReadOnly
		}
	}
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return CauseDiskFull
	case errors.Is(err, syscall.EROFS):
		return CauseReadOnly
	}
	return CauseWrite
}

// sqliteError is modernc.org/sqlite's *Error: Code is SQLite's (extended)
// result code.
type sqliteError interface {
	error
	Code() int
}

// SQLite's primary result codes WriteFailureCause names
// (modernc.org/sqlite/lib's SQLITE_FULL and SQLITE_READONLY).
const (
	sqliteReadOnly = 8
	sqliteFull     = 13
)

// sqlStateError is pgx's *pgconn.PgError: SQLState is PostgreSQL's error
// code.
type sqlStateError interface {
	error
	SQLState() string
}

// The watched writes: each passes its outcome to observe.

// AppendAudit writes r and notes whether the write worked.
func (w *WriteWatcher) AppendAudit(ctx context.Context, r *AuditRecord) error {
	return w.observe(ctx, w.Store.AppendAudit(ctx, r))
}

// AcceptWithOTP writes the accept and notes whether the write worked.
func (w *WriteWatcher) AcceptWithOTP(ctx context.Context, a *OTPAccept) error {
	return w.observe(ctx, w.Store.AcceptWithOTP(ctx, a))
}

// RecordPush writes the push and notes whether the write worked.
func (w *WriteWatcher) RecordPush(ctx context.Context, user string, at time.Time) error {
	return w.observe(ctx, w.Store.RecordPush(ctx, user, at))
}

// RecordFailure counts the failure and notes whether the write worked.
func (w *WriteWatcher) RecordFailure(ctx context.Context, userID int64, next NextCounter) (LoginCounter, error) {
	c, err := w.Store.RecordFailure(ctx, userID, next)
	return c, w.observe(ctx, err)
}

// ResetLoginFailures writes the reset and notes whether the write worked.
func (w *WriteWatcher) ResetLoginFailures(ctx context.Context, userID int64) error {
	return w.observe(ctx, w.Store.ResetLoginFailures(ctx, userID))
}

// SuspendPush writes the suspension and notes whether the write worked.
func (w *WriteWatcher) SuspendPush(ctx context.Context, user string, until time.Time, reason string) error {
	return w.observe(ctx, w.Store.SuspendPush(ctx, user, until, reason))
}

// UpdateDevicePush writes the registration and notes whether the write worked.
func (w *WriteWatcher) UpdateDevicePush(ctx context.Context, deviceID, pushToken, disabledReason string) error {
	return w.observe(ctx, w.Store.UpdateDevicePush(ctx, deviceID, pushToken, disabledReason))
}

// DeleteDevice removes the device and notes whether the write worked.
func (w *WriteWatcher) DeleteDevice(ctx context.Context, deviceID string) error {
	return w.observe(ctx, w.Store.DeleteDevice(ctx, deviceID))
}

// SeenDevice records the device's last seen and notes whether the write
// worked.
func (w *WriteWatcher) SeenDevice(ctx context.Context, deviceID string, at time.Time) error {
	return w.observe(ctx, w.Store.SeenDevice(ctx, deviceID, at))
}

// CreateUser inserts the user and notes whether the write worked.
func (w *WriteWatcher) CreateUser(ctx context.Context, u *User) error {
	return w.observe(ctx, w.Store.CreateUser(ctx, u))
}

// SetDirectoryID links the user and notes whether the write worked.
func (w *WriteWatcher) SetDirectoryID(ctx context.Context, name, directoryID string) error {
	return w.observe(ctx, w.Store.SetDirectoryID(ctx, name, directoryID))
}

// RenameUser renames the user and notes whether the write worked.
func (w *WriteWatcher) RenameUser(ctx context.Context, oldName, newName string) error {
	return w.observe(ctx, w.Store.RenameUser(ctx, oldName, newName))
}

// AcceptWithBypass writes the accept and notes whether the write worked.
func (w *WriteWatcher) AcceptWithBypass(ctx context.Context, a *BypassAccept) error {
	return w.observe(ctx, w.Store.AcceptWithBypass(ctx, a))
}
