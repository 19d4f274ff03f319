package actors

import (
	"context"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/providers"
)

// providerActor owns one push provider. Sends run in their own goroutines,
// bounded by a semaphore and by the login's deadline, so the mailbox never
// waits on the network.
type providerActor struct {
	pusher  providers.Pusher
	slots   chan struct{}
	metrics *Metrics
}

func newProviderActor(p providers.Pusher, concurrency int, m *Metrics) *providerActor {
	return &providerActor{pusher: p, slots: make(chan struct{}, concurrency), metrics: m}
}

// Receive is a short type switch; nothing here blocks.
func (p *providerActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *sendPush:
		p.send(ctx, msg)
	case *withdrawPush:
		p.pusher.Withdraw(msg.deviceID, msg.loginID)
	}
}

func (p *providerActor) send(ctx actor.Context, m *sendPush) {
	root := ctx.ActorSystem().Root
	go func() {
		c, cancel := context.WithDeadline(context.Background(), m.n.Deadline)
		defer cancel()
		var err error
		select {
		case p.slots <- struct{}{}:
			err = p.pusher.Push(c, m.n)
			<-p.slots
		case <-c.Done():
			err = c.Err()
		}
		p.metrics.pushed(p.pusher.Name(), err)
		root.Send(m.replyTo, &pushResult{nonce: m.n.Payload.Nonce, err: err})
	}()
}
