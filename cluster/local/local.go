// Package local is a cluster of one: the network of a server that runs
// alone. Its only member is itself, so the routing that the actors (login
// ids, push slots) and the poll provider (device queues) do for a cluster
// runs unchanged on a single node, and every message stays in this
// process. It starts no listener, no gossip and no etcd client.
package local

import (
	"context"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// Network is a cluster of one. It implements actors.Network and poll.Ring
// the way cluster.Node does for a real cluster.
type Network struct {
	system *actor.ActorSystem
}

// New makes the node's actor system (protoactor's own logs at warn and
// above, through log).
func New(log zerolog.Logger) *Network {
	return &Network{system: actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(zerolog.NewSlogHandler(log.Level(max(log.GetLevel(), zerolog.WarnLevel))))
	}))}
}

// System is the actor system the node's actors run on (no remoting).
func (n *Network) System() *actor.ActorSystem { return n.system }

// Address is empty: nothing dials a cluster of one, and its login ids name
// no node (32 hex digits alone, as on every single node).
func (n *Network) Address() string { return "" }

// Alive tells whether address is this node's (the only member).
func (n *Network) Alive(address string) bool { return address == n.Address() }

// SlotNode is this node: it keeps every user's push slot.
func (n *Network) SlotNode(string) string { return n.Address() }

// Place is this node: it keeps every device's queue.
func (n *Network) Place(string) (member string, local bool) { return n.Address(), true }

// Watch does nothing: the members of a cluster of one never change.
func (n *Network) Watch(func()) {}

// Stop shuts the actor system down.
func (n *Network) Stop(context.Context) error {
	n.system.Shutdown()
	return nil
}
