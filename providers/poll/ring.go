package poll

import "github.com/asynkron/protoactor-go/actor"

// ActorName is the device queues' actor name on every member: the members
// address each other's queues as ActorName at a member's address.
const ActorName = "device-mailboxes"

// Ring places each device's queue on one member of the cluster.
// cluster.Node implements it over the members it uses (rendezvous hashing
// of the device id); a single node is a cluster of one (cluster/local),
// whose only member keeps every queue.
type Ring interface {
	// System is the actor system the queues run on. On a cluster its
	// remoting delivers messages to PIDs of other members; anything sent
	// there must be a protobuf message (messages.proto).
	System() *actor.ActorSystem
	// Place is the member keeping deviceID's queue, and whether that is
	// this member. Every member gives the same answer once they agree on
	// the members.
	Place(deviceID string) (member string, local bool)
	// Alive tells whether member is a current member.
	Alive(member string) bool
	// Watch calls f whenever the members (and so the places) change. f
	// must not block.
	Watch(f func())
}
