package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
)

// brokenWrites is a Store whose audit and push writes fail with err while
// it is set; the other methods are not used here.
type brokenWrites struct {
	Store
	mu     sync.Mutex
	err    error
	probes int // pushes recorded for ProbeUser
}

func (b *brokenWrites) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = err
}

func (b *brokenWrites) AppendAudit(context.Context, *AuditRecord) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *brokenWrites) RecordPush(_ context.Context, user string, _ time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if user == ProbeUser {
		b.probes++
	}
	return b.err
}

func (b *brokenWrites) CreateUser(context.Context, *User) error { return b.writeErr() }

func (b *brokenWrites) SetDirectoryID(context.Context, string, string) error { return b.writeErr() }

func (b *brokenWrites) RenameUser(context.Context, string, string) error { return b.writeErr() }

func (b *brokenWrites) writeErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *brokenWrites) Close() error { return nil }

// changes records what WatchWrites told its onChange.
type changes struct {
	mu   sync.Mutex
	seen []WriteState
}

func (c *changes) note(now, _ WriteState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, now)
}

func (c *changes) list() []WriteState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]WriteState(nil), c.seen...)
}

// A failed write marks the store not writable once (one change however
// many writes fail), the probe keeps trying while it is, and the store is
// writable again, by itself, once the probe's write works.
func TestWriteWatcherRecoversByProbing(t *testing.T) {
	inner := &brokenWrites{}
	var told changes
	w := WatchWrites(inner, time.Millisecond, told.note)
	defer w.Close()
	ctx := context.Background()
	if st := w.State(); !st.Writable {
		t.Fatalf("a new watcher: %+v", st)
	}
	full := fmt.Errorf("append audit: commit: %w", syscall.ENOSPC)
	inner.fail(full)
	for range 3 {
		if err := w.AppendAudit(ctx, &AuditRecord{}); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("the write's own error is returned: %v", err)
		}
	}
	st := w.State()
	if st.Writable || st.Cause != CauseDiskFull || !errors.Is(st.Err, syscall.ENOSPC) {
		t.Fatalf("after failed writes: %+v", st)
	}
	if got := told.list(); len(got) != 1 || got[0].Writable {
		t.Fatalf("changes told: %+v, want one (not writable)", got)
	}
	if w.WriteFailures() != 3 {
		t.Fatalf("%d write failures counted, want 3", w.WriteFailures())
	}
	testwait.For(t, "two probes", func() bool { // the probe runs while the store cannot write
		inner.mu.Lock()
		defer inner.mu.Unlock()
		return inner.probes >= 2
	})
	inner.fail(nil) // the disk has room again
	testwait.For(t, "writable again", func() bool { return w.State().Writable })
	if got := told.list(); len(got) != 2 || !got[1].Writable {
		t.Fatalf("changes told: %+v, want not writable then writable", got)
	}
}

// Any write that works marks the store writable, before the probe does.
func TestWriteWatcherWriteMarksWritable(t *testing.T) {
	inner := &brokenWrites{}
	w := WatchWrites(inner, time.Hour, nil)
	defer w.Close()
	ctx := context.Background()
	inner.fail(errors.New("connection refused"))
	_ = w.RecordPush(ctx, "alice", time.Now())
	if st := w.State(); st.Writable || st.Cause != CauseWrite {
		t.Fatalf("after a failed push record: %+v", st)
	}
	inner.fail(nil)
	if err := w.AppendAudit(ctx, &AuditRecord{}); err != nil {
		t.Fatal(err)
	}
	if st := w.State(); !st.Writable {
		t.Fatalf("after a write that worked: %+v", st)
	}
}

// The writes a directory user's login makes (creating, linking or renaming
// its user) are watched like the others.
func TestWriteWatcherWatchesDirectoryUsers(t *testing.T) {
	ctx := context.Background()
	for name, write := range map[string]func(*WriteWatcher) error{
		"CreateUser":     func(w *WriteWatcher) error { return w.CreateUser(ctx, &User{Name: "alice"}) },
		"SetDirectoryID": func(w *WriteWatcher) error { return w.SetDirectoryID(ctx, "alice", "guid-alice") },
		"RenameUser":     func(w *WriteWatcher) error { return w.RenameUser(ctx, "alice", "alice2") },
	} {
		inner := &brokenWrites{err: fmt.Errorf("%s: %w", name, syscall.ENOSPC)}
		w := WatchWrites(inner, time.Hour, nil)
		_ = write(w)
		if st := w.State(); st.Writable || st.Cause != CauseDiskFull || w.WriteFailures() != 1 {
			t.Errorf("%s failed: %+v, %d failures", name, st, w.WriteFailures())
		}
		w.Close()
	}
}

// The caller's context ending, answers about the data and a closed store
// say nothing about whether the store can write.
func TestWriteWatcherIgnoresAnswersAndCallerContext(t *testing.T) {
	inner := &brokenWrites{}
	w := WatchWrites(inner, time.Hour, nil)
	defer w.Close()
	for _, err := range []error{ErrNotFound, ErrExists, ErrOTPReused, ErrAcceptWithdrawn, ErrActivation, ErrLocked, ErrClosed,
		fmt.Errorf("wrapped: %w", ErrOTPReused)} {
		inner.fail(err)
		_ = w.AppendAudit(context.Background(), &AuditRecord{})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inner.fail(fmt.Errorf("append audit: %w", syscall.ENOSPC)) // failed as the caller gave up
	_ = w.AppendAudit(ctx, &AuditRecord{})
	if st := w.State(); !st.Writable || w.WriteFailures() != 0 {
		t.Fatalf("%+v, %d failures", st, w.WriteFailures())
	}
}

// Disk full and read-only are named for SQLite's errors (checked end to
// end in test/diskfull_test.go), the system's and PostgreSQL's; the
// drivers' own error types are checked in store/sqlite and store/postgres.
func TestWriteFailureCause(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("x: %w", syscall.ENOSPC), CauseDiskFull},
		{fmt.Errorf("x: %w", sqlStateErr("53100")), CauseDiskFull},
		{sqlStateErr("25006"), CauseReadOnly},
		{syscall.EROFS, CauseReadOnly},
		{sqlStateErr("08006"), CauseWrite},
		{fmt.Errorf("x: %w", sqliteErr(13|3<<8)), CauseDiskFull}, // an extended SQLITE_FULL
		{sqliteErr(8), CauseReadOnly},
		{sqliteErr(5), CauseWrite},
		{errors.New("boom"), CauseWrite},
	} {
		if got := WriteFailureCause(c.err); got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}

// sqlStateErr has pgconn.PgError's SQLState method.
type sqlStateErr string

func (e sqlStateErr) Error() string    { return "sqlstate " + string(e) }
func (e sqlStateErr) SQLState() string { return string(e) }

// sqliteErr has modernc.org/sqlite's Error's Code method.
type sqliteErr int

func (e sqliteErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteErr) Code() int     { return int(e) }
