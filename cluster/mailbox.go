package cluster

import (
	"context"
	"errors"
	"fmt"
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
type Mailboxes struct {
	node   *Node
	local  *poll.Provider // the mailboxes this node keeps
	pid    *actor.PID
	base   context.Context
	cancel context.CancelFunc
}

var _ providers.Provider = (*Mailboxes)(nil)

// Mailboxes starts this node's device mailboxes over local.
func (n *Node) Mailboxes(local *poll.Provider) *Mailboxes {
	m := &Mailboxes{node: n, local: local}
	m.base, m.cancel = context.WithCancel(context.Background())
	m.pid, _ = n.system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return &mailboxActor{m: m} }),
		mailboxesName)
	return m
}

// keeper is the mailboxes actor of the member keeping deviceID's mailbox;
// nil when it is this node.
func (m *Mailboxes) keeper(deviceID string) *actor.PID {
	addr := m.node.rendezvous("device\x00" + deviceID)
	if addr == "" || addr == m.node.Address() {
		return nil
	}
	return actor.NewPID(addr, mailboxesName)
}

// Name implements providers.Pusher.
func (m *Mailboxes) Name() string { return m.local.Name() }

// Start implements providers.Provider.
func (m *Mailboxes) Start(context.Context) error { return nil }

// Stop ends the waits this node runs for other nodes' polls.
func (m *Mailboxes) Stop(context.Context) error {
	m.cancel()
	return nil
}

// Push puts n in its device's mailbox, here or on the keeping member.
func (m *Mailboxes) Push(ctx context.Context, n *providers.Notification) error {
	pid := m.keeper(n.Payload.DeviceID)
	if pid == nil {
		return m.local.Push(ctx, n)
	}
	m.node.system.Root.Send(pid, &DevicePush{DeviceId: n.Payload.DeviceID, LoginId: n.Payload.LoginID,
		Data: n.Signed.Data, Signature: n.Signed.Signature, DeadlineUnixNano: n.Deadline.UnixNano()})
	return nil
}

// Withdraw removes a login's push from its device's mailbox.
func (m *Mailboxes) Withdraw(deviceID, loginID string) {
	if pid := m.keeper(deviceID); pid != nil {
		m.node.system.Root.Send(pid, &DeviceWithdraw{DeviceId: deviceID, LoginId: loginID})
		return
	}
	m.local.Withdraw(deviceID, loginID)
}

// OpenPoll counts the device's open pending calls on this node.
func (m *Mailboxes) OpenPoll(deviceID string, max int) (func(), bool) {
	return m.local.OpenPoll(deviceID, max)
}

// WaitFor returns the device's pushes once one is not in known, asking the
// keeping member when that is another node. A member that does not answer
// gives an empty list: the phone polls again.
func (m *Mailboxes) WaitFor(ctx context.Context, deviceID string, known []string) []push.Signed {
	pid := m.keeper(deviceID)
	if pid == nil {
		return m.local.WaitFor(ctx, deviceID, known)
	}
	wait := 0 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), 0)
	}
	res, err := m.node.system.Root.RequestFuture(pid, &PendingWait{DeviceId: deviceID, Known: known,
		WaitMs: wait.Milliseconds()}, wait+5*time.Second).Result()
	list, ok := res.(*PendingList)
	if err != nil || !ok {
		m.node.log.Warn().Err(orUnexpected(err, res)).Str("device_id", deviceID).Msg("device mailbox did not answer")
		return nil
	}
	out := make([]push.Signed, len(list.Pushes))
	for i, p := range list.Pushes {
		out[i] = push.Signed{Data: p.Data, Signature: p.Signature}
	}
	return out
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
		n := &providers.Notification{
			Payload:  push.Payload{DeviceID: msg.DeviceId, LoginID: msg.LoginId},
			Signed:   push.Signed{Data: msg.Data, Signature: msg.Signature},
			Deadline: time.Unix(0, msg.DeadlineUnixNano),
		}
		if err := a.m.local.Push(a.m.base, n); err != nil {
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
