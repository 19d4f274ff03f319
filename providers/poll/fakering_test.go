package poll

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
	"google.golang.org/protobuf/proto"
)

// fakeNet is a cluster of fake members in one process: each member has its
// own actor system, addressed by its name, and a PID of another member is
// delivered to that member's system the way protoactor's remoting would:
// protobuf messages only (anything else is dropped and counted), copied
// through their wire encoding. Which member keeps a device's queue is set
// by the test (placed, default the first member).
type fakeNet struct {
	t       *testing.T
	names   []string
	dropped atomic.Int64 // non-protobuf messages sent across members

	mu      sync.Mutex
	members map[string]*fakeMember
	placed  map[string]string // device → member
	gone    map[string]bool   // members that left
}

// fakeMember is one member: its ring and its provider.
type fakeMember struct {
	net     *fakeNet
	name    string
	system  *actor.ActorSystem
	p       *Provider
	mu      sync.Mutex
	watches []func()
}

// newFakeNet starts members named names, their poll providers' clocks
// reading now.
func newFakeNet(t *testing.T, now func() time.Time, names ...string) *fakeNet {
	t.Helper()
	n := &fakeNet{t: t, names: names, members: map[string]*fakeMember{}, placed: map[string]string{}, gone: map[string]bool{}}
	for _, name := range names {
		m := &fakeMember{net: n, name: name, system: actor.NewActorSystem()}
		m.system.ProcessRegistry.Address = name
		m.system.ProcessRegistry.RegisterAddressResolver(n.resolve)
		n.members[name] = m
	}
	for _, name := range names {
		m := n.members[name]
		p, err := newProvider(m, zerolog.Nop(), now)
		if err != nil {
			t.Fatal(err)
		}
		m.p = p
		t.Cleanup(m.system.Shutdown)
	}
	t.Cleanup(func() {
		if d := n.dropped.Load(); d > 0 {
			t.Errorf("%d messages that are not protobuf were sent to another member (dropped)", d)
		}
	})
	return n
}

func (n *fakeNet) member(name string) *fakeMember {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.members[name]
}

// place keeps device's queue on member from now on and tells every member.
func (n *fakeNet) place(device, member string) {
	n.mu.Lock()
	n.placed[device] = member
	n.mu.Unlock()
	n.changed()
}

// leave takes member out: its messages are lost from now on.
func (n *fakeNet) leave(member string) {
	n.mu.Lock()
	n.gone[member] = true
	n.mu.Unlock()
	n.changed()
}

func (n *fakeNet) changed() {
	for _, name := range n.names {
		m := n.member(name)
		m.mu.Lock()
		ws := append([]func(){}, m.watches...)
		m.mu.Unlock()
		for _, f := range ws {
			f()
		}
	}
}

// resolve delivers a PID of another member to that member.
func (n *fakeNet) resolve(pid *actor.PID) (actor.Process, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	to, ok := n.members[pid.Address]
	if !ok || n.gone[pid.Address] {
		return nil, false
	}
	return &fakeWire{net: n, to: to}, true
}

// fakeWire carries messages to one member.
type fakeWire struct {
	net *fakeNet
	to  *fakeMember
}

func (w *fakeWire) SendUserMessage(pid *actor.PID, message any) {
	_, msg, sender := actor.UnwrapEnvelope(message)
	pm, ok := msg.(proto.Message)
	if !ok {
		w.net.dropped.Add(1)
		return
	}
	raw, err := proto.Marshal(pm)
	if err != nil {
		w.net.t.Errorf("marshal %T: %v", msg, err)
		return
	}
	copied := pm.ProtoReflect().New().Interface()
	if err := proto.Unmarshal(raw, copied); err != nil {
		w.net.t.Errorf("unmarshal %T: %v", msg, err)
		return
	}
	w.to.system.Root.RequestWithCustomSender(actor.NewPID(w.to.name, pid.Id), copied, sender)
}

func (w *fakeWire) SendSystemMessage(*actor.PID, any) {}
func (w *fakeWire) Stop(*actor.PID)                   {}

// System implements Ring.
func (m *fakeMember) System() *actor.ActorSystem { return m.system }

// Place implements Ring.
func (m *fakeMember) Place(device string) (string, bool) {
	m.net.mu.Lock()
	defer m.net.mu.Unlock()
	member, ok := m.net.placed[device]
	if !ok {
		member = m.net.names[0]
	}
	return member, member == m.name
}

// Alive implements Ring.
func (m *fakeMember) Alive(member string) bool {
	m.net.mu.Lock()
	defer m.net.mu.Unlock()
	_, ok := m.net.members[member]
	return ok && !m.net.gone[member]
}

// Watch implements Ring.
func (m *fakeMember) Watch(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.watches = append(m.watches, f)
}

// stats counts the devices with a queue on m and the waits parked there.
func (m *fakeMember) stats(t *testing.T) queueStats {
	t.Helper()
	return stats(t, m.p)
}

func stats(t *testing.T, p *Provider) queueStats {
	t.Helper()
	res, err := p.root.RequestFuture(p.pid, queueCount{}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	return res.(queueStats)
}
