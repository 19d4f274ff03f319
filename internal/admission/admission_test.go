package admission

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The tests run in synctest bubbles: synctest.Wait returns once every
// goroutine of the test is blocked (so a waiter is known to be queued
// without polling), fake time makes MaxWait instant, and synctest.Test
// fails if a goroutine is left blocked when the test ends (a leak).

// acquirer is one Acquire running on its own goroutine.
type acquirer struct {
	release func()
	err     error
	done    chan struct{}
}

func startAcquire(ctx context.Context, g *Gate, k Key) *acquirer {
	a := &acquirer{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.release, a.err = g.Acquire(ctx, k)
	}()
	return a
}

// finished reports whether the Acquire returned (call after synctest.Wait).
func (a *acquirer) finished() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

func mustAcquire(t *testing.T, g *Gate, k Key) func() {
	t.Helper()
	release, err := g.Acquire(t.Context(), k)
	if err != nil {
		t.Fatalf("acquire %v: %v", k, err)
	}
	return release
}

// queued starts an Acquire and returns once it has returned or waits in
// the gate.
func queued(ctx context.Context, g *Gate, k Key) *acquirer {
	a := startAcquire(ctx, g, k)
	synctest.Wait()
	return a
}

// oneSlot returns a gate of one slot, whose clients may queue queue
// requests each, and the release of the slot, which k holds.
func oneSlot(t *testing.T, queue int, k Key) (*Gate, func()) {
	t.Helper()
	g := New(Limits{Capacity: 1, Share: 1, Queue: queue, MaxWait: time.Hour})
	return g, mustAcquire(t, g, k)
}

// admissions records the order in which queued Acquires are admitted,
// each releasing its slot at once.
type admissions struct {
	mu    sync.Mutex
	ws    sync.WaitGroup
	order []string
}

// queue starts an Acquire for k, recorded as label once admitted, and
// returns once it waits in the gate.
func (a *admissions) queue(t *testing.T, g *Gate, k Key, label string) {
	a.ws.Go(func() {
		release, err := g.Acquire(t.Context(), k)
		if err != nil {
			t.Errorf("acquire %v: %v", k, err)
			return
		}
		a.mu.Lock()
		a.order = append(a.order, label)
		a.mu.Unlock()
		release()
	})
	synctest.Wait()
}

// wait returns the order once every queued Acquire has been admitted.
func (a *admissions) wait() []string {
	a.ws.Wait()
	return a.order
}

// Stats are a snapshot of a gate's load.
type Stats struct {
	Running int // admitted and not yet released
	Waiting int // blocked in Acquire
	Clients int // clients holding or waiting
	// QueueLimit is how many requests of one client may wait now.
	QueueLimit int
}

// Stats returns the gate's current load.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := Stats{Running: g.running, Clients: len(g.clients), QueueLimit: g.queueLimit()}
	for _, c := range g.clients {
		s.Waiting += c.waiting
	}
	return s
}

// Limits returns the gate's limits.
func (g *Gate) Limits() Limits { return g.limits }

// checkEmpty fails unless the gate holds and awaits nothing and has
// forgotten every client.
func checkEmpty(t *testing.T, g *Gate) {
	t.Helper()
	if s := g.Stats(); s.Running != 0 || s.Waiting != 0 || s.Clients != 0 {
		t.Fatalf("gate not empty: %+v", s)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.turns) != 0 {
		t.Fatalf("%d clients still in turn", len(g.turns))
	}
}

var (
	keyA = Key{Client: "vpn-a"}
	keyB = Key{Client: "vpn-b"}
	keyC = Key{Client: "vpn-c"}
)

// A burst from one client, then one request from another: the other
// client's request is admitted at the first free slot, before the rest of
// the burst (a FIFO semaphore would make it wait for all of it).
func TestBurstDoesNotStarveAnotherClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Limits{Capacity: 2, Share: 2, Queue: 100, MaxWait: time.Hour})
		held := []func(){mustAcquire(t, g, keyA), mustAcquire(t, g, keyA)}
		var burst []*acquirer
		for range 50 {
			burst = append(burst, startAcquire(t.Context(), g, keyA))
		}
		synctest.Wait()
		other := queued(t.Context(), g, keyB)
		if s := g.Stats(); s.Running != 2 || s.Waiting != 51 {
			t.Fatalf("before a release: %+v, want 2 running, 51 waiting", s)
		}
		held[0]()
		synctest.Wait()
		if !other.finished() || other.err != nil {
			t.Fatalf("client B not admitted at the first free slot (err %v)", other.err)
		}
		if s := g.Stats(); s.Waiting != 50 {
			t.Fatalf("%d of client A's burst still waiting, want all 50", s.Waiting)
		}
		other.release()
		held[1]()
		drain(t, burst)
		checkEmpty(t, g)
	})
}

// drain releases each acquirer as it is admitted, in whatever order, and
// returns once all have been admitted and released.
func drain(t *testing.T, as []*acquirer) {
	t.Helper()
	var released sync.WaitGroup
	for _, a := range as {
		released.Go(func() {
			<-a.done
			if a.err == nil {
				a.release()
			}
		})
	}
	released.Wait()
	for _, a := range as {
		if a.err != nil {
			t.Fatalf("acquire: %v", a.err)
		}
	}
}

// A client holds at most its share: with a slot free, its next request
// waits, and another client's is admitted at once.
func TestShareLeavesRoomForOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(DefaultLimits(4, 0))
		if l := g.Limits(); l.Share != 3 {
			t.Fatalf("default share of 4 slots = %d, want 3", l.Share)
		}
		var held []func()
		for range 3 {
			held = append(held, mustAcquire(t, g, keyA))
		}
		fourth := queued(t.Context(), g, keyA)
		if fourth.finished() {
			t.Fatal("client A got a 4th slot beyond its share of 3")
		}
		held = append(held, mustAcquire(t, g, keyB)) // at once: no goroutine, no wait
		held[0]()
		synctest.Wait()
		if !fourth.finished() || fourth.err != nil {
			t.Fatalf("client A's waiter not admitted once below its share (err %v)", fourth.err)
		}
		held = append(held, fourth.release)
		for _, r := range held[1:] {
			r()
		}
		checkEmpty(t, g)
	})
}

// Beyond its queue a client's request fails at once with ErrBusy, without
// waiting for anything; other clients still queue.
func TestFullQueueFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, holder := oneSlot(t, 2, keyA)
		waiting := []*acquirer{queued(t.Context(), g, keyA), queued(t.Context(), g, keyA)}
		start := time.Now()
		_, err := g.Acquire(t.Context(), keyA)
		if !errors.Is(err, ErrBusy) {
			t.Fatalf("third waiter of client A: err %v, want ErrBusy", err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("a full queue failed after %v, want at once", waited)
		}
		other := queued(t.Context(), g, keyB)
		if other.finished() {
			t.Fatalf("client B: %v, want it queued", other.err)
		}
		holder()
		drain(t, append(waiting, other))
		checkEmpty(t, g)
	})
}

// Within a client, one source fills at most half its queue; the other
// sources of the client still queue, and take turns with it.
func TestSourcesTakeTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := Key{Client: "pushweb", Source: "198.51.100.7"}
		y := Key{Client: "pushweb", Source: "203.0.113.9"}
		g, holder := oneSlot(t, 4, x) // a source queues 2
		var a admissions
		a.queue(t, g, x, x.Source)
		a.queue(t, g, x, x.Source)
		if _, err := g.Acquire(t.Context(), x); !errors.Is(err, ErrBusy) {
			t.Fatalf("third waiter of one source: err %v, want ErrBusy", err)
		}
		a.queue(t, g, y, y.Source)
		holder()
		if order, want := a.wait(), []string{x.Source, y.Source, x.Source}; !slices.Equal(order, want) {
			t.Fatalf("admitted %v, want %v", order, want)
		}
		checkEmpty(t, g)
	})
}

// Waiters of several clients are admitted round-robin between clients.
func TestClientsTakeTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, holder := oneSlot(t, 10, keyA)
		var a admissions
		for _, k := range []Key{keyA, keyA, keyA, keyB, keyB, keyC} {
			a.queue(t, g, k, k.Client) // queued in this order
		}
		holder()
		order, want := a.wait(), []string{"vpn-a", "vpn-b", "vpn-c", "vpn-a", "vpn-b", "vpn-a"}
		if !slices.Equal(order, want) {
			t.Fatalf("admitted %v, want %v", order, want)
		}
		checkEmpty(t, g)
	})
}

// A cancelled waiter leaves the queue, so its place is free again.
func TestCancelFreesQueuePlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, holder := oneSlot(t, 1, keyA)
		ctx, cancel := context.WithCancel(t.Context())
		w := queued(ctx, g, keyA)
		if _, err := g.Acquire(t.Context(), keyA); !errors.Is(err, ErrBusy) {
			t.Fatalf("queue of 1 with a waiter: err %v, want ErrBusy", err)
		}
		cancel()
		synctest.Wait()
		if !w.finished() || !errors.Is(w.err, context.Canceled) {
			t.Fatalf("cancelled waiter: finished %v, err %v", w.finished(), w.err)
		}
		if s := g.Stats(); s.Waiting != 0 || s.Running != 1 {
			t.Fatalf("after the cancel: %+v, want 1 running, none waiting", s)
		}
		next := queued(t.Context(), g, keyA)
		if next.finished() {
			t.Fatalf("the freed queue place was refused: %v", next.err)
		}
		holder()
		drain(t, []*acquirer{next})
		checkEmpty(t, g)
	})
}

// A waiter admitted at the moment its context ends gives its slot back,
// to the next waiter: no slot is lost.
func TestCancelAtAdmissionGivesSlotBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, holder := oneSlot(t, 1, keyA)
		ctx, cancel := context.WithCancel(t.Context())
		w := queued(ctx, g, keyB)
		next := queued(t.Context(), g, keyC)
		cancel()
		holder() // admits w (first in turn), whose ctx has ended
		synctest.Wait()
		if !errors.Is(w.err, context.Canceled) {
			t.Fatalf("cancelled waiter: err %v, want context.Canceled", w.err)
		}
		if !next.finished() || next.err != nil {
			t.Fatalf("the slot given back did not reach the next waiter (err %v)", next.err)
		}
		next.release()
		checkEmpty(t, g)
	})
}

// A waiter not admitted within MaxWait fails with ErrBusy.
func TestMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Limits{Capacity: 1, Share: 1, Queue: 5, MaxWait: 3 * time.Second})
		holder := mustAcquire(t, g, keyA)
		start := time.Now()
		_, err := g.Acquire(t.Context(), keyB)
		if !errors.Is(err, ErrBusy) || time.Since(start) != 3*time.Second {
			t.Fatalf("err %v after %v, want ErrBusy after 3s", err, time.Since(start))
		}
		if s := g.Stats(); s.Waiting != 0 {
			t.Fatalf("timed-out waiter still queued: %+v", s)
		}
		holder()
		checkEmpty(t, g)
	})
}

// Releasing twice frees one slot only.
func TestReleaseTwice(t *testing.T) {
	g := New(Limits{Capacity: 2, Share: 2, Queue: 1})
	r1 := mustAcquire(t, g, keyA)
	r2 := mustAcquire(t, g, keyA)
	r1()
	r1()
	if s := g.Stats(); s.Running != 1 {
		t.Fatalf("after releasing one slot twice: %+v, want 1 running", s)
	}
	r2()
	checkEmpty(t, g)
}

// Many goroutines of several clients, some cancelled: never more holders
// than the capacity, nor than the share per client, and nothing is left
// behind.
func TestConcurrentLimitsHold(t *testing.T) {
	l := Limits{Capacity: 4, Share: 3, Queue: 8, MaxWait: time.Second}
	g := New(l)
	var total atomic.Int32
	per := make([]atomic.Int32, 5)
	var ws sync.WaitGroup
	for i := range 400 {
		ws.Go(func() {
			cl := i % len(per)
			k := Key{Client: fmt.Sprint("c", cl), Source: fmt.Sprint(i % 3)}
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(3000))*time.Microsecond)
			defer cancel()
			release, err := g.Acquire(ctx, k)
			if err != nil {
				return
			}
			if n := total.Add(1); n > int32(l.Capacity) {
				t.Errorf("%d holders, capacity %d", n, l.Capacity)
			}
			if n := per[cl].Add(1); n > int32(l.Share) {
				t.Errorf("client %d holds %d, share %d", cl, n, l.Share)
			}
			time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond) // holding the slot
			per[cl].Add(-1)
			total.Add(-1)
			release()
		})
	}
	ws.Wait()
	checkEmpty(t, g)
}

func TestDefaultLimits(t *testing.T) {
	for _, tc := range []struct{ capacity, share int }{{0, 1}, {1, 1}, {2, 2}, {4, 3}, {8, 6}} {
		l := DefaultLimits(tc.capacity, 30*time.Millisecond)
		if l.Capacity != max(tc.capacity, 1) || l.Share != tc.share || l.QueueTime != 2*time.Second ||
			l.InitialHold != 30*time.Millisecond || l.MaxWait != 5*time.Second {
			t.Errorf("DefaultLimits(%d) = %+v, want share %d", tc.capacity, l, tc.share)
		}
	}
}

// A client's queue holds what its share drains in QueueTime: few
// requests while checks are slow, more once they are measured faster.
func TestQueueFollowsHoldTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Limits{Capacity: 2, Share: 2, QueueTime: time.Second, Queue: 1000,
			InitialHold: 100 * time.Millisecond, MaxWait: time.Hour})
		if got := g.Stats().QueueLimit; got != 20 { // 1 s × 2 holders / 100 ms
			t.Fatalf("queue limit %d before any hold, want 20", got)
		}
		for range 100 { // holds of 10 ms
			release := mustAcquire(t, g, keyA)
			time.Sleep(10 * time.Millisecond)
			release()
		}
		if got := g.Stats().QueueLimit; got < 150 || got > 200 {
			t.Fatalf("queue limit %d after holds of 10 ms, want about 200", got)
		}
		held := []func(){mustAcquire(t, g, keyA), mustAcquire(t, g, keyA)}
		time.Sleep(time.Second) // the average follows these long holds
		held[0]()
		held[1]()
		if got := g.Stats().QueueLimit; got >= 150 {
			t.Fatalf("queue limit %d after two holds of 1 s, want it lower", got)
		}
		checkEmpty(t, g)
	})
}

// A source may fill half of its client's queue.
func TestSourceFillsHalfTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Limits{Capacity: 1, Share: 1, QueueTime: time.Second, Queue: 1000,
			InitialHold: 100 * time.Millisecond, MaxWait: time.Hour}) // client queue 10
		x := Key{Client: "pushweb", Source: "198.51.100.7"}
		holder := mustAcquire(t, g, x)
		var waiting []*acquirer
		for range 5 {
			waiting = append(waiting, startAcquire(t.Context(), g, x))
		}
		synctest.Wait()
		if _, err := g.Acquire(t.Context(), x); !errors.Is(err, ErrBusy) {
			t.Fatalf("6th waiter of one source with a client queue of 10: err %v, want ErrBusy", err)
		}
		for i := range 5 {
			waiting = append(waiting, startAcquire(t.Context(), g, Key{Client: "pushweb", Source: fmt.Sprint("203.0.113.", i)}))
		}
		synctest.Wait()
		if s := g.Stats(); s.Waiting != 10 {
			t.Fatalf("%d waiting, want 10 (5 of one source, 5 of others)", s.Waiting)
		}
		if _, err := g.Acquire(t.Context(), Key{Client: "pushweb", Source: "192.0.2.1"}); !errors.Is(err, ErrBusy) {
			t.Fatalf("11th waiter of the client: err %v, want ErrBusy", err)
		}
		holder()
		drain(t, waiting)
		checkEmpty(t, g)
	})
}
