package actors

import (
	"encoding/hex"
	"strings"

	"github.com/asynkron/protoactor-go/actor"
)

// Login ids name the node that owns the login, so that any node can route
// a challenge answer (the RADIUS State) or a device answer (the push's
// login_id) to it: on a cluster node an id is 32 random hex digits, a dash
// and the hex of the owner node's address; a single node is a cluster of
// one (Deps.Network nil: cluster/local) whose address is empty, so its ids
// are the 32 hex digits alone. The routing below is the same for both: a
// single node routes its own ids locally and refuses ids naming any other
// node, as no such node is a member.

// newLoginID returns a fresh login id owned by this node.
func (s *System) newLoginID() string {
	addr := s.deps.Network.Address()
	if addr == "" {
		return newID()
	}
	return newID() + "-" + hex.EncodeToString([]byte(addr))
}

// remoteOwner tells whether login id belongs to another node and returns
// that node's owner; pid is nil when the node is not a member (it left or
// died, so its logins are over) or the id names no node properly.
func (s *System) remoteOwner(id string) (pid *actor.PID, remote bool) {
	_, tail, found := strings.Cut(id, "-")
	if !found {
		return nil, false
	}
	raw, err := hex.DecodeString(tail)
	addr := string(raw)
	switch {
	case err != nil:
		return nil, true // malformed: an unknown login of no live node
	case addr == s.deps.Network.Address():
		return nil, false
	case !s.deps.Network.Alive(addr):
		return nil, true
	}
	return actor.NewPID(addr, ownerName), true
}

// ownerOf is the owner of the node that owns login id (this node's owner
// for its own logins).
func (s *System) ownerOf(id string) *actor.PID {
	if pid, _ := s.remoteOwner(id); pid != nil {
		return pid
	}
	return s.owner
}

// originOwner is the owner of the node whose socket received a (its reply
// goes there).
func (s *System) originOwner(a *Attempt) *actor.PID {
	if a.ReplyTo == nil || a.ReplyTo.Address == s.as.Address() {
		return s.owner
	}
	return actor.NewPID(a.ReplyTo.Address, ownerName)
}

// slotsFor is the push-slot keeper of user: the node the user's name
// hashes to among the members (this node on a cluster of one).
func (s *System) slotsFor(user string) *actor.PID {
	addr := s.deps.Network.SlotNode(user)
	if addr == "" || addr == s.deps.Network.Address() {
		return s.slots
	}
	return actor.NewPID(addr, slotsName)
}

// loginNodeAlive tells whether the node owning login id is a member (always
// true for this node's logins).
func (s *System) loginNodeAlive(id string) bool {
	pid, remote := s.remoteOwner(id)
	return !remote || pid != nil
}
