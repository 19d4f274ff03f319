// Package poll is the push provider for devices without a push service: it
// keeps each device's pending pushes in memory until the device fetches them
// through the device API (optionally long-polling) or the login ends.
package poll

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

var _ providers.Pusher = (*Provider)(nil)

// Provider holds pending pushes per device.
type Provider struct {
	mu      sync.Mutex
	devices map[string]*mailbox
	now     func() time.Time
}

type mailbox struct {
	pending map[string]*providers.Notification // by login id
	wake    chan struct{}                      // closed and replaced when a push arrives
}

// New returns an empty poll provider.
func New() *Provider {
	return &Provider{devices: make(map[string]*mailbox), now: time.Now}
}

// Name implements providers.Pusher.
func (p *Provider) Name() string { return "poll" }

// Push queues n for its device.
func (p *Provider) Push(_ context.Context, n *providers.Notification) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	mb := p.mailboxLocked(n.Payload.DeviceID)
	mb.pending[n.Payload.LoginID] = n
	close(mb.wake)
	mb.wake = make(chan struct{})
	return nil
}

// Withdraw drops the pending push of a login.
func (p *Provider) Withdraw(deviceID, loginID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if mb, ok := p.devices[deviceID]; ok {
		delete(mb.pending, loginID)
		if len(mb.pending) == 0 {
			delete(p.devices, deviceID)
		}
	}
}

func (p *Provider) mailboxLocked(deviceID string) *mailbox {
	mb, ok := p.devices[deviceID]
	if !ok {
		mb = &mailbox{pending: make(map[string]*providers.Notification), wake: make(chan struct{})}
		p.devices[deviceID] = mb
	}
	return mb
}

// Pending returns the device's unexpired pushes, oldest deadline first, and
// a channel closed when a new one arrives.
func (p *Provider) Pending(deviceID string) ([]push.Signed, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mb := p.mailboxLocked(deviceID)
	now := p.now()
	list := make([]*providers.Notification, 0, len(mb.pending))
	for id, n := range mb.pending {
		if !now.Before(n.Deadline) {
			delete(mb.pending, id)
			continue
		}
		list = append(list, n)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Deadline.Before(list[j].Deadline) })
	out := make([]push.Signed, len(list))
	for i, n := range list {
		out[i] = n.Signed
	}
	return out, mb.wake
}

// Wait returns the device's pending pushes, waiting until ctx ends for one
// to arrive when there are none.
func (p *Provider) Wait(ctx context.Context, deviceID string) []push.Signed {
	for {
		list, wake := p.Pending(deviceID)
		if len(list) > 0 {
			return list
		}
		select {
		case <-ctx.Done():
			return list
		case <-wake:
		}
	}
}
