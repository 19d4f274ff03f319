// Package admission is a fair gate in front of a costly shared resource:
// the password checks of logins (argon2id hashes, directory binds).
//
// A plain semaphore serves its waiters in arrival order, so one RADIUS
// client's burst (say 300 unknown user names) makes every other client wait
// behind all of it. The Gate instead:
//
//   - admits at most Limits.Capacity holders at once, and at most
//     Limits.Share of them from one client, so a client's burst leaves room
//     for the others;
//   - lets waiters in by turns: first the client that holds the fewest
//     slots, round-robin between clients that hold as many, and within a
//     client round-robin between sources (the end user's address, the
//     RADIUS Calling-Station-Id); so a newcomer waits for about one check,
//     not for a burst to drain;
//   - bounds the waiting: a client queues no more than its share drains in
//     Limits.QueueTime (at the hold time measured so far), one source no
//     more than half of that, and nobody waits longer than Limits.MaxWait.
//     Beyond that Acquire fails at once with ErrBusy, which costs nothing.
//
// The Gate starts no goroutine; a waiter is the caller's own goroutine.
package admission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ErrBusy means the key's share of the gate is full (or its wait ran out):
// the caller should give up at once rather than queue. Test with errors.Is.
var ErrBusy = errors.New("password checks busy for this client")

// Key says whose request is asking for admission.
type Key struct {
	// Client is the RADIUS client's name.
	Client string
	// Source tells requests of one client apart: the end user's address
	// (Calling-Station-Id; for the web agent, the browser's address). ""
	// when the client sends none: the client is then one source.
	Source string
}

// Limits size a Gate. DefaultLimits derives them from the capacity and
// the cost of one check.
type Limits struct {
	// Capacity is how many holders the gate admits at once, all clients
	// together (e.g. the argon2 computations that may run at once).
	Capacity int
	// Share is how many of them one client may hold at once (1..Capacity).
	Share int
	// QueueTime is how long a client's queue may take to drain: a request
	// is queued only while the client's waiters (itself included) take
	// at most this long at Share holders and the measured hold time; the
	// next one fails with ErrBusy at once. A named source (Key.Source not
	// empty) may fill half of its client's queue, so that one address
	// cannot fill it alone.
	QueueTime time.Duration
	// Queue caps the waiters of one client, whatever the hold time (a
	// bound on memory; a named source's, half of it).
	Queue int
	// InitialHold is the expected hold time until holds have been
	// measured (e.g. one argon2id computation, timed at start).
	InitialHold time.Duration
	// MaxWait bounds one wait; a request not admitted by then fails with
	// ErrBusy.
	MaxWait time.Duration
}

// Default limits.
const (
	defaultQueueTime   = 2 * time.Second
	defaultQueue       = 4096
	defaultInitialHold = 10 * time.Millisecond
	defaultMaxWait     = 5 * time.Second
)

// DefaultLimits are the limits for a resource that can serve capacity
// requests at once (capacity < 1 counts as 1), each taking about hold
// (<= 0: 10 ms until measured). A client may hold all of it on a small
// gate and three quarters from 4 on (one slot in four stays free for the
// other clients). It may queue what its share drains in 2 seconds (at
// most 4,096 requests; a named source half of that), and no request waits
// more than 5 seconds, within a NAS's usual retransmit time.
func DefaultLimits(capacity int, hold time.Duration) Limits {
	capacity = max(capacity, 1)
	return Limits{
		Capacity:    capacity,
		Share:       capacity - capacity/4,
		QueueTime:   defaultQueueTime,
		Queue:       defaultQueue,
		InitialHold: hold,
		MaxWait:     defaultMaxWait,
	}
}

// normalized returns l with every field within its range.
func (l Limits) normalized() Limits {
	l.Capacity = max(l.Capacity, 1)
	l.Share = min(max(l.Share, 1), l.Capacity)
	l.Queue = max(l.Queue, 0)
	if l.QueueTime <= 0 {
		l.QueueTime = defaultQueueTime
	}
	if l.InitialHold <= 0 {
		l.InitialHold = defaultInitialHold
	}
	if l.MaxWait <= 0 {
		l.MaxWait = defaultMaxWait
	}
	return l
}

// Gate admits holders fairly between clients and their sources. A Gate is
// safe for concurrent use.
type Gate struct {
	limits Limits

	mu      sync.Mutex
	running int
	hold    time.Duration // moving average of the hold times
	clients map[string]*client
	turns   []*client // clients with waiters: the front one is served next
}

// client is one RADIUS client's holders and waiters.
type client struct {
	name    string
	running int
	waiting int
	sources map[string]*source // those with waiters
	turns   []*source          // the same: the front one is served next
}

// source is one source's waiters, in arrival order. A waiter is a channel
// that dispatch closes (under Gate.mu) to admit it.
type source struct {
	name    string
	waiters []chan struct{}
}

// New returns a Gate with limits l (fields out of range are clamped).
func New(l Limits) *Gate {
	l = l.normalized()
	return &Gate{limits: l, hold: l.InitialHold, clients: map[string]*client{}}
}

// Acquire admits the caller for k, waiting for its turn when the gate or
// k's client share is full. It fails at once with ErrBusy when k's queue
// is full, with ErrBusy after Limits.MaxWait, or with ctx's error when ctx
// ends first. On success the caller must call release exactly once (more
// calls are ignored).
func (g *Gate) Acquire(ctx context.Context, k Key) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.mu.Lock()
	c := g.client(k.Client)
	if g.running < g.limits.Capacity && c.running < g.limits.Share && c.waiting == 0 {
		g.admit(c)
		g.mu.Unlock()
		return g.releaser(c), nil
	}
	ready, err := g.enqueue(c, k.Source)
	g.mu.Unlock()
	if err != nil {
		return nil, err
	}
	timer := time.NewTimer(g.limits.MaxWait)
	defer timer.Stop()
	select {
	case <-ready:
		return g.releaser(c), nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = fmt.Errorf("%w: not admitted within %v", ErrBusy, g.limits.MaxWait)
	}
	g.withdraw(c, k.Source, ready)
	return nil, err
}

// client returns name's entry, made when missing. Under g.mu.
func (g *Gate) client(name string) *client {
	c := g.clients[name]
	if c == nil {
		c = &client{name: name, sources: map[string]*source{}}
		g.clients[name] = c
	}
	return c
}

// forget drops c once it holds and awaits nothing, so that entries do not
// pile up. Under g.mu.
func (g *Gate) forget(c *client) {
	if c.running == 0 && c.waiting == 0 {
		delete(g.clients, c.name)
	}
}

// admit counts one more holder for c. Under g.mu.
func (g *Gate) admit(c *client) {
	g.running++
	c.running++
}

// free gives back a slot c held and lets the next waiters in. Under g.mu.
func (g *Gate) free(c *client) {
	g.running--
	c.running--
	g.dispatch()
	g.forget(c)
}

// releaser returns the release function of a slot c holds from now on,
// which also measures the hold.
func (g *Gate) releaser(c *client) func() {
	admitted := time.Now()
	var once sync.Once
	return func() {
		once.Do(func() {
			held := time.Since(admitted)
			g.mu.Lock()
			defer g.mu.Unlock()
			g.hold += (held - g.hold) / holdWeight
			g.free(c)
		})
	}
}

// holdWeight: each hold moves the average by 1/holdWeight of its
// difference, so the average follows a change of load within tens of
// checks.
const holdWeight = 8

// queueLimit is how many of c's requests may wait: what its share drains
// in QueueTime at the average hold time (at least 1), within Queue. Under
// g.mu.
func (g *Gate) queueLimit() int {
	drained := int64(g.limits.QueueTime) * int64(g.limits.Share) / int64(max(g.hold, time.Microsecond))
	return int(min(max(drained, 1), int64(g.limits.Queue)))
}

// enqueue queues a waiter for c's source src, or fails with ErrBusy when
// c's queue or src's (half of c's) is full. Under g.mu.
func (g *Gate) enqueue(c *client, src string) (chan struct{}, error) {
	limit := g.queueLimit()
	if c.waiting >= limit {
		g.forget(c)
		return nil, fmt.Errorf("%w: client %q has %d requests waiting", ErrBusy, c.name, c.waiting)
	}
	s := c.sources[src]
	if s == nil {
		s = &source{name: src}
		c.sources[src] = s
		c.turns = append(c.turns, s)
	} else if src != "" && len(s.waiters) >= max(limit/2, 1) {
		return nil, fmt.Errorf("%w: %d requests of client %q wait for one source", ErrBusy, len(s.waiters), c.name)
	}
	ready := make(chan struct{})
	s.waiters = append(s.waiters, ready)
	c.waiting++
	if c.waiting == 1 {
		g.turns = append(g.turns, c)
	}
	return ready, nil
}

// dispatch admits waiters while there is room: from the client that holds
// the fewest slots among those below their share (the first in turn order
// on a tie), the first source in turn order; both go to the back of their
// turns. So a client that holds nothing goes before one whose burst holds
// slots, even if that burst queued first. Under g.mu.
func (g *Gate) dispatch() {
	for g.running < g.limits.Capacity {
		i := g.nextClient()
		if i < 0 {
			return
		}
		c := g.turns[i]
		g.turns = append(slices.Delete(g.turns, i, i+1), c)
		s := c.turns[0]
		c.turns = append(c.turns[1:], s)
		ready := s.waiters[0]
		s.waiters = s.waiters[1:]
		g.dequeued(c, s)
		g.admit(c)
		close(ready)
	}
}

// nextClient is the index in g.turns of the client to serve next, or -1
// when every waiting client holds its share. Under g.mu.
func (g *Gate) nextClient() int {
	next := -1
	for i, c := range g.turns {
		if c.running < g.limits.Share && (next < 0 || c.running < g.turns[next].running) {
			next = i
		}
	}
	return next
}

// dequeued takes s and c out of their turns once a waiter of s left the
// queue and they have no more waiters. Under g.mu.
func (g *Gate) dequeued(c *client, s *source) {
	c.waiting--
	if len(s.waiters) == 0 {
		delete(c.sources, s.name)
		c.turns = slices.DeleteFunc(c.turns, func(x *source) bool { return x == s })
	}
	if c.waiting == 0 {
		g.turns = slices.DeleteFunc(g.turns, func(x *client) bool { return x == c })
	}
}

// withdraw takes the waiter ready of c's source src out of the queue after
// its wait ended or, when it was admitted meanwhile, gives its slot back.
func (g *Gate) withdraw(c *client, src string, ready chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-ready: // admitted meanwhile: hand the slot on, unmeasured
		g.free(c)
		return
	default:
	}
	s := c.sources[src]
	s.waiters = slices.DeleteFunc(s.waiters, func(x chan struct{}) bool { return x == ready })
	g.dequeued(c, s)
	g.forget(c)
}
