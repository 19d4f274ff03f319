package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/poll"
	"github.com/pushauth/pushauth/push"
)

// mailboxesName is the device mailboxes' actor name on every node.
const mailboxesName = "device-mailboxes"

// Mailboxes keep the pushes of poll-mode devices across the cluster (SPEC
// S5.3): a device's mailbox lives on the member its id hashes to, so a
// login on any node pushes into it and a phone polling any node reads it
// and wakes as soon as a push arrives. Mailboxes is the "poll" push
// provider and the device API's poller of a cluster node.
//
// The node whose login pushed remembers the push until the login
// withdraws it or its deadline passes, and puts it again in the mailbox
// of the device's keeper whenever the members change: a keeper that
// stops or starts (a rolling restart) loses no push.
type Mailboxes struct {
	node   *Node
	local  *poll.Provider // the mailboxes this node keeps
	base   context.Context
	cancel context.CancelFunc
	kick   chan struct{} // members changed: re-home the pushes (buffer 1)
	done   chan struct{} // closed when the re-homing loop has ended

	mu      sync.Mutex
	sent    map[sentKey]*sentPush // pushes of this node's logins
	changed chan struct{}         // closed and replaced when the members change
}

// sentKey names a push of one login to one device.
type sentKey struct{ device, login string }

// sentPush is a push of this node's login and where it was put.
type sentPush struct {
	msg    *DevicePush
	keeper string // address of the member it was put on
}

var _ providers.Provider = (*Mailboxes)(nil)

// newMailboxes spawns this node's device mailboxes over local. It runs
// before the node joins, so that no member ever sends to a node whose
// mailboxes do not exist yet.
func newMailboxes(n *Node, local *poll.Provider) (*Mailboxes, error) {
	m := &Mailboxes{node: n, local: local, kick: make(chan struct{}, 1), done: make(chan struct{}),
		sent: map[sentKey]*sentPush{}, changed: make(chan struct{})}
	m.base, m.cancel = context.WithCancel(context.Background())
	_, err := n.system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return &mailboxActor{m: m} }),
		mailboxesName)
	if err != nil {
		return nil, fmt.Errorf("device mailboxes: %w", err)
	}
	go m.rehomeLoop()
	return m, nil
}

// Mailboxes are the cluster's device mailboxes as this node serves them.
func (n *Node) Mailboxes() *Mailboxes { return n.mailboxes }

// keeperOf is the address of the member keeping deviceID's mailbox.
func (m *Mailboxes) keeperOf(deviceID string) string {
	if addr := m.node.rendezvous("device\x00" + deviceID); addr != "" {
		return addr
	}
	return m.node.Address()
}

// Name implements providers.Pusher.
func (m *Mailboxes) Name() string { return m.local.Name() }

// Start implements providers.Provider.
func (m *Mailboxes) Start(context.Context) error { return nil }

// Stop ends the waits this node runs for other nodes' polls and the
// re-homing of pushes.
func (m *Mailboxes) Stop(ctx context.Context) error {
	m.cancel()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop device mailboxes: %w", ctx.Err())
	}
}

// Push puts n in its device's mailbox, here or on the keeping member, and
// remembers it until it is withdrawn or expires.
func (m *Mailboxes) Push(_ context.Context, n *providers.Notification) error {
	msg := &DevicePush{DeviceId: n.Payload.DeviceID, LoginId: n.Payload.LoginID,
		Data: n.Signed.Data, Signature: n.Signed.Signature, DeadlineUnixNano: n.Deadline.UnixNano()}
	keeper := m.keeperOf(msg.DeviceId)
	m.mu.Lock()
	m.sent[sentKey{msg.DeviceId, msg.LoginId}] = &sentPush{msg: msg, keeper: keeper}
	m.mu.Unlock()
	m.put(keeper, msg)
	return nil
}

// put delivers msg to the mailbox on keeper.
func (m *Mailboxes) put(keeper string, msg *DevicePush) {
	if keeper == m.node.Address() {
		m.local.Push(m.base, notification(msg)) //nolint:errcheck // the local provider never fails
		return
	}
	m.node.system.Root.Send(actor.NewPID(keeper, mailboxesName), msg)
}

// notification is msg as the local poll provider keeps it.
func notification(msg *DevicePush) *providers.Notification {
	return &providers.Notification{
		Payload:  push.Payload{DeviceID: msg.DeviceId, LoginID: msg.LoginId},
		Signed:   push.Signed{Data: msg.Data, Signature: msg.Signature},
		Deadline: time.Unix(0, msg.DeadlineUnixNano),
	}
}

// Withdraw removes a login's push from its device's mailbox, wherever it
// was put.
func (m *Mailboxes) Withdraw(deviceID, loginID string) {
	key := sentKey{deviceID, loginID}
	m.mu.Lock()
	s := m.sent[key]
	delete(m.sent, key)
	m.mu.Unlock()
	current := m.keeperOf(deviceID)
	m.withdrawAt(current, deviceID, loginID)
	if s != nil && s.keeper != current {
		m.withdrawAt(s.keeper, deviceID, loginID)
	}
}

func (m *Mailboxes) withdrawAt(keeper, deviceID, loginID string) {
	if keeper == m.node.Address() {
		m.local.Withdraw(deviceID, loginID)
		return
	}
	m.node.system.Root.Send(actor.NewPID(keeper, mailboxesName), &DeviceWithdraw{DeviceId: deviceID, LoginId: loginID})
}

// membersChanged wakes the polls waiting on a keeper (it may have moved)
// and asks the re-homing loop to run. It never blocks.
func (m *Mailboxes) membersChanged() {
	m.mu.Lock()
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// membersChange is closed at the next change of the members.
func (m *Mailboxes) membersChange() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// rehomeLoop puts the remembered pushes again wherever their device's
// keeper changed, each time the members change.
func (m *Mailboxes) rehomeLoop() {
	defer close(m.done)
	for {
		select {
		case <-m.base.Done():
			return
		case <-m.kick:
			m.rehome(time.Now())
		}
	}
}

// rehome puts every remembered, unexpired push on its device's current
// keeper when that is not where it was put, withdrawing it from the old
// keeper if that is still a member (else the phone could see it again
// after the members change back). Expired pushes are forgotten.
func (m *Mailboxes) rehome(now time.Time) {
	type move struct {
		msg      *DevicePush
		from, to string
	}
	var moves []move
	m.mu.Lock()
	for key, s := range m.sent {
		if time.Unix(0, s.msg.DeadlineUnixNano).Before(now) {
			delete(m.sent, key)
			continue
		}
		if to := m.keeperOf(key.device); to != s.keeper {
			moves = append(moves, move{s.msg, s.keeper, to})
			s.keeper = to
		}
	}
	m.mu.Unlock()
	for _, mv := range moves {
		m.put(mv.to, mv.msg)
		if m.node.Alive(mv.from) {
			m.withdrawAt(mv.from, mv.msg.DeviceId, mv.msg.LoginId)
		}
	}
	if len(moves) > 0 {
		m.node.log.Info().Int("pushes", len(moves)).Msg("device mailboxes moved after a membership change")
	}
}

// OpenPoll counts the device's open pending calls on this node.
func (m *Mailboxes) OpenPoll(deviceID string, max int) (func(), bool) {
	return m.local.OpenPoll(deviceID, max)
}

// keeperRetry is how long a poll waits before asking again when the
// device's keeper did not answer (it is leaving or joining).
const keeperRetry = 250 * time.Millisecond

// errKeeperMoved means the members changed and the device's mailbox is
// now kept by another member: ask that one.
var errKeeperMoved = errors.New("the device's mailbox moved to another member")

// WaitFor returns the device's pushes once one is not in known, waiting
// at the member keeping the device's mailbox (this node or another). When
// the members change while it waits, it asks the keeper anew, and a
// keeper that does not answer is asked again after a short pause; when
// the wait is over the list is empty and the phone polls again.
func (m *Mailboxes) WaitFor(ctx context.Context, deviceID string, known []string) []push.Signed {
	warned := false
	for ctx.Err() == nil {
		list, err := m.waitAtKeeper(ctx, deviceID, known)
		switch {
		case err == nil:
			return list
		case errors.Is(err, errKeeperMoved):
			continue
		case !warned && ctx.Err() == nil:
			warned = true
			m.node.log.Warn().Err(err).Str("device_id", deviceID).Msg("device mailbox did not answer; asking again")
		}
		select {
		case <-ctx.Done():
		case <-time.After(keeperRetry):
		}
	}
	return nil
}

// waitAtKeeper waits at the device's current keeper until it answers, the
// members change (errKeeperMoved) or ctx ends.
func (m *Mailboxes) waitAtKeeper(ctx context.Context, deviceID string, known []string) ([]push.Signed, error) {
	moved := m.membersChange()
	keeper := m.keeperOf(deviceID)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		list []push.Signed
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		if keeper == m.node.Address() {
			ch <- answer{m.local.WaitFor(wctx, deviceID, known), nil}
			return
		}
		list, err := m.askKeeper(wctx, keeper, deviceID, known)
		ch <- answer{list, err}
	}()
	for {
		select {
		case a := <-ch:
			return a.list, a.err
		case <-moved:
			moved = m.membersChange()
			if m.keeperOf(deviceID) != keeper {
				return nil, errKeeperMoved
			}
		}
	}
}

// askKeeper waits for the device's pushes at the member keeper, for the
// rest of ctx's time (the answer is dropped if ctx ends first).
func (m *Mailboxes) askKeeper(ctx context.Context, keeper, deviceID string, known []string) ([]push.Signed, error) {
	wait := 0 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), 0)
	}
	f := m.node.system.Root.RequestFuture(actor.NewPID(keeper, mailboxesName),
		&PendingWait{DeviceId: deviceID, Known: known, WaitMs: wait.Milliseconds()}, wait+5*time.Second)
	type result struct {
		res any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		res, err := f.Result()
		ch <- result{res, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	list, ok := r.res.(*PendingList)
	if r.err != nil || !ok {
		return nil, orUnexpected(r.err, r.res)
	}
	out := make([]push.Signed, len(list.Pushes))
	for i, p := range list.Pushes {
		out[i] = push.Signed{Data: p.Data, Signature: p.Signature}
	}
	return out, nil
}

func orUnexpected(err error, res any) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("unexpected answer %T", res)
}

// mailboxActor serves the mailboxes this node keeps to the other nodes.
type mailboxActor struct{ m *Mailboxes }

// Receive is a short type switch; waits run in goroutines.
func (a *mailboxActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *DevicePush:
		if err := a.m.local.Push(a.m.base, notification(msg)); err != nil {
			a.m.node.log.Warn().Err(err).Str("device_id", msg.DeviceId).Msg("keep a push")
		}
	case *DeviceWithdraw:
		a.m.local.Withdraw(msg.DeviceId, msg.LoginId)
	case *PendingWait:
		a.wait(ctx, msg)
	}
}

// wait answers a PendingWait from a goroutine once the device has a push
// the asker does not know, or the wait is over.
func (a *mailboxActor) wait(ctx actor.Context, msg *PendingWait) {
	sender, root := ctx.Sender(), ctx.ActorSystem().Root
	if sender == nil {
		return
	}
	go func() {
		c, cancel := context.WithTimeout(a.m.base, time.Duration(msg.WaitMs)*time.Millisecond)
		defer cancel()
		list := a.m.local.WaitFor(c, msg.DeviceId, msg.Known)
		out := &PendingList{Pushes: make([]*SignedPush, len(list))}
		for i, s := range list {
			out.Pushes[i] = &SignedPush{Data: s.Data, Signature: s.Signature}
		}
		if errors.Is(a.m.base.Err(), context.Canceled) {
			return // this node is stopping: the asker's poll times out and retries
		}
		root.Send(sender, out)
	}()
}
