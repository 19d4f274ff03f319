package poll

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

func note(device, login string, deadline time.Time) *providers.Notification {
	return &providers.Notification{
		Payload:  push.Payload{DeviceID: device, LoginID: login},
		Signed:   push.Signed{Data: login},
		Deadline: deadline,
	}
}

// S5.3: pending pushes per device, oldest deadline first, expired ones and
// withdrawn ones gone.
func TestPendingWithdrawAndExpiry(t *testing.T) {
	p := New()
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	ctx := context.Background()
	_ = p.Push(ctx, note("d1", "late", now.Add(20*time.Second)))
	_ = p.Push(ctx, note("d1", "soon", now.Add(5*time.Second)))
	_ = p.Push(ctx, note("d2", "other", now.Add(5*time.Second)))
	list, _ := p.Pending("d1")
	if len(list) != 2 || list[0].Data != "soon" || list[1].Data != "late" {
		t.Fatalf("pending %+v", list)
	}
	p.Withdraw("d1", "soon")
	now = now.Add(30 * time.Second)
	if list, _ := p.Pending("d1"); len(list) != 0 {
		t.Fatalf("withdrawn or expired pushes still pending: %+v", list)
	}
}

// A login that pushes again (a new nonce after a timeout) replaces its
// pending push: the device sees the newest one only.
func TestRepushReplacesLoginsPush(t *testing.T) {
	p := New()
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	_ = p.Push(ctx, note("d1", "login-a", deadline))
	_ = p.Push(ctx, note("d1", "login-b", deadline))
	again := note("d1", "login-a", deadline.Add(time.Second))
	again.Signed.Data = "login-a second push"
	_ = p.Push(ctx, again)
	list, _ := p.Pending("d1")
	if len(list) != 2 || list[0].Data != "login-b" || list[1].Data != "login-a second push" {
		t.Fatalf("pending %+v, want login-b and login-a's second push", list)
	}
}

// Wait returns as soon as a push arrives.
func TestWaitWakesOnPush(t *testing.T) {
	p := New()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan []push.Signed, 1)
	_, wake := p.Pending("d1") // the device is listening before the push
	go func() { got <- p.Wait(ctx, "d1") }()
	_ = p.Push(ctx, note("d1", "L", time.Now().Add(time.Minute)))
	<-wake
	if list := <-got; len(list) != 1 || list[0].Data != "L" {
		t.Fatalf("wait returned %+v", list)
	}
}

// fired reports whether ch is closed within d.
func fired(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// S5.3, defect 3: a poll that holds the wake channel while the last push of
// its device is withdrawn must still wake for the device's next push. The
// device fetched N1 and keeps a long poll open with known=[N1]; N1 is
// approved (withdrawn, emptying the mailbox); login B pushes N2.
func TestWakeChannelSurvivesWithdrawOfLastPush(t *testing.T) {
	p := New()
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	_ = p.Push(ctx, note("d1", "A", deadline))
	list, wake := p.Pending("d1")
	if len(list) != 1 {
		t.Fatalf("pending %+v", list)
	}
	p.Withdraw("d1", "A")
	_ = p.Push(ctx, note("d1", "B", deadline))
	if !fired(wake, 5*time.Second) {
		t.Fatal("the wake channel held across the withdraw was orphaned: it never fired")
	}
	if list, _ := p.Pending("d1"); len(list) != 1 || list[0].Data != "B" {
		t.Fatalf("pending after the next push %+v", list)
	}
}

// deviceCount counts the mailboxes the provider holds.
func (p *Provider) deviceCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.devices)
}

// Mailboxes do not accumulate: devices that are pushed to but never poll
// (pushes expire without a withdraw) and devices that poll an empty mailbox
// are dropped by the sweep, and a poller still holding a dropped mailbox's
// channel is woken rather than orphaned.
func TestSweepDropsIdleMailboxes(t *testing.T) {
	p := New()
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range 100 {
		_ = p.Push(ctx, note("unpolled-"+strconv.Itoa(i), "L", now.Add(30*time.Second)))
		p.Pending("idle-" + strconv.Itoa(i))
	}
	_, held := p.Pending("idle-0")
	if n := p.deviceCount(); n != 200 {
		t.Fatalf("%d mailboxes before the sweep, want 200", n)
	}
	now = now.Add(sweepInterval + time.Second)
	_ = p.Push(ctx, note("fresh", "L", now.Add(30*time.Second)))
	if n := p.deviceCount(); n != 1 {
		t.Fatalf("%d mailboxes after the sweep, want only the fresh one", n)
	}
	if !fired(held, 5*time.Second) {
		t.Fatal("the channel of a swept mailbox was orphaned")
	}
}

// Withdrawing the last push of a device nobody polls leaves nothing behind.
func TestWithdrawDropsEmptyMailbox(t *testing.T) {
	p := New()
	ctx := context.Background()
	_ = p.Push(ctx, note("d1", "A", time.Now().Add(time.Minute)))
	_ = p.Push(ctx, note("d1", "B", time.Now().Add(time.Minute)))
	p.Withdraw("d1", "A")
	if n := p.deviceCount(); n != 1 {
		t.Fatalf("%d mailboxes with one push left, want 1", n)
	}
	p.Withdraw("d1", "B")
	if n := p.deviceCount(); n != 0 {
		t.Fatalf("%d mailboxes after the last withdraw, want 0", n)
	}
}

// OpenPoll admits max polls per device at once and takes them back when
// they end; devices do not share the count.
func TestOpenPollCap(t *testing.T) {
	p := New()
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
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.polls["d1"]; n != 1 {
		t.Fatalf("open polls of d1 = %d, want 1", n)
	}
}

// The poll provider has no goroutines: Start and Stop are no-ops that may be
// called in any order and any number of times, and leave its mailboxes
// working.
func TestStartStopNoOps(t *testing.T) {
	p := New()
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Stop(ctx); err != nil { // Stop before Start
		t.Fatal(err)
	}
	for range 2 {
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cancel() // the lifetime ending changes nothing either
	if err := p.Push(context.Background(), note("d1", "l1", time.Now().Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := p.Stop(ctx); err != nil { // an ended ctx: nothing to wait for
			t.Fatal(err)
		}
	}
	if list, _ := p.Pending("d1"); len(list) != 1 {
		t.Fatalf("pending after Stop = %+v", list)
	}
}
