package cluster

import (
	"context"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// peerLogPeriod is how long, after a warning about a peer, further
// warnings about it are logged at debug level, unless it joins again.
const peerLogPeriod = time.Minute

// maxPeerLogEntries bounds the peers the filter remembers; beyond it,
// warnings about other peers pass unfiltered.
const maxPeerLogEntries = 1024

// peerLogFilter is the slog.Handler protoactor logs through. A peer that
// stops (a routine restart) or dies makes protoactor log the same errors
// about it over and over (EndpointWriter lost connection, failed to
// connect, gossip failures); the filter lets the first warning or error
// about each peer through, with a note, and logs the repeats at debug
// level for peerLogPeriod or until the peer joins again (forget). The
// next warning after that carries how many were demoted. Records below
// warn level from protoactor itself are dropped (they are chatty); the
// demoted ones reach next at debug, so a server logging at debug shows
// them.
type peerLogFilter struct {
	next  slog.Handler
	notes *peerNotes // shared with the handlers WithAttrs and WithGroup make
}

// peerNotes remembers, per peer, when its last warning went through and
// how many have been demoted since.
type peerNotes struct {
	mu     sync.Mutex
	self   func() string // this node's address: warnings about it pass
	now    func() time.Time
	period time.Duration
	peers  map[string]*peerNote
}

type peerNote struct {
	passed  time.Time
	demoted int
}

func newPeerLogFilter(next slog.Handler, self func() string) *peerLogFilter {
	return &peerLogFilter{next: next, notes: &peerNotes{
		self: self, now: time.Now, period: peerLogPeriod, peers: map[string]*peerNote{},
	}}
}

// Enabled implements slog.Handler: protoactor records from warn up.
func (f *peerLogFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && f.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (f *peerLogFilter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return nil
	}
	peer := peerOf(r)
	if peer == "" || peer == f.notes.self() {
		return f.next.Handle(ctx, r)
	}
	pass, demoted := f.notes.note(peer)
	if !pass {
		if !f.next.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		d := slog.NewRecord(r.Time, slog.LevelDebug, r.Message, r.PC)
		r.Attrs(func(a slog.Attr) bool { d.AddAttrs(a); return true })
		d.AddAttrs(slog.String("demoted_from", r.Level.String()))
		return f.next.Handle(ctx, d)
	}
	r = r.Clone()
	r.AddAttrs(slog.String("peer", peer), slog.String("repeats",
		"further warnings about this peer are logged at debug level for "+f.notes.period.String()+" or until it joins again"))
	if demoted > 0 {
		r.AddAttrs(slog.Int("demoted_before", demoted))
	}
	return f.next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (f *peerLogFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &peerLogFilter{next: f.next.WithAttrs(attrs), notes: f.notes}
}

// WithGroup implements slog.Handler.
func (f *peerLogFilter) WithGroup(name string) slog.Handler {
	return &peerLogFilter{next: f.next.WithGroup(name), notes: f.notes}
}

// note records a warning about peer: pass is true when it should go
// through (the first in the period), with how many were demoted before.
func (n *peerNotes) note(peer string) (pass bool, demoted int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	p, ok := n.peers[peer]
	if ok && now.Sub(p.passed) < n.period {
		p.demoted++
		return false, 0
	}
	if !ok {
		n.prune(now)
		if len(n.peers) >= maxPeerLogEntries {
			return true, 0
		}
		p = &peerNote{}
		n.peers[peer] = p
	}
	demoted, p.passed, p.demoted = p.demoted, now, 0
	return true, demoted
}

// prune forgets peers whose period ended (caller holds mu).
func (n *peerNotes) prune(now time.Time) {
	for k, p := range n.peers {
		if now.Sub(p.passed) >= n.period {
			delete(n.peers, k)
		}
	}
}

// forget lets the next warning about address through at once: the peer
// joined (again).
func (f *peerLogFilter) forget(address string) {
	f.notes.mu.Lock()
	defer f.notes.mu.Unlock()
	delete(f.notes.peers, address)
}

// pidAddress finds the address in a PID printed as text.
var pidAddress = regexp.MustCompile(`Address:\s*"([^"]+)"`)

// peerOf is the peer a protoactor record is about: its "address"
// attribute (the endpoint writer and watcher), the address of a PID
// attribute (gossip), or the member id gossip names; "" for none.
func peerOf(r slog.Record) string {
	var peer string
	r.Attrs(func(a slog.Attr) bool {
		switch v := a.Value.Any().(type) {
		case *actor.PID:
			if v != nil {
				peer = v.Address
			}
		case string:
			switch {
			case a.Key == "address":
				peer = v
			case a.Key == "MemberId":
				peer = "member " + v
			default:
				if m := pidAddress.FindStringSubmatch(v); m != nil {
					peer = m[1]
				}
			}
		}
		return peer == ""
	})
	if peer == "nonhost" {
		return ""
	}
	return peer
}
