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

// providerActor owns one push provider: its circuit breaker, rate limit
// and send slots live here, mutated only by Receive. At most
// limits.Concurrency sends run at once, each in a goroutine the System
// owns (bounded by the login's deadline); further sends wait in a queue
// in the actor, so goroutines never pile up and the mailbox never waits on
// the network.
type providerActor struct {
	sys     *System
	pusher  providers.Pusher
	limits  ProviderLimits
	running int         // sends in progress
	queue   []*sendPush // sends waiting for a slot, oldest first
	metrics *Metrics
	log     zerolog.Logger
	circuit circuit
	bucket  bucket
}

func newProviderActor(p providers.Pusher, limits ProviderLimits, sys *System) *providerActor {
	limits = limits.withDefaults()
	return &providerActor{
		sys:     sys,
		pusher:  p,
		limits:  limits,
		metrics: sys.deps.Metrics,
		log:     sys.deps.Log.With().Str("provider", p.Name()).Logger(),
		bucket:  bucket{rate: limits.RatePerSecond, size: float64(limits.Burst), tokens: float64(limits.Burst)},
	}
}

// Receive is a short type switch; nothing here blocks.
func (p *providerActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *sendPush:
		p.onSend(ctx, msg)
	case *sendDone:
		p.onDone(ctx, msg)
	case *withdrawPush:
		p.pusher.Withdraw(msg.deviceID, msg.loginID)
	}
}

func (p *providerActor) onSend(ctx actor.Context, m *sendPush) {
	now := p.sys.deps.now()
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
	if p.running >= p.limits.Concurrency {
		p.circuit.release(trial)
		p.queue = append(p.queue, m)
		return
	}
	p.start(ctx, m, trial)
}

// start runs one send in a goroutine owned by the System.
func (p *providerActor) start(ctx actor.Context, m *sendPush, trial bool) {
	p.running++
	self, root := ctx.Self(), ctx.ActorSystem().Root
	p.sys.goWork(func(base context.Context) {
		err := p.deliver(base, m.n)
		p.metrics.pushed(p.pusher.Name(), err)
		root.Send(m.replyTo, &pushResult{nonce: m.n.Payload.Nonce, err: err})
		root.Send(self, &sendDone{err: err, trial: trial})
	})
}

func (p *providerActor) refuse(ctx actor.Context, m *sendPush, err error) {
	p.metrics.pushed(p.pusher.Name(), err)
	ctx.Send(m.replyTo, &pushResult{nonce: m.n.Payload.Nonce, err: err})
}

// deliver sends n, retrying temporary failures with doubling pauses while
// the login's deadline allows (runs off the mailbox).
func (p *providerActor) deliver(base context.Context, n *providers.Notification) error {
	c, cancel := context.WithDeadline(base, n.Deadline.Add(-sendMargin))
	defer cancel()
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

func (p *providerActor) onDone(ctx actor.Context, m *sendDone) {
	p.running--
	failed := m.err != nil && !errors.Is(m.err, providers.ErrUnregistered)
	switch p.circuit.record(failed, m.trial, p.sys.deps.now(), p.limits.CircuitFailures) {
	case circuitOpened:
		p.log.Warn().Err(m.err).Msg("push provider failing: circuit opened, logins go to the passcode")
		p.metrics.circuit(p.pusher.Name(), true)
	case circuitClosed:
		p.log.Info().Msg("push provider recovered: circuit closed")
		p.metrics.circuit(p.pusher.Name(), false)
	}
	p.startQueued(ctx)
}

// startQueued starts the oldest queued send that can still make its
// deadline; sends whose deadline passed in the queue fail at once.
func (p *providerActor) startQueued(ctx actor.Context) {
	now := p.sys.deps.now()
	for len(p.queue) > 0 && p.running < p.limits.Concurrency {
		m := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		if !now.Before(m.n.Deadline.Add(-sendMargin)) {
			p.refuse(ctx, m, fmt.Errorf("%w: no free send slot before the deadline", providers.ErrTemporary))
			continue
		}
		trial, ok := p.circuit.admit(now, p.limits.CircuitPause)
		if !ok {
			p.refuse(ctx, m, fmt.Errorf("%w: %s circuit open", providers.ErrUnavailable, p.pusher.Name()))
			continue
		}
		p.start(ctx, m, trial)
	}
}
