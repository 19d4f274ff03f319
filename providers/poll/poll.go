// Package poll is the push provider for devices without a push service: it
// keeps each device's pending pushes in memory until the device fetches them
// through the device API (optionally long-polling) or the login ends.
//
// Each device has a mailbox with a wake channel that is closed whenever the
// mailbox changes in a way a long poll must see: a push arrives, or the
// mailbox is dropped. A mailbox is dropped as soon as it is empty (its last
// push withdrawn) and by a periodic sweep that also removes expired pushes
// nobody withdrew, so devices that never poll do not accumulate anything.
// Closing the channel of a dropped mailbox means a poller holding it never
// waits on a channel that no push can reach: it wakes, reads Pending again
// and waits on the new mailbox's channel.
package poll

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

var _ providers.Provider = (*Provider)(nil)

// sweepInterval is how often (at most) Push and Pending drop expired pushes
// and empty mailboxes of every device.
const sweepInterval = time.Minute

// Provider holds pending pushes per device.
type Provider struct {
	mu        sync.Mutex
	devices   map[string]*mailbox
	polls     map[string]int // open polls per device (see OpenPoll)
	now       func() time.Time
	lastSweep time.Time
}

// mailbox is one device's pending pushes: usually one, so a slice (a
// map per device would cost more than the push it holds).
type mailbox struct {
	pending []pendingPush
	wake    chan struct{} // closed and replaced when a push arrives; closed when dropped
}

// pendingPush keeps of a notification only what the device is given.
type pendingPush struct {
	loginID  string
	signed   push.Signed
	deadline time.Time
}

// put stores the login's push, replacing the login's previous one.
func (mb *mailbox) put(n *providers.Notification) {
	pp := pendingPush{loginID: n.Payload.LoginID, signed: n.Signed, deadline: n.Deadline}
	if i := mb.index(pp.loginID); i >= 0 {
		mb.pending[i] = pp
		return
	}
	mb.pending = append(mb.pending, pp)
}

// remove drops the login's push, if any.
func (mb *mailbox) remove(loginID string) {
	if i := mb.index(loginID); i >= 0 {
		mb.pending = slices.Delete(mb.pending, i, i+1)
	}
}

func (mb *mailbox) index(loginID string) int {
	return slices.IndexFunc(mb.pending, func(pp pendingPush) bool { return pp.loginID == loginID })
}

// New returns an empty poll provider.
func New() *Provider {
	return &Provider{devices: make(map[string]*mailbox), polls: make(map[string]int), now: time.Now}
}

// Name implements providers.Pusher.
func (p *Provider) Name() string { return "poll" }

// Start implements providers.Provider; the poll provider has no background
// work (expired pushes are swept by Push and Pending).
func (p *Provider) Start(context.Context) error { return nil }

// Stop implements providers.Provider. The poll provider holds no goroutines
// or connections, so there is nothing to stop: its mailboxes stay readable
// for the device API and Push keeps working (it only fills memory).
func (p *Provider) Stop(context.Context) error { return nil }

// Push queues n for its device and wakes the device's long polls.
func (p *Provider) Push(_ context.Context, n *providers.Notification) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maybeSweepLocked()
	mb := p.mailboxLocked(n.Payload.DeviceID)
	mb.put(n)
	close(mb.wake)
	mb.wake = make(chan struct{})
	return nil
}

// Withdraw drops the pending push of a login. A mailbox left empty is
// dropped, which wakes its long polls so that they wait on a fresh one.
func (p *Provider) Withdraw(deviceID, loginID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if mb, ok := p.devices[deviceID]; ok {
		mb.remove(loginID)
		p.dropIfEmptyLocked(deviceID, mb)
	}
}

func (p *Provider) mailboxLocked(deviceID string) *mailbox {
	mb, ok := p.devices[deviceID]
	if !ok {
		mb = &mailbox{wake: make(chan struct{})}
		p.devices[deviceID] = mb
	}
	return mb
}

// dropIfEmptyLocked removes an empty mailbox and closes its wake channel,
// so that no poller is left holding a channel no push can close.
func (p *Provider) dropIfEmptyLocked(deviceID string, mb *mailbox) {
	if len(mb.pending) > 0 {
		return
	}
	delete(p.devices, deviceID)
	close(mb.wake)
}

// maybeSweepLocked drops expired pushes and empty mailboxes of every device
// once per sweepInterval. Pollers of a dropped mailbox wake and re-read.
func (p *Provider) maybeSweepLocked() {
	now := p.now()
	if now.Sub(p.lastSweep) < sweepInterval {
		return
	}
	p.lastSweep = now
	for id, mb := range p.devices {
		mb.pruneLocked(now)
		p.dropIfEmptyLocked(id, mb)
	}
}

// pruneLocked deletes the pushes whose deadline has passed.
func (mb *mailbox) pruneLocked(now time.Time) {
	mb.pending = slices.DeleteFunc(mb.pending, func(pp pendingPush) bool { return !now.Before(pp.deadline) })
}

// Pending returns the device's unexpired pushes, oldest deadline first, and
// a channel closed when a new one arrives (or, rarely, when the device's
// mailbox is dropped; then call Pending again for a fresh channel).
func (p *Provider) Pending(deviceID string) ([]push.Signed, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maybeSweepLocked()
	mb := p.mailboxLocked(deviceID)
	mb.pruneLocked(p.now())
	list := slices.Clone(mb.pending)
	slices.SortStableFunc(list, func(a, b pendingPush) int { return a.deadline.Compare(b.deadline) })
	out := make([]push.Signed, len(list))
	for i, pp := range list {
		out[i] = pp.signed
	}
	return out, mb.wake
}

// OpenPoll counts a poll of the device as open, unless max are open
// already (then ok is false). Call done, once, when the poll ends.
func (p *Provider) OpenPoll(deviceID string, max int) (done func(), ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.polls[deviceID] >= max {
		return nil, false
	}
	p.polls[deviceID]++
	return sync.OnceFunc(func() { p.closePoll(deviceID) }), true
}

func (p *Provider) closePoll(deviceID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.polls[deviceID]--; p.polls[deviceID] <= 0 {
		delete(p.polls, deviceID)
	}
}

// Wait returns the device's pending pushes, waiting until ctx ends for one
// to arrive when there are none; then it returns them read afresh.
func (p *Provider) Wait(ctx context.Context, deviceID string) []push.Signed {
	for {
		list, wake := p.Pending(deviceID)
		if len(list) > 0 || ctx.Err() != nil {
			return list
		}
		select {
		case <-ctx.Done():
		case <-wake:
		}
	}
}

// WaitFor returns the device's pending pushes as soon as one of them has a
// nonce not in known (any push when known is empty), or, read afresh, when
// ctx ends.
func (p *Provider) WaitFor(ctx context.Context, deviceID string, known []string) []push.Signed {
	if len(known) == 0 {
		return p.Wait(ctx, deviceID)
	}
	for {
		list, wake := p.Pending(deviceID)
		if HasUnknown(list, known) || ctx.Err() != nil {
			return list
		}
		select {
		case <-ctx.Done():
		case <-wake:
		}
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
