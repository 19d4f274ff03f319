package poll

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/push"
)

// queued waits until member keeps n queues.
func queued(t *testing.T, m *fakeMember, n int) {
	t.Helper()
	testwait.For(t, m.name+" to keep "+strconv.Itoa(n)+" queues", func() bool { return m.stats(t).queues == n })
}

// S5.3 across members: a push of a login on m1 to a device placed on m2 is
// kept on m2 only, and a phone polling m3 reads it there.
func TestPushPlacedOnItsMember(t *testing.T) {
	net := newFakeNet(t, realTime(), "m1", "m2", "m3")
	m1, m2, m3 := net.member("m1"), net.member("m2"), net.member("m3")
	net.place("d1", "m2")
	mustPush(t, m1.p, note("d1", "L", time.Now().Add(time.Minute)))
	queued(t, m2, 1)
	if a, c := m1.stats(t).queues, m3.stats(t).queues; a != 0 || c != 0 {
		t.Fatalf("queues on m1 %d, m3 %d: the push was kept off its member", a, c)
	}
	if list := pending(t, m3.p, "d1"); !same(list, "L") {
		t.Fatalf("m3 reads %v", data(list))
	}
	m1.p.Withdraw("d1", "L")
	queued(t, m2, 0)
}

// A long poll on m3 waits at the device's member m2 and wakes as soon as a
// login on m1 pushes.
func TestLongPollAcrossMembersWakes(t *testing.T) {
	net := newFakeNet(t, realTime(), "m1", "m2", "m3")
	m1, m2, m3 := net.member("m1"), net.member("m2"), net.member("m3")
	net.place("d1", "m2")
	got := waitAsync(t, m3.p, m2.p, "d1")
	mustPush(t, m1.p, note("d1", "L", time.Now().Add(time.Minute)))
	if list := <-got; !same(list, "L") {
		t.Fatalf("the poll on m3 got %v", data(list))
	}
}

// When the members change, the member whose login pushed puts the push on
// the device's new member and withdraws it from the old one while that is
// still a member; a member that left is not asked.
func TestPushesMoveWhenMembersChange(t *testing.T) {
	net := newFakeNet(t, realTime(), "m1", "m2", "m3")
	m1, m2, m3 := net.member("m1"), net.member("m2"), net.member("m3")
	net.place("d1", "m2")
	mustPush(t, m1.p, note("d1", "L", time.Now().Add(time.Minute)))
	queued(t, m2, 1)

	net.place("d1", "m3")
	queued(t, m3, 1)
	queued(t, m2, 0)
	if list := pending(t, m2.p, "d1"); !same(list, "L") {
		t.Fatalf("a poll through m2 reads %v from m3", data(list))
	}

	net.leave("m3")
	net.place("d1", "m1") // m3 is gone: its copy is lost with it
	queued(t, m1, 1)
	if list := pending(t, m1.p, "d1"); !same(list, "L") {
		t.Fatalf("after m3 left, m1 keeps %v", data(list))
	}

	m1.p.Withdraw("d1", "L")
	queued(t, m1, 0)
}

// A push that expired before the members changed is not moved.
func TestExpiredPushesAreNotMoved(t *testing.T) {
	c := newClock(time.Now())
	net := newFakeNet(t, c.now, "m1", "m2")
	m1, m2 := net.member("m1"), net.member("m2")
	mustPush(t, m1.p, note("d1", "L", c.now().Add(time.Second)))
	queued(t, m1, 1)
	c.add(2 * time.Second)
	net.place("d1", "m2")
	if list := pending(t, m1.p, "d1"); len(list) != 0 {
		t.Fatalf("an expired push was moved: %v", data(list))
	}
	if n := m2.stats(t).queues; n != 0 {
		t.Fatalf("m2 keeps %d queues", n)
	}
}

// A poll waiting at a member follows its device when the device moves to
// another member, and wakes there.
func TestPollFollowsItsDevice(t *testing.T) {
	net := newFakeNet(t, realTime(), "m1", "m2", "m3")
	m1, m2, m3 := net.member("m1"), net.member("m2"), net.member("m3")
	net.place("d1", "m2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan []push.Signed, 1)
	go func() { got <- m1.p.WaitFor(ctx, "d1", nil) }()
	testwait.For(t, "the wait to be parked on m2", func() bool { return m2.stats(t).waits == 1 })
	net.place("d1", "m3")
	testwait.For(t, "the wait to be parked on m3", func() bool { return m3.stats(t).waits == 1 })
	mustPush(t, m2.p, note("d1", "L", time.Now().Add(time.Minute)))
	if list := <-got; !same(list, "L") {
		t.Fatalf("the poll got %v", data(list))
	}
}
