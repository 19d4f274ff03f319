package poll

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

// clock is a settable time for the queues' expiry.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) now() time.Time                { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration)           { c.ns.Add(int64(d)) }
func realTime() func() time.Time               { return time.Now }
func alone(t *testing.T) *Provider             { return newFakeNet(t, realTime(), "m1").member("m1").p }
func aloneAt(t *testing.T, c *clock) *Provider { return newFakeNet(t, c.now, "m1").member("m1").p }

// note is a push of login to device whose signed data names nonce (the
// device's known list holds nonces).
func note(device, login string, deadline time.Time) *providers.Notification {
	return &providers.Notification{
		Payload:  push.Payload{DeviceID: device, LoginID: login},
		Signed:   push.Signed{Data: `{"nonce":"` + login + `"}`},
		Deadline: deadline,
	}
}

func pending(t *testing.T, p *Provider, device string) []push.Signed {
	t.Helper()
	list, err := p.Pending(context.Background(), device)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// data lists the pushes' signed data, to compare.
func data(list []push.Signed) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Data
	}
	return out
}

func same(list []push.Signed, logins ...string) bool {
	got := data(list)
	if len(got) != len(logins) {
		return false
	}
	for i, l := range logins {
		if got[i] != `{"nonce":"`+l+`"}` {
			return false
		}
	}
	return true
}

func mustPush(t *testing.T, p *Provider, n *providers.Notification) {
	t.Helper()
	if err := p.Push(context.Background(), n); err != nil {
		t.Fatal(err)
	}
}

// S5.3: pending pushes per device, oldest deadline first, expired ones and
// withdrawn ones gone.
func TestPendingWithdrawAndExpiry(t *testing.T) {
	c := newClock(time.Unix(1000, 0))
	p := aloneAt(t, c)
	mustPush(t, p, note("d1", "late", c.now().Add(20*time.Second)))
	mustPush(t, p, note("d1", "soon", c.now().Add(5*time.Second)))
	mustPush(t, p, note("d2", "other", c.now().Add(5*time.Second)))
	if list := pending(t, p, "d1"); !same(list, "soon", "late") {
		t.Fatalf("pending %v", data(list))
	}
	p.Withdraw("d1", "soon")
	c.add(30 * time.Second)
	if list := pending(t, p, "d1"); len(list) != 0 {
		t.Fatalf("withdrawn or expired pushes still pending: %v", data(list))
	}
}

// A login that pushes again (a new nonce after a timeout) replaces its
// pending push: the device sees the newest one only.
func TestRepushReplacesLoginsPush(t *testing.T) {
	p := alone(t)
	deadline := time.Now().Add(time.Minute)
	mustPush(t, p, note("d1", "login-a", deadline))
	mustPush(t, p, note("d1", "login-b", deadline))
	again := note("d1", "login-a", deadline.Add(time.Second))
	again.Signed.Data = "login-a second push"
	mustPush(t, p, again)
	if list := pending(t, p, "d1"); len(list) != 2 || list[0].Data != `{"nonce":"login-b"}` || list[1].Data != "login-a second push" {
		t.Fatalf("pending %v, want login-b and login-a's second push", data(list))
	}
}

// waitAsync runs WaitFor in a goroutine, once the wait is parked at m.
func waitAsync(t *testing.T, asker *Provider, keeper *Provider, device string, known ...string) <-chan []push.Signed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	before := stats(t, keeper).waits
	got := make(chan []push.Signed, 1)
	go func() { got <- asker.WaitFor(ctx, device, known) }()
	testwait.For(t, "the wait to be parked", func() bool { return stats(t, keeper).waits == before+1 })
	return got
}

// Wait returns as soon as a push arrives.
func TestWaitWakesOnPush(t *testing.T) {
	p := alone(t)
	got := waitAsync(t, p, p, "d1")
	mustPush(t, p, note("d1", "L", time.Now().Add(time.Minute)))
	if list := <-got; !same(list, "L") {
		t.Fatalf("wait returned %v", data(list))
	}
	if w := stats(t, p).waits; w != 0 {
		t.Fatalf("%d waits still parked after the answer", w)
	}
}

// S5.3, defect 3: a poll that waits while the last push of its device is
// withdrawn must still wake for the device's next push. The device fetched
// N1 and keeps a long poll open with known=[N1]; N1 is approved (withdrawn,
// emptying the queue); login B pushes N2.
func TestWaitSurvivesWithdrawOfLastPush(t *testing.T) {
	p := alone(t)
	deadline := time.Now().Add(time.Minute)
	mustPush(t, p, note("d1", "A", deadline))
	got := waitAsync(t, p, p, "d1", "A")
	p.Withdraw("d1", "A")
	mustPush(t, p, note("d1", "B", deadline))
	if list := <-got; !same(list, "B") {
		t.Fatalf("wait returned %v, want B", data(list))
	}
}

// A wait that ends at its deadline answers with the pushes pending then,
// known ones included (read afresh, not before a withdraw).
func TestWaitEndsWithCurrentPushes(t *testing.T) {
	p := alone(t)
	mustPush(t, p, note("d1", "A", time.Now().Add(time.Minute)))
	mustPush(t, p, note("d1", "B", time.Now().Add(2*time.Minute)))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	got := make(chan []push.Signed, 1)
	go func() { got <- p.WaitFor(ctx, "d1", []string{"A", "B"}) }()
	testwait.For(t, "the wait to be parked", func() bool { return stats(t, p).waits == 1 })
	p.Withdraw("d1", "A")
	if list := <-got; !same(list, "B") {
		t.Fatalf("wait ended with %v, want B", data(list))
	}
}

// A poll that gives up (its request ended) leaves no wait parked.
func TestCancelledWaitIsForgotten(t *testing.T) {
	p := alone(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.WaitFor(ctx, "d1", nil); close(done) }()
	testwait.For(t, "the wait to be parked", func() bool { return stats(t, p).waits == 1 })
	cancel()
	<-done
	testwait.For(t, "the wait to be forgotten", func() bool { return stats(t, p).waits == 0 })
}

// Queues do not accumulate: devices that are pushed to but never poll
// (pushes expire without a withdraw) are dropped by the sweep, and polling
// an empty queue creates none.
func TestSweepDropsIdleQueues(t *testing.T) {
	c := newClock(time.Unix(1000, 0))
	p := aloneAt(t, c)
	for i := range 100 {
		mustPush(t, p, note("unpolled-"+strconv.Itoa(i), "L", c.now().Add(30*time.Second)))
		pending(t, p, "idle-"+strconv.Itoa(i))
	}
	if n := stats(t, p).queues; n != 100 {
		t.Fatalf("%d queues before the sweep, want 100", n)
	}
	c.add(sweepInterval + time.Second)
	mustPush(t, p, note("fresh", "L", c.now().Add(30*time.Second)))
	if n := stats(t, p).queues; n != 1 {
		t.Fatalf("%d queues after the sweep, want only the fresh one", n)
	}
}

// Withdrawing the last push of a device nobody polls leaves nothing behind.
func TestWithdrawDropsEmptyQueue(t *testing.T) {
	p := alone(t)
	mustPush(t, p, note("d1", "A", time.Now().Add(time.Minute)))
	mustPush(t, p, note("d1", "B", time.Now().Add(time.Minute)))
	p.Withdraw("d1", "A")
	if n := stats(t, p).queues; n != 1 {
		t.Fatalf("%d queues with one push left, want 1", n)
	}
	p.Withdraw("d1", "B")
	if n := stats(t, p).queues; n != 0 {
		t.Fatalf("%d queues after the last withdraw, want 0", n)
	}
}

// OpenPoll admits max polls per device at once and takes them back when
// they end; devices do not share the count.
func TestOpenPollCap(t *testing.T) {
	p := alone(t)
	var done []func()
	for range 2 {
		d, ok := p.OpenPoll("d1", 2)
		if !ok {
			t.Fatal("poll within the cap refused")
		}
		done = append(done, d)
	}
	if _, ok := p.OpenPoll("d1", 2); ok {
		t.Fatal("third poll admitted with a cap of 2")
	}
	if d, ok := p.OpenPoll("d2", 2); !ok {
		t.Fatal("another device's poll refused")
	} else {
		d()
	}
	done[0]()
	done[0]() // a second call changes nothing
	if _, ok := p.OpenPoll("d1", 2); !ok {
		t.Fatal("poll refused after one ended")
	}
	if _, ok := p.OpenPoll("d1", 2); ok {
		t.Fatal("a repeated done gave back two slots")
	}
	done[1]()
	p.polls.mu.Lock()
	defer p.polls.mu.Unlock()
	if n := p.polls.n["d1"]; n != 1 {
		t.Fatalf("open polls of d1 = %d, want 1", n)
	}
}

// Start is a no-op; Stop may be called twice and refuses later pushes.
func TestStopRefusesPush(t *testing.T) {
	p := alone(t)
	ctx := context.Background()
	for range 2 {
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := p.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Push(ctx, note("d1", "l1", time.Now().Add(time.Minute))); !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("push after Stop: %v, want ErrUnavailable", err)
	}
}
