package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/pushauth/pushauth/config"
)

// S6.11, S7: a node's logins actor answers with its name, its counts and
// no more than the limit oldest logins (never more than MaxMemberLogins,
// whatever the asker asks), or with its lister's error; a member that does
// not answer is reported as such within the deadline.
func TestLoginsActor(t *testing.T) {
	sys := actor.NewActorSystem()
	t.Cleanup(sys.Shutdown)
	n := &Node{cfg: config.Cluster{Node: "node-a"}, system: sys}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var asked []int
	fail := error(nil)
	lister := func(_ context.Context, limit int) (LoginSummary, error) {
		asked = append(asked, limit)
		sum := LoginSummary{Total: 5000, States: map[string]int{"waiting": 4000, "challenged": 1000}}
		for i := range min(limit, 5000) {
			sum.Oldest = append(sum.Oldest, Login{ID: fmt.Sprint("L", i), User: "u", Client: "vpn", State: "waiting",
				Started: t0.Add(time.Duration(i) * time.Second)})
		}
		return sum, fail
	}
	if err := n.ServeLogins(lister); err != nil {
		t.Fatal(err)
	}
	ctx, pid := context.Background(), actor.NewPID(sys.Address(), loginsActor)
	a := askLogins(ctx, sys.Root, pid, 2)
	got := a.logins
	if a.err != nil || got.GetNode() != "node-a" || got.GetTotal() != 5000 || got.GetStates()["challenged"] != 1000 ||
		len(got.GetOldest()) != 2 || got.GetOldest()[1].GetId() != "L1" ||
		!time.Unix(0, got.GetOldest()[1].GetStartedUnixNano()).Equal(t0.Add(time.Second)) {
		t.Fatalf("answer %v, %v", got, a.err)
	}
	if a := askLogins(ctx, sys.Root, pid, MaxMemberLogins*10); a.err != nil || len(a.logins.GetOldest()) != MaxMemberLogins {
		t.Fatalf("a request for more than MaxMemberLogins: %d listed, %v", len(a.logins.GetOldest()), a.err)
	}
	if last := asked[len(asked)-1]; last != MaxMemberLogins {
		t.Fatalf("the lister was asked for %d", last)
	}
	fail = errors.New("actor system did not answer in time")
	if a := askLogins(ctx, sys.Root, pid, 2); a.err == nil || !strings.Contains(a.err.Error(), "did not answer") {
		t.Fatalf("a failing lister: %v", a.err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	a = askLogins(short, sys.Root, actor.NewPID("10.255.255.1:7101", loginsActor), 2)
	if a.err == nil || a.logins != nil || time.Since(start) > StatusDeadline+time.Second {
		t.Fatalf("unreachable member: %+v after %v", a, time.Since(start))
	}
}

// S6.11, S7: the members' answers merge into the cluster's counts and its
// limit oldest logins, each with its node; a member without an answer is
// listed as unanswered and its logins are not counted.
func TestMergeLogins(t *testing.T) {
	at := func(s int) int64 { return time.Date(2026, 12, 7, 9, 0, s, 0, time.UTC).UnixNano() }
	answers := []memberLogins{
		{address: "10.0.0.1:7101", logins: &MemberLogins{Node: "a", Total: 2, States: map[string]int64{"waiting": 2},
			Oldest: []*MemberLogin{{Id: "a1", State: "waiting", StartedUnixNano: at(1)}, {Id: "a2", State: "waiting", StartedUnixNano: at(4)}}}},
		{address: "10.0.0.2:7101", err: errors.New("no answer within 1s: future: timeout")},
		{address: "10.0.0.3:7101", logins: &MemberLogins{Node: "c", Total: 3, States: map[string]int64{"waiting": 1, "challenged": 2},
			Oldest: []*MemberLogin{{Id: "c1", State: "challenged", StartedUnixNano: at(2)}, {Id: "c2", State: "challenged", StartedUnixNano: at(3)},
				{Id: "c3", State: "waiting", StartedUnixNano: at(5)}}}},
	}
	got := mergeLogins(answers, 3)
	var oldest []string
	for _, l := range got.Oldest {
		oldest = append(oldest, l.Node+":"+l.ID)
	}
	if got.Total != 5 || got.States["waiting"] != 3 || got.States["challenged"] != 2 ||
		fmt.Sprint(oldest) != "[a:a1 c:c1 c:c2]" || fmt.Sprint(got.Unanswered) != "[10.0.0.2:7101]" {
		t.Fatalf("merged %+v", got)
	}
	if got := mergeLogins(answers, 0); len(got.Oldest) != 0 || got.Total != 5 {
		t.Fatalf("limit 0: %+v", got)
	}
	if got := mergeLogins(answers[:1], 10); len(got.Unanswered) != 0 || len(got.Oldest) != 2 {
		t.Fatalf("every member answered: %+v", got)
	}
}

// The messages cross nodes, so they must be protobuf messages that
// survive encoding; a member's full answer stays far below gRPC's 4 MiB.
func TestLoginsMessagesAreProto(t *testing.T) {
	full := &MemberLogins{Node: "node-a", Total: 100_000, States: map[string]int64{"waiting": 100_000}}
	for i := range MaxMemberLogins {
		full.Oldest = append(full.Oldest, &MemberLogin{Id: fmt.Sprintf("10.0.0.1:7101/%032x", i), User: "firstname.lastname",
			Client: "vpn-gateway-1", State: "waiting", StartedUnixNano: time.Now().UnixNano()})
	}
	for _, m := range []proto.Message{&MemberLoginsRequest{Limit: 20}, full, &MemberLogins{Node: "node-b", Error: "x"}} {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		back := m.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(b, back); err != nil || !proto.Equal(m, back) {
			t.Fatalf("%T round trip: %v", m, err)
		}
		if len(b) > 512<<10 {
			t.Fatalf("%T is %d bytes", m, len(b))
		}
		t.Logf("%T: %d bytes", m, len(b))
	}
}
