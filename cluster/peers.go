package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/rs/zerolog"
)

// peers keeps which members this node has verified. A member's record in
// etcd says nothing about its certificate (a node with a certificate from
// another CA registers like any other, but nobody can talk to it) nor about
// its readiness (a node registers a second or more before its actors run,
// and a message sent to an actor that does not exist yet is lost). Until a
// member has passed the checks (mutual TLS, see peerTLS.probe; then a
// named actor answering, see Node.touch) it is left out of Members and
// Alive, so no user's push slot or device queue is placed on it. With no
// check configured every member counts.
type peers struct {
	tls      *peerTLS
	ready    func(ctx context.Context, addr string) error // nil: no readiness check
	self     func() string                                // this node's address
	list     func() []string                              // current member addresses, verified or not
	onChange func()                                       // called when a member becomes verified or stops being
	log      zerolog.Logger
	base     context.Context

	mu      sync.Mutex
	state   map[string]*peerState // by address, for members being probed or verified
	changed chan struct{}         // closed and replaced on every result
}

// peerState is what is known of one member.
type peerState struct {
	verified bool
	tried    bool  // at least one probe finished
	err      error // the last failure
}

func newPeers(base context.Context, t *peerTLS, self func() string, list func() []string,
	onChange func(), log zerolog.Logger) *peers {
	return &peers{tls: t, self: self, list: list, onChange: onChange, log: log, base: base,
		state: map[string]*peerState{}, changed: make(chan struct{})}
}

// checked tells whether members are checked before use.
func (p *peers) checked() bool { return p.tls != nil || p.ready != nil }

// notReadyError is a member that answers over the network but whose
// actors do not run yet (it is starting): no verdict, ask again.
type notReadyError struct{ err error }

func (e notReadyError) Error() string { return "not ready: " + e.err.Error() }
func (e notReadyError) Unwrap() error { return e.err }

// check runs the configured checks on the member at addr.
func (p *peers) check(addr string) error {
	if p.tls != nil {
		if err := p.tls.probe(p.base, addr); err != nil {
			return err
		}
	}
	if p.ready != nil {
		if err := p.ready(p.base, addr); err != nil {
			return notReadyError{err}
		}
	}
	return nil
}

// noVerdict tells whether err only says "not yet" (unreachable or not
// ready) rather than "refused".
func noVerdict(err error) bool {
	var unreachable unreachableError
	var notReady notReadyError
	return errors.As(err, &unreachable) || errors.As(err, &notReady)
}

// trusted tells whether address may be used; self and every member
// without TLS are.
func (p *peers) trusted(address string) bool {
	if !p.checked() || address == p.self() {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state[address]
	return s != nil && s.verified
}

// refused tells whether the member at address refused mutual TLS (or
// presented a certificate this node refuses) at its last check.
func (p *peers) refused(address string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state[address]
	return s != nil && s.tried && s.err != nil && !noVerdict(s.err)
}

// onTopology starts probing members that are new and forgets those that
// left. It runs in protoactor's event stream, so it only starts goroutines.
func (p *peers) onTopology(t *pcluster.ClusterTopology) {
	if !p.checked() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range t.Left {
		delete(p.state, m.Address())
	}
	self := p.self()
	for _, m := range t.Members {
		addr := m.Address()
		if addr == self || p.state[addr] != nil {
			continue
		}
		p.state[addr] = &peerState{}
		go p.verify(addr)
	}
}

// verify checks addr until it passes or stops being a member, backing off
// up to 1 s while it is starting and 5 s once it refused us. The first
// refusal is logged as an error naming the member.
func (p *peers) verify(addr string) {
	wait := 50 * time.Millisecond
	for p.isMember(addr) {
		err := p.check(addr)
		if p.record(addr, err) {
			p.onChange()
			return
		}
		select {
		case <-p.base.Done():
			return
		case <-time.After(wait):
		}
		limit := 5 * time.Second
		if noVerdict(err) {
			limit = time.Second
		}
		wait = min(2*wait, limit)
	}
	p.mu.Lock()
	delete(p.state, addr)
	p.mu.Unlock()
}

// record stores a probe's result and tells whether addr is now verified.
func (p *peers) record(addr string, err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state[addr]
	if s == nil {
		s = &peerState{}
		p.state[addr] = s
	}
	first := !s.tried || (s.err == nil) != (err == nil)
	s.tried, s.verified, s.err = true, err == nil, err
	close(p.changed)
	p.changed = make(chan struct{})
	switch {
	case err == nil:
		p.log.Info().Str("member", addr).Bool("mutual_tls", p.tls != nil).Msg("member verified")
	case first && !noVerdict(err):
		p.log.Error().Err(err).Str("member", addr).
			Msg("member refused over mutual TLS: left out until it presents a certificate the cluster CA signed and accepts ours")
	}
	return err == nil
}

func (p *peers) isMember(addr string) bool {
	for _, m := range p.list() {
		if m == addr {
			return true
		}
	}
	return false
}

// checkJoin waits (bounded) for a first result from every other member
// this node found when it joined. When there were members and not one
// accepted this node over mutual TLS, the node's certificate or CA is
// not the cluster's: that is an error, not a cluster of one.
func (p *peers) checkJoin(ctx context.Context) error {
	if p.tls == nil {
		return nil
	}
	var others []string
	self := p.self()
	for _, m := range p.list() {
		if m != self {
			others = append(others, m)
		}
	}
	if len(others) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		done, ok, refusals := p.results(others)
		if ok > 0 || (done && len(refusals) == 0) {
			return nil
		}
		if done {
			return fmt.Errorf("cluster.tls: no member of the cluster accepts this node over mutual TLS "+
				"(certificate not signed by the cluster's CA, or ca_file not the cluster's CA): %s",
				strings.Join(refusals, "; "))
		}
		p.mu.Lock()
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil // members slow to answer: not a verdict; they stay out until verified
		}
	}
}

// results sums up the first probes of addrs: whether each has one, how
// many passed, and the refusals (members that could not be reached are
// no verdict: a dead member's record stays in etcd until its lease ends).
func (p *peers) results(addrs []string) (done bool, ok int, refusals []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done = true
	for _, a := range addrs {
		s := p.state[a]
		switch {
		case s == nil || !s.tried:
			done = false
		case s.verified:
			ok++
		case !noVerdict(s.err):
			refusals = append(refusals, a+": "+s.err.Error())
		}
	}
	return done, ok, refusals
}
