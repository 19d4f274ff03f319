package deviceapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
	"github.com/pushauth/pushauth/store"
)

// withSeen gives the API a SeenRecorder writing to seer (the server's
// store when nil), stopped when the test ends (a write still stuck a
// second later is cancelled).
func withSeen(t *testing.T, seer deviceapi.DeviceSeer, queue int) func(*deviceapi.Deps) {
	return func(d *deviceapi.Deps) {
		if seer == nil {
			seer = d.Store
		}
		r := deviceapi.NewSeenRecorder(seer, d.Log, nil, queue)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			r.Stop(ctx)
		})
		d.Seen = r
	}
}

// lastSeen is the stored last seen of device id.
func lastSeen(t *testing.T, s *deviceapitest.Server, id string) time.Time {
	t.Helper()
	tok, err := s.Store.DeviceByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Device.LastSeen
}

// S5.6: a device's signed poll, and its polls with the poll
// token it earned, record it as seen, at most once per
// store.SeenInterval; a signed answer does too.
func TestPollRecordsLastSeen(t *testing.T) {
	var writes atomic.Int64
	var st store.Store
	counting := seerFunc(func(ctx context.Context, id string, at time.Time) error {
		writes.Add(1)
		return st.SeenDevice(ctx, id, at)
	})
	s := deviceapitest.Start(t, withSeen(t, counting, 0))
	st = s.Store
	p := activate(t, s, "alice")
	if got := lastSeen(t, s, p.id); !got.IsZero() {
		t.Fatalf("last seen after activation = %v, want never", got)
	}
	first := s.Clock.Now()
	token := p.pollToken(t, s)
	testwait.For(t, "the signed poll's last seen", func() bool { return lastSeen(t, s, p.id).Equal(first) })

	s.Clock.Add(time.Minute) // within the interval: not written again
	if r := withToken(t, s, p.id, token, nil); r.status != http.StatusOK {
		t.Fatalf("poll with token: %d %s", r.status, r.raw)
	}
	s.Clock.Add(store.SeenInterval) // past it: the token's poll is a new sight
	later := s.Clock.Now()
	if r := withToken(t, s, p.id, token, nil); r.status != http.StatusOK {
		t.Fatalf("poll with token: %d %s", r.status, r.raw)
	}
	testwait.For(t, "the token poll's last seen", func() bool { return lastSeen(t, s, p.id).Equal(later) })
	if n := writes.Load(); n != 2 { // one queue, in order: the poll within the interval asked for none
		t.Fatalf("%d writes for three polls, want 2", n)
	}

	s.Clock.Add(store.SeenInterval)
	answered := s.Clock.Now()
	pl := s.Push(t, "alice", p.id, time.Minute)
	if r := p.answer(t, s, pl.LoginID, pl.Nonce, "approve"); r.status != http.StatusOK {
		t.Fatalf("answer: %d %s", r.status, r.raw)
	}
	testwait.For(t, "the answer's last seen", func() bool { return lastSeen(t, s, p.id).Equal(answered) })
}

// failingSeer fails every write, or blocks it until its context ends.
type failingSeer struct {
	block  bool
	writes atomic.Int64
}

func (f *failingSeer) SeenDevice(ctx context.Context, _ string, _ time.Time) error {
	f.writes.Add(1)
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("disk full")
}

// S5.6: recording a device as seen never fails or slows its
// request: a failed write is logged (a warning for the first of a run of
// failures, then at debug level), and a store that does not answer
// only fills the bounded queue, whose overflow is dropped.
func TestLastSeenFailureDoesNotFailThePoll(t *testing.T) {
	failing := &failingSeer{}
	s := deviceapitest.Start(t, withSeen(t, failing, 0))
	p := activate(t, s, "alice")
	if r := p.pending(t, s, 0); r.status != http.StatusOK {
		t.Fatalf("poll with a failing last seen: %d %s", r.status, r.raw)
	}
	testwait.For(t, "the failed write's log line", func() bool {
		return failing.writes.Load() == 1 && strings.Contains(s.Logs.String(), "last seen not recorded")
	})
	if r := p.pending(t, s, 0); r.status != http.StatusOK { // fails again: logged, but not as a second warning
		t.Fatalf("second poll with a failing last seen: %d %s", r.status, r.raw)
	}
	testwait.For(t, "the second failed write's log line", func() bool {
		return strings.Count(s.Logs.String(), "last seen not recorded") == 2
	})
	if n := strings.Count(s.Logs.String(), `"level":"warn","component":"deviceapi","error":"disk full","device_id":"`+p.id+`","message":"last seen not recorded"`); n != 1 {
		t.Fatalf("%d warnings for two failed writes in a row, want 1:\n%s", n, s.Logs.String())
	}

	stuck := &failingSeer{block: true}
	s = deviceapitest.Start(t, withSeen(t, stuck, 1))
	phones := []*phone{activate(t, s, "bob"), activate(t, s, "carol"), activate(t, s, "dave")}
	start := time.Now()
	for _, p := range phones { // the first blocks the worker, the second fills the queue, the third is dropped
		if r := p.pending(t, s, 0); r.status != http.StatusOK {
			t.Fatalf("poll with a stuck store: %d %s", r.status, r.raw)
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("three polls with a stuck store took %s", took)
	}
	testwait.For(t, "the stuck write to start", func() bool { return stuck.writes.Load() == 1 })
}

// Stop writes the sights still queued before it returns.
func TestSeenRecorderStopDrains(t *testing.T) {
	var writes atomic.Int64
	seer := seerFunc(func(context.Context, string, time.Time) error { writes.Add(1); return nil })
	r := deviceapi.NewSeenRecorder(seer, zerolog.Nop(), nil, 8)
	for range 5 {
		r.Seen("d", time.Now())
	}
	r.Stop(context.Background())
	if got := writes.Load(); got != 5 {
		t.Fatalf("%d writes after Stop, want 5", got)
	}
	r.Seen("d", time.Now()) // after Stop: dropped, no panic
	r.Stop(context.Background())
	if got := writes.Load(); got != 5 {
		t.Fatalf("%d writes after a sight past Stop, want 5", got)
	}
}

type seerFunc func(ctx context.Context, id string, at time.Time) error

func (f seerFunc) SeenDevice(ctx context.Context, id string, at time.Time) error {
	return f(ctx, id, at)
}
