package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/pushauth/pushauth/config"
)

// Issue 24 item 11: a node's status actor answers with its name and its
// count (or the count's error); a member whose actor does not answer is
// reported as not answering, within the deadline.
func TestStatusActor(t *testing.T) {
	sys := actor.NewActorSystem()
	t.Cleanup(sys.Shutdown)
	n := &Node{cfg: config.Cluster{Node: "node-a"}, system: sys}
	count, fail := 7, error(nil)
	if err := n.ServeStatus(func(context.Context) (int, error) { return count, fail }); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := askStatus(ctx, sys.Root, actor.NewPID(sys.Address(), statusActor))
	if want := (MemberReport{Address: sys.Address(), Node: "node-a", LoginsInFlight: 7, Answered: true}); r != want {
		t.Fatalf("report %+v, want %+v", r, want)
	}
	count, fail = 0, errors.New("actor system did not answer in time")
	if r := askStatus(ctx, sys.Root, actor.NewPID(sys.Address(), statusActor)); !r.Answered || r.Error == "" {
		t.Fatalf("report %+v, want answered with the count's error", r)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r = askStatus(short, sys.Root, actor.NewPID("10.255.255.1:7101", statusActor))
	if r.Answered || r.Error == "" || time.Since(start) > StatusDeadline+time.Second {
		t.Fatalf("unreachable member: %+v after %v", r, time.Since(start))
	}
}

// The messages cross nodes, so they must be protobuf messages that
// survive encoding (non-proto messages are dropped by protoactor).
func TestStatusMessagesAreProto(t *testing.T) {
	for _, m := range []proto.Message{&MemberStatusRequest{}, &MemberStatus{Node: "node-a", LoginsInFlight: 3, Error: "x"}} {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		back := m.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(b, back); err != nil || !proto.Equal(m, back) {
			t.Fatalf("%T round trip: %v %v", m, back, err)
		}
	}
}
