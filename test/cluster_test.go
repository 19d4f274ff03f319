package test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/internal/testetcd"
	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// startCluster starts n pushauthd processes of one cluster (private etcd
// and PostgreSQL, plaintext on loopback; one data directory for the keys
// every node shares) and waits until every node sees every other. extra is
// appended to each node's config.
func startCluster(t *testing.T, n int, extra string) []*Harness {
	t.Helper()
	etcd := testetcd.Start(t)
	dsn := testpg.Start(t).NewDatabase(t)
	name := fmt.Sprintf("t%d", rand.Uint64())
	dataDir := t.TempDir()
	var nodes []*Harness
	for i := range n {
		nodes = append(nodes, StartProcess(t, dataDir, fmt.Sprintf(`
cluster:
  enabled: true
  name: %s
  node: node-%c
  listen: "127.0.0.1:0"
  etcd: {endpoints: [%s]}
  insecure: true
store: {driver: postgres, dsn: %q}
`, name, 'a'+i, etcd, dsn)+extra))
	}
	for _, h := range nodes {
		waitMembers(t, h, n)
	}
	return nodes
}

// via is the same phone talking to another node's device API (a load
// balancer in front of the nodes).
func via(t *testing.T, d *deviceclient.Device, h *Harness) *deviceclient.Device {
	t.Helper()
	st := d.State()
	st.APIBase = h.DeviceURL
	moved, err := deviceclient.FromState(st)
	if err != nil {
		t.Fatal(err)
	}
	return moved
}

// S7.1, S5.1, S5.3: a login lives on the node that received it; the phone
// polling another node sees its push, its answer sent to a third node
// reaches the login, and a repeated answer gets 409 from there too.
func TestClusterAnswerThroughAnotherNode(t *testing.T) {
	nodes := startCluster(t, 3, "")
	a, b, c := nodes[0], nodes[1], nodes[2]
	a.AddUser("alice", "pw")
	phone := a.Phone("alice")
	login := Start(a.Client(""), "alice", "pw", "", "")
	p := NextPush(t, via(t, phone, c)) // polled on node c
	if err := via(t, phone, b).Answer(b.ctx(), p, push.Approve); err != nil {
		t.Fatalf("answer through node b: %v", err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	expectAPIError(t, via(t, phone, b).Answer(b.ctx(), p, push.Approve), "already_answered")
}

// S7.1, S3.2: the NAS sends the passcode for a challenge to another node
// (failover); it reaches the login on the first node and the second node
// replies.
func TestClusterChallengeAnswerOnAnotherNode(t *testing.T) {
	nodes := startCluster(t, 2, "PushOff: 1\n")
	a, b := nodes[0], nodes[1]
	a.AddUser("bob", "pw")
	phone := a.Phone("bob")
	r := Start(a.Client(""), "bob", "pw", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	code, _ := phone.Code(time.Now())
	state := rfc2865.State_GetString(r.Packet)
	expectCode(t, Start(b.Client(""), "bob", code, state, "").Wait(t), layeh.CodeAccessAccept)
	if rec := a.WaitAudit("bob", 1)[0]; rec.Outcome != "accept" {
		t.Fatalf("audit %+v", rec)
	}
}

// S3.4 across nodes: a State naming a node that is not a member is
// rejected at once.
func TestClusterStateOfUnknownNode(t *testing.T) {
	nodes := startCluster(t, 1, "")
	a := nodes[0]
	a.AddUser("carl", "pw")
	state := "00000000000000000000000000000000-" + fmt.Sprintf("%x", "127.0.0.1:1")
	expectCode(t, Start(a.Client(""), "carl", "123456", state, "").Wait(t), layeh.CodeAccessReject)
}

// S7.2: a NAS re-sending a login to another node while it waits on the
// phone (same user, station and password) joins it: one push, both nodes
// reply with the outcome.
func TestClusterJoinAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2, "")
	a, b := nodes[0], nodes[1]
	a.AddUser("dora", "pw")
	phone := a.Phone("dora")
	first := Start(a.Client(""), "dora", "pw", "", "st-1")
	p := NextPush(t, phone)
	second := Start(b.Client(""), "dora", "pw", "", "st-1")
	checkFor(t, 10*time.Second, func() bool {
		return b.Metric("pushauth_login_joins_total", "")+a.Metric("pushauth_login_joins_total", "") == 1
	}, "the second request joined the login on node a")
	if err := phone.Answer(a.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, first.Wait(t), layeh.CodeAccessAccept)
	expectCode(t, second.Wait(t), layeh.CodeAccessAccept)
	if recs := a.WaitAudit("dora", 1); len(recs) != 1 {
		t.Fatalf("%d audit records for one joined login", len(recs))
	}
}

// S7.2: a login for the same user from another station on another node
// supersedes the one waiting: the first NAS gets Reject, the second
// login's push is approved.
func TestClusterSupersedeAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2, "")
	a, b := nodes[0], nodes[1]
	a.AddUser("emil", "pw")
	phone := a.Phone("emil")
	first := Start(a.Client(""), "emil", "pw", "", "st-1")
	p1 := NextPush(t, phone)
	second := Start(b.Client(""), "emil", "pw", "", "st-2")
	expectCode(t, first.Wait(t), layeh.CodeAccessReject)
	p2 := NextPush(t, via(t, phone, b), p1.Nonce) // the second login's push, on node b
	if err := via(t, phone, b).Answer(b.ctx(), p2, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, second.Wait(t), layeh.CodeAccessAccept)
	if rec := a.WaitAudit("emil", 2)[1]; rec.Reason != "superseded" {
		t.Fatalf("first login's audit %+v", rec)
	}
}

// S5.3: a long poll open on one node returns at once when a login on
// another node pushes to the device.
func TestClusterLongPollWakesOnAnotherNode(t *testing.T) {
	nodes := startCluster(t, 2, "")
	a, b := nodes[0], nodes[1]
	a.AddUser("fay", "pw")
	phone := via(t, a.Phone("fay"), b)
	type polled struct {
		list []push.Payload
		err  error
		took time.Duration
	}
	done := make(chan polled, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		start := time.Now()
		list, err := phone.Pending(ctx, 25*time.Second)
		done <- polled{list, err, time.Since(start)}
	}()
	checkFor(t, 10*time.Second, func() bool {
		return b.Metric("pushauth_device_polls_open", "") == 1
	}, "the phone's long poll open on node b")
	login := Start(a.Client(""), "fay", "pw", "", "")
	r := <-done
	if r.err != nil || len(r.list) != 1 || r.took >= 20*time.Second {
		t.Fatalf("poll: %d pushes after %v, err %v", len(r.list), r.took, r.err)
	}
	if err := phone.Answer(b.ctx(), r.list[0], push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
}
