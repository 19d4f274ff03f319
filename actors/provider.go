package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/providers"
)

// ProviderLimits tune every provider actor.
type ProviderLimits struct {
	Concurrency     int           // sends in progress at once (default 1024)
	RatePerSecond   float64       // sends per second, 0 = unlimited
	Burst           int           // bucket size for RatePerSecond (default = rate, at least 1)
	CircuitFailures int           // consecutive failures that open the circuit (default 5)
	CircuitPause    time.Duration // open time before a trial send (default 30s)
	RetryBackoff    time.Duration // first retry delay of a temporary failure (default 200ms)
}

func (l ProviderLimits) withDefaults() ProviderLimits {
	if l.Concurrency <= 0 {
		l.Concurrency = 1024
	}
	if l.Burst <= 0 {
		l.Burst = max(1, int(l.RatePerSecond))
	}
	if l.CircuitFailures <= 0 {
		l.CircuitFailures = 5
	}
	if l.CircuitPause <= 0 {
		l.CircuitPause = 30 * time.Second
	}
	if l.RetryBackoff <= 0 {
		l.RetryBackoff = 200 * time.Millisecond
	}
	return l
}

// sendMargin keeps a send's deadline short of the login's own.
const sendMargin = 250 * time.Millisecond

// sendDone reports a finished send back to its provider actor.
type sendDone struct {
	err   error
	trial bool
}

// providerActor owns one push provider: its circuit breaker and rate limit
// live here, mutated only by Receive. Sends run in their own goroutines
// (bounded by a semaphore and by the login's deadline) and report back, so
// the mailbox never waits on the network.
type providerActor struct {
	pusher  providers.Pusher
	limits  ProviderLimits
	slots   chan struct{}
	metrics *Metrics
	log     zerolog.Logger
	now     func() time.Time
	circuit circuit
	bucket  bucket
}

func newProviderActor(p providers.Pusher, limits ProviderLimits, d *Deps) *providerActor {
	limits = limits.withDefaults()
	return &providerActor{
		pusher:  p,
		limits:  limits,
		slots:   make(chan struct{}, limits.Concurrency),
		metrics: d.Metrics,
		log:     d.Log.With().Str("provider", p.Name()).Logger(),
		now:     d.now,
		bucket:  bucket{rate: limits.RatePerSecond, size: float64(limits.Burst), tokens: float64(limits.Burst)},
	}
}

// Receive is a short type switch; nothing here blocks.
func (p *providerActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *sendPush:
		p.onSend(ctx, msg)
	case *sendDone:
		p.onDone(msg)
	case *withdrawPush:
		p.pusher.Withdraw(msg.deviceID, msg.loginID)
	}
}

func (p *providerActor) onSend(ctx actor.Context, m *sendPush) {
	now := p.now()
	trial, ok := p.circuit.admit(now, p.limits.CircuitPause)
	if !ok {
		p.refuse(ctx, m, fmt.Errorf("%w: %s circuit open", providers.ErrUnavailable, p.pusher.Name()))
		return
	}
	if !p.bucket.take(now) {
		p.circuit.release(trial)
		p.refuse(ctx, m, fmt.Errorf("%w: %s rate limit", providers.ErrUnavailable, p.pusher.Name()))
		return
	}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	go func() {
		err := p.deliver(m.n)
		p.metrics.pushed(p.pusher.Name(), err)
		root.Send(m.replyTo, &pushResult{nonce: m.n.Payload.Nonce, err: err})
		root.Send(self, &sendDone{err: err, trial: trial})
	}()
}

func (p *providerActor) refuse(ctx actor.Context, m *sendPush, err error) {
	p.metrics.pushed(p.pusher.Name(), err)
	ctx.Send(m.replyTo, &pushResult{nonce: m.n.Payload.Nonce, err: err})
}

// deliver sends n, retrying temporary failures with doubling pauses while
// the login's deadline allows (runs off the mailbox).
func (p *providerActor) deliver(n *providers.Notification) error {
	c, cancel := context.WithDeadline(context.Background(), n.Deadline.Add(-sendMargin))
	defer cancel()
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-c.Done():
		return fmt.Errorf("%w: no free send slot: %v", providers.ErrTemporary, c.Err())
	}
	backoff := p.limits.RetryBackoff
	for {
		err := p.pusher.Push(c, n)
		if err == nil || !errors.Is(err, providers.ErrTemporary) {
			return err
		}
		select {
		case <-c.Done():
			return err
		case <-time.After(backoff):
			backoff *= 2
		}
	}
}

func (p *providerActor) onDone(m *sendDone) {
	failed := m.err != nil && !errors.Is(m.err, providers.ErrUnregistered)
	switch p.circuit.record(failed, m.trial, p.now(), p.limits.CircuitFailures) {
	case circuitOpened:
		p.log.Warn().Err(m.err).Msg("push provider failing: circuit opened, logins go to the passcode")
		p.metrics.circuit(p.pusher.Name(), true)
	case circuitClosed:
		p.log.Info().Msg("push provider recovered: circuit closed")
		p.metrics.circuit(p.pusher.Name(), false)
	}
}
