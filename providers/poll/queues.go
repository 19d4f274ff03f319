package poll

import (
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/push"
)

// sweepInterval is how often (at most) the queues drop expired pushes and
// empty queues of every device.
const sweepInterval = time.Minute

// queues is the actor ("device-mailboxes", one per member) that keeps the
// pushes of the devices placed on this member, answers the long polls
// waiting for them, and remembers the pushes of this member's logins so
// that it can put them again on a device's new member when the members
// change. Its state is only touched in Receive; long polls are parked
// requests, answered when a push they do not know arrives or their wait
// ends (a timer sends waitOver).
type queues struct {
	ring Ring
	log  zerolog.Logger
	now  func() time.Time

	devices   map[string][]pendingPush // the queues this member keeps
	waiters   map[string][]*waiter     // parked PendingWaits by device
	sent      map[sentKey]*sentPush    // pushes of this member's logins
	lastSweep time.Time
}

// pendingPush keeps of a notification only what the device is given.
type pendingPush struct {
	loginID  string
	signed   push.Signed
	deadline time.Time
}

// waiter is a parked PendingWait.
type waiter struct {
	sender *actor.PID
	device string
	known  []string
	stop   func() bool // its timer
}

// sentKey names a push of one login to one device.
type sentKey struct{ device, login string }

// sentPush is a push of this member's login and the member it was put on
// (local: this one).
type sentPush struct {
	msg    *DevicePush
	member string
	local  bool
}

// Node-local messages (never sent to another member).
type (
	// outgoing is a push of this member's login (Provider.Push).
	outgoing struct{ msg *DevicePush }
	// recall withdraws a push of this member's login (Provider.Withdraw).
	recall struct{ device, login string }
	// membersChanged: put the remembered pushes on their devices' members.
	membersChanged struct{}
	// waitOver: the wait of w is over; answer with what is pending.
	waitOver struct{ w *waiter }
	// waitCancelled: the asker at sender gave up (its poll ended).
	waitCancelled struct{ sender *actor.PID }
	// queueCount asks how many devices have a queue here and how many
	// waits are parked (tests): answered with queueStats.
	queueCount struct{}
	queueStats struct{ queues, waits int }
)

func newQueues(ring Ring, log zerolog.Logger, now func() time.Time) *queues {
	return &queues{ring: ring, log: log, now: now, devices: map[string][]pendingPush{},
		waiters: map[string][]*waiter{}, sent: map[sentKey]*sentPush{}}
}

// Receive is a short type switch; nothing in it blocks.
func (q *queues) Receive(c actor.Context) {
	q.maybeSweep()
	switch m := c.Message().(type) {
	case *outgoing:
		member, local := q.ring.Place(m.msg.DeviceId)
		q.sent[sentKey{m.msg.DeviceId, m.msg.LoginId}] = &sentPush{msg: m.msg, member: member, local: local}
		q.putAt(c, member, local, m.msg)
	case *recall:
		q.recall(c, m.device, m.login)
	case *DevicePush:
		q.keep(c, m)
	case *DeviceWithdraw:
		q.remove(m.DeviceId, m.LoginId)
	case *PendingWait:
		q.wait(c, m)
	case *waitOver:
		if q.unpark(m.w) {
			c.Send(m.w.sender, q.list(m.w.device))
		}
	case *waitCancelled:
		q.cancel(m.sender)
	case membersChanged:
		q.rehome(c)
	case queueCount:
		st := queueStats{queues: len(q.devices)}
		for _, ws := range q.waiters {
			st.waits += len(ws)
		}
		c.Respond(st)
	case *actor.Stopping:
		for _, ws := range q.waiters { // their askers time out and ask again
			for _, w := range ws {
				w.stop()
			}
		}
	}
}

// putAt puts msg in its device's queue on member.
func (q *queues) putAt(c actor.Context, member string, local bool, msg *DevicePush) {
	if local {
		q.keep(c, msg)
		return
	}
	c.Send(actor.NewPID(member, ActorName), msg)
}

// withdrawAt removes a login's push from its device's queue on member.
func (q *queues) withdrawAt(c actor.Context, member string, local bool, device, login string) {
	if local {
		q.remove(device, login)
		return
	}
	c.Send(actor.NewPID(member, ActorName), &DeviceWithdraw{DeviceId: device, LoginId: login})
}

// recall withdraws a push of this member's login from its device's
// current member and, if it was put elsewhere before, from there too.
func (q *queues) recall(c actor.Context, device, login string) {
	key := sentKey{device, login}
	s := q.sent[key]
	delete(q.sent, key)
	member, local := q.ring.Place(device)
	q.withdrawAt(c, member, local, device, login)
	if s != nil && s.member != member {
		q.withdrawAt(c, s.member, s.local, device, login)
	}
}

// keep puts a push in its device's queue here, replacing the login's
// previous push, and answers the waits that did not know it.
func (q *queues) keep(c actor.Context, m *DevicePush) {
	pp := pendingPush{loginID: m.LoginId, signed: push.Signed{Data: m.Data, Signature: m.Signature},
		deadline: time.Unix(0, m.DeadlineUnixNano)}
	list := q.devices[m.DeviceId]
	if i := index(list, pp.loginID); i >= 0 {
		list[i] = pp
	} else {
		list = append(list, pp)
	}
	q.devices[m.DeviceId] = list
	q.wake(c, m.DeviceId)
}

// remove drops the login's push from its device's queue here; an empty
// queue is dropped. Waits stay parked: nothing new arrived.
func (q *queues) remove(device, login string) {
	list := q.devices[device]
	if i := index(list, login); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	q.setQueue(device, list)
}

func (q *queues) setQueue(device string, list []pendingPush) {
	if len(list) == 0 {
		delete(q.devices, device)
		return
	}
	q.devices[device] = list
}

func index(list []pendingPush, loginID string) int {
	return slices.IndexFunc(list, func(pp pendingPush) bool { return pp.loginID == loginID })
}

// pending is the device's unexpired pushes here, oldest deadline first.
func (q *queues) pending(device string) []push.Signed {
	now := q.now()
	list := slices.DeleteFunc(q.devices[device], func(pp pendingPush) bool { return !now.Before(pp.deadline) })
	q.setQueue(device, list)
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, func(a, b pendingPush) int { return a.deadline.Compare(b.deadline) })
	out := make([]push.Signed, len(sorted))
	for i, pp := range sorted {
		out[i] = pp.signed
	}
	return out
}

// list is the device's pending pushes as a PendingList.
func (q *queues) list(device string) *PendingList {
	pending := q.pending(device)
	out := &PendingList{Pushes: make([]*SignedPush, len(pending))}
	for i, s := range pending {
		out.Pushes[i] = &SignedPush{Data: s.Data, Signature: s.Signature}
	}
	return out
}

// wait answers m at once when the device has a push the asker does not
// know (any push when it knows none) or it asked not to wait; else it
// parks the wait until such a push arrives or wait_ms have passed.
func (q *queues) wait(c actor.Context, m *PendingWait) {
	sender := c.Sender()
	if sender == nil {
		return
	}
	pending := q.pending(m.DeviceId)
	if m.WaitMs <= 0 || HasUnknown(pending, m.Known) {
		c.Respond(q.list(m.DeviceId))
		return
	}
	w := &waiter{sender: sender, device: m.DeviceId, known: m.Known}
	self, root := c.Self(), c.ActorSystem().Root
	w.stop = time.AfterFunc(time.Duration(m.WaitMs)*time.Millisecond, func() { root.Send(self, &waitOver{w}) }).Stop
	q.waiters[m.DeviceId] = append(q.waiters[m.DeviceId], w)
}

// wake answers the device's parked waits that do not know one of its
// pushes.
func (q *queues) wake(c actor.Context, device string) {
	ws := q.waiters[device]
	if len(ws) == 0 {
		return
	}
	pending := q.pending(device)
	var still []*waiter
	for _, w := range ws {
		if !HasUnknown(pending, w.known) {
			still = append(still, w)
			continue
		}
		w.stop()
		c.Send(w.sender, q.list(device))
	}
	q.setWaiters(device, still)
}

// unpark removes w from the parked waits; false when it was answered.
func (q *queues) unpark(w *waiter) bool {
	ws := q.waiters[w.device]
	i := slices.Index(ws, w)
	if i < 0 {
		return false
	}
	w.stop()
	q.setWaiters(w.device, slices.Delete(ws, i, i+1))
	return true
}

// cancel forgets the parked waits of sender.
func (q *queues) cancel(sender *actor.PID) {
	for _, ws := range q.waiters {
		for _, w := range slices.Clone(ws) {
			if w.sender.Equal(sender) {
				q.unpark(w)
			}
		}
	}
}

func (q *queues) setWaiters(device string, ws []*waiter) {
	if len(ws) == 0 {
		delete(q.waiters, device)
		return
	}
	q.waiters[device] = ws
}

// rehome puts every remembered, unexpired push on its device's current
// member when that is not where it was put, withdrawing it from the old
// member if that is still a member (else the phone could see it again
// after the members change back). Expired pushes are forgotten.
func (q *queues) rehome(c actor.Context) {
	now, moved := q.now(), 0
	for key, s := range q.sent {
		if !now.Before(time.Unix(0, s.msg.DeadlineUnixNano)) {
			delete(q.sent, key)
			continue
		}
		to, local := q.ring.Place(key.device)
		if to == s.member {
			continue
		}
		from, fromLocal := s.member, s.local
		s.member, s.local = to, local
		moved++
		q.putAt(c, to, local, s.msg)
		if q.ring.Alive(from) {
			q.withdrawAt(c, from, fromLocal, key.device, key.login)
		}
	}
	if moved > 0 {
		q.log.Info().Int("pushes", moved).Msg("device queues moved after a membership change")
	}
}

// maybeSweep drops expired pushes and empty queues of every device, and
// forgets expired pushes of this member's logins, once per sweepInterval.
func (q *queues) maybeSweep() {
	now := q.now()
	if now.Sub(q.lastSweep) < sweepInterval {
		return
	}
	q.lastSweep = now
	for device := range q.devices {
		q.pending(device)
	}
	for key, s := range q.sent {
		if !now.Before(time.Unix(0, s.msg.DeadlineUnixNano)) {
			delete(q.sent, key)
		}
	}
}
