// Package poll is the push provider for devices without a push service: it
// keeps each device's pending pushes in memory until the device fetches them
// through the device API (optionally long-polling) or the login ends.
//
// The device queues are an actor, "device-mailboxes" (queues.go), one per
// member of the cluster; a single node is a cluster of one. A device's
// queue lives on the member its id is placed on (Ring, implemented by
// cluster.Node and cluster/local), so a login on any node pushes into it
// and a phone polling any node reads it and wakes as soon as a push
// arrives. The member whose login pushed remembers the push until the
// login withdraws it or its deadline passes, and puts it again on the
// device's new member whenever the members change: a member that stops or
// starts (a rolling restart) loses no push. What crosses members is
// protobuf (messages.proto).
//
// Expired pushes nobody withdrew and empty queues are dropped, so devices
// that never poll do not accumulate anything.
package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

var _ providers.Provider = (*Provider)(nil)

// Provider is the poll push provider and the device API's poller: the
// front of this member's device-queue actor.
type Provider struct {
	ring    Ring
	root    *actor.RootContext
	pid     *actor.PID // this member's queues
	log     zerolog.Logger
	stopped atomic.Bool
	polls   openPolls

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when the members change
}

// New spawns this member's device queues on ring's actor system. On a
// cluster, call it before the other members may place devices here (before
// the node's login owner answers them).
func New(ring Ring, log zerolog.Logger) (*Provider, error) {
	return newProvider(ring, log, time.Now)
}

func newProvider(ring Ring, log zerolog.Logger, now func() time.Time) (*Provider, error) {
	as := ring.System()
	q := newQueues(ring, log, now)
	pid, err := as.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return q }), ActorName)
	if err != nil {
		return nil, fmt.Errorf("device queues: %w", err)
	}
	p := &Provider{ring: ring, root: as.Root, pid: pid, log: log, changed: make(chan struct{}),
		polls: openPolls{n: map[string]int{}}}
	ring.Watch(p.membersChanged)
	return p, nil
}

// Name implements providers.Pusher.
func (p *Provider) Name() string { return "poll" }

// Start implements providers.Provider; the queues run from New on.
func (p *Provider) Start(context.Context) error { return nil }

// Stop ends this member's queues after the messages already sent to them
// (withdrawals of ending logins); Push is refused afterwards. Polls still
// waiting here are not answered: their askers' waits end on their own.
func (p *Provider) Stop(context.Context) error {
	if p.stopped.CompareAndSwap(false, true) {
		p.root.Poison(p.pid)
	}
	return nil
}

// Push puts n in its device's queue, here or on the member keeping it, and
// remembers it until it is withdrawn or expires.
func (p *Provider) Push(_ context.Context, n *providers.Notification) error {
	if p.stopped.Load() {
		return fmt.Errorf("poll: stopped: %w", providers.ErrUnavailable)
	}
	p.root.Send(p.pid, &outgoing{&DevicePush{DeviceId: n.Payload.DeviceID, LoginId: n.Payload.LoginID,
		Data: n.Signed.Data, Signature: n.Signed.Signature, DeadlineUnixNano: n.Deadline.UnixNano()}})
	return nil
}

// Withdraw removes a login's push from its device's queue, wherever it
// was put.
func (p *Provider) Withdraw(deviceID, loginID string) {
	p.root.Send(p.pid, &recall{deviceID, loginID})
}

// membersChanged wakes the polls waiting on a member (their device's
// queue may have moved) and has the queues put this member's pushes on
// their devices' new members. It never blocks.
func (p *Provider) membersChanged() {
	p.mu.Lock()
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	p.root.Send(p.pid, membersChanged{})
}

// membersChange is closed at the next change of the members.
func (p *Provider) membersChange() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// ownerRetry is how long a poll waits before asking again when the
// device's member did not answer (it is leaving or joining).
const ownerRetry = 250 * time.Millisecond

// answerGrace is how long a poll whose wait has ended waits for its
// member's answer, which lists the pushes pending then.
const answerGrace = time.Second

// noDeadline is the wait asked for by a ctx without a deadline; the poll
// is withdrawn when ctx ends.
const noDeadline = time.Hour

// errMoved means the members changed and the device's queue is now kept
// by another member: ask that one.
var errMoved = errors.New("the device's queue moved to another member")

// WaitFor returns the device's pushes as soon as one is not in known (any
// push when known is empty), or, read afresh, when ctx's deadline comes.
// It waits at the member keeping the device's queue (this one or
// another); when the members change while it waits it asks the device's
// member anew, and a member that does not answer is asked again after a
// short pause.
func (p *Provider) WaitFor(ctx context.Context, deviceID string, known []string) []push.Signed {
	warned := false
	for {
		list, err := p.waitAtOwner(ctx, deviceID, known)
		switch {
		case err == nil:
			return list
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errMoved):
			continue
		case !warned:
			warned = true
			p.log.Warn().Err(err).Str("device_id", deviceID).Msg("device queue did not answer; asking again")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(ownerRetry):
		}
	}
}

// Wait is WaitFor knowing no push: it returns once the device has one.
func (p *Provider) Wait(ctx context.Context, deviceID string) []push.Signed {
	return p.WaitFor(ctx, deviceID, nil)
}

// Pending returns the device's pending pushes now, oldest deadline first.
func (p *Provider) Pending(ctx context.Context, deviceID string) ([]push.Signed, error) {
	member, local := p.ring.Place(deviceID)
	res, err := p.root.RequestFuture(p.queuesOf(member, local), &PendingWait{DeviceId: deviceID}, p.timeout(ctx)).Result()
	if err != nil {
		return nil, fmt.Errorf("pending pushes of %s: %w", deviceID, err)
	}
	return signedList(res)
}

// timeout is ctx's time left, or 5 s without a deadline.
func (p *Provider) timeout(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return max(time.Until(dl), time.Millisecond)
	}
	return 5 * time.Second
}

// queuesOf is the queue actor of member.
func (p *Provider) queuesOf(member string, local bool) *actor.PID {
	if local {
		return p.pid
	}
	return actor.NewPID(member, ActorName)
}

// waitAtOwner waits at the device's current member until it answers, the
// members change and the device moves (errMoved) or ctx ends.
func (p *Provider) waitAtOwner(ctx context.Context, deviceID string, known []string) ([]push.Signed, error) {
	moved := p.membersChange()
	member, local := p.ring.Place(deviceID)
	wait := noDeadline
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), 0)
	}
	f := p.root.RequestFuture(p.queuesOf(member, local),
		&PendingWait{DeviceId: deviceID, Known: known, WaitMs: wait.Milliseconds()}, wait+answerGrace)
	type result struct {
		res any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		res, err := f.Result()
		ch <- result{res, err}
	}()
	giveUp := func() {
		if local {
			p.root.Send(p.pid, &waitCancelled{f.PID()})
		}
	}
	for {
		select {
		case r := <-ch:
			if r.err != nil {
				return nil, r.err
			}
			return signedList(r.res)
		case <-moved:
			moved = p.membersChange()
			if m, _ := p.ring.Place(deviceID); m != member {
				giveUp()
				return nil, errMoved
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				select { // the member answers at the deadline with what is pending then
				case r := <-ch:
					if r.err == nil {
						return signedList(r.res)
					}
				case <-time.After(answerGrace):
				}
			}
			giveUp()
			return nil, ctx.Err()
		}
	}
}

// signedList is a queue's answer as the device gets it.
func signedList(res any) ([]push.Signed, error) {
	list, ok := res.(*PendingList)
	if !ok {
		return nil, fmt.Errorf("device queue answered %T", res)
	}
	out := make([]push.Signed, len(list.Pushes))
	for i, s := range list.Pushes {
		out[i] = push.Signed{Data: s.Data, Signature: s.Signature}
	}
	return out, nil
}

// openPolls counts the device API's open pending calls per device on
// this node (a cap per device, SPEC S6.4).
type openPolls struct {
	mu sync.Mutex
	n  map[string]int
}

// OpenPoll counts a poll of the device as open, unless max are open
// already (then ok is false). Call done, once, when the poll ends.
func (p *Provider) OpenPoll(deviceID string, max int) (done func(), ok bool) {
	o := &p.polls
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[deviceID] >= max {
		return nil, false
	}
	o.n[deviceID]++
	return sync.OnceFunc(func() { o.close(deviceID) }), true
}

func (o *openPolls) close(deviceID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[deviceID]--; o.n[deviceID] <= 0 {
		delete(o.n, deviceID)
	}
}

// HasUnknown reports whether a push in list has a nonce not in known.
func HasUnknown(list []push.Signed, known []string) bool {
	seen := make(map[string]bool, len(known))
	for _, n := range known {
		seen[n] = true
	}
	for _, s := range list {
		var p struct {
			Nonce string `json:"nonce"`
		}
		if json.Unmarshal([]byte(s.Data), &p) != nil || !seen[p.Nonce] {
			return true
		}
	}
	return false
}
