package actors

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/push"
)

// A single node is a cluster of one (Deps.Network nil: cluster/local). Its
// login ids are 32 hex digits naming no node, as they always were, and go
// through the same routing as on a cluster: they route to this node's
// owner and its push-slot keeper. An id naming another node is refused at
// once, as that node is no member: a challenge answer gets Reject, a
// device answer 404 unknown_login.
func TestClusterOfOneRoutesLocally(t *testing.T) {
	r := newRig(t)
	r.user("alice", phoneToken("d1"))
	first := r.send("alice", "pw-alice", "", "st")
	n := r.nextPush()
	id := n.Payload.LoginID
	if _, err := hex.DecodeString(id); len(id) != 32 || err != nil {
		t.Fatalf("login id %q: want 32 hex digits naming no node", id)
	}
	if pid, remote := r.sys.remoteOwner(id); remote || pid != nil {
		t.Fatalf("own login routed to another node: %v %v", pid, remote)
	}
	if got := r.sys.ownerOf(id); !got.Equal(r.sys.owner) {
		t.Fatalf("owner of an own login %v, want this node's %v", got, r.sys.owner)
	}
	if got := r.sys.slotsFor("alice"); !got.Equal(r.sys.slots) {
		t.Fatalf("push slot keeper %v, want this node's %v", got, r.sys.slots)
	}
	r.waitState(id, stateWaiting)
	if st := r.answer(n, push.Approve); st != AnswerAccepted {
		t.Fatalf("answer of an own login: %v", st)
	}
	first.expect(t, Accept)

	foreign := newID() + "-" + hex.EncodeToString([]byte("10.0.0.9:7101"))
	if pid, remote := r.sys.remoteOwner(foreign); !remote || pid != nil {
		t.Fatalf("login of another node: %v %v, want refused (no member)", pid, remote)
	}
	if r.sys.loginNodeAlive(foreign) {
		t.Fatal("a login of another node counted as alive on a cluster of one")
	}
	r.send("alice", "123456", foreign, "st").expect(t, Reject)
	other := *n
	other.Payload.LoginID = foreign
	if st := r.answer(&other, push.Approve); st != AnswerUnknownLogin {
		t.Fatalf("answer of another node's login: %v, want unknown login", st)
	}
	if strings.Contains(r.sys.newLoginID(), "-") {
		t.Fatal("a cluster of one named a node in a login id")
	}
}
