package test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/internal/testetcd"
	"github.com/pushauth/pushauth/internal/testpg"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// startCluster starts n pushauthd processes of one cluster (private etcd
// and PostgreSQL, plaintext on loopback; one data directory for the keys
// every node shares) and waits until every node sees every other. extra is
// appended to each node's config.
func startCluster(t *testing.T, n int, extra string) []*Harness {
	t.Helper()
	nodes, _ := startClusterConfig(t, n, extra)
	return nodes
}

// startClusterConfig is startCluster that also returns the config text of
// a node named node (for a node joining later).
func startClusterConfig(t *testing.T, n int, extra string) ([]*Harness, func(node string) string) {
	t.Helper()
	return startClusterWith(t, n, extra, func(string) string { return "insecure: true" })
}

// startClusterWith is startClusterConfig with each node's transport line
// inside the cluster section (insecure: true, or its tls files).
func startClusterWith(t *testing.T, n int, extra string, transport func(node string) string) ([]*Harness, func(node string) string) {
	t.Helper()
	etcd := testetcd.Start(t)
	dsn := testpg.Start(t).NewDatabase(t)
	name := fmt.Sprintf("t%d", rand.Uint64()) // one name for every node: other names never meet
	dataDir := t.TempDir()
	nodeConfig := func(node string) string {
		return fmt.Sprintf(`
cluster:
  enabled: true
  name: %s
  node: %s
  listen: "127.0.0.1:0"
  etcd: {endpoints: [%s]}
  %s
store: {driver: postgres, dsn: %q}
`, name, node, etcd, transport(node), dsn) + extra
	}
	var nodes []*Harness
	for i := range n {
		nodes = append(nodes, StartProcess(t, dataDir, nodeConfig(nodeName(i))))
	}
	for _, h := range nodes {
		waitMembers(t, h, n)
	}
	return nodes, nodeConfig
}

// nodeName is the name of the i-th node of a test cluster: node-a, ...
func nodeName(i int) string { return fmt.Sprintf("node-%c", 'a'+i) }

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
	// The record names the node the login lived on (issue 8), seen from
	// either node.
	if rec := b.WaitAudit("bob", 1)[0]; rec.Outcome != "accept" || rec.Node != "node-a" {
		t.Fatalf("audit %+v", rec)
	}
}

// nodeMetric reads a series of node h that has no label but the node's
// (issue 8: a cluster node's series carry node="<cluster.node>").
func nodeMetric(h *Harness, name string) float64 {
	h.t.Helper()
	return h.Metric(name, fmt.Sprintf("node=%q", h.Cfg.Cluster.Node))
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
		return nodeMetric(b, "pushauth_login_joins_total")+nodeMetric(a, "pushauth_login_joins_total") == 1
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
		return nodeMetric(b, "pushauth_device_polls_open") == 1
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

// S7.3: a node that dies (SIGKILL) with 100 logins waiting on it fails
// only those logins: the other nodes keep serving, a phone answering a
// dead login gets a clean 404, the NAS's retries on another node succeed,
// and the dead node rejoins when it starts again.
func TestClusterNodeDeath(t *testing.T) {
	nodes := startCluster(t, 3, "")
	a, b, c := nodes[0], nodes[1], nodes[2]
	const n = 100
	phones := make([]*deviceclient.Device, n)
	for i := range n {
		name := fmt.Sprintf("kd%03d", i)
		a.AddUser(name, "pw")
		phones[i] = a.Phone(name)
		Start(b.Client(""), name, "pw", "", "st")
	}
	checkFor(t, 30*time.Second, func() bool {
		list, err := b.Admin.Logins(b.ctx())
		return err == nil && len(list) == n
	}, "%d logins in flight on node b", n)
	dead := NextPush(t, via(t, phones[0], a))
	b.Kill()
	waitMembers(t, a, 2)
	waitMembers(t, c, 2)
	expectAPIError(t, via(t, phones[0], a).Answer(a.ctx(), dead, push.Approve), "unknown_login")
	onA, onC := loginsOf(t, a), loginsOf(t, c)
	for i := range 10 { // the NAS retries on node a (users whose slots were kept on any node)
		name := fmt.Sprintf("kd%03d", i)
		login := Start(a.Client(""), name, "pw", "", "st")
		p := nextPushWhere(t, via(t, phones[i], c), onA)
		if err := via(t, phones[i], c).Answer(c.ctx(), p, push.Approve); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	}
	// Node c serves its own logins as before.
	login := Start(c.Client(""), "kd050", "pw", "", "st-c")
	p := nextPushWhere(t, via(t, phones[50], a), onC)
	if err := via(t, phones[50], a).Answer(a.ctx(), p, push.Deny); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessReject)
	b = b.Respawn()
	for _, h := range []*Harness{a, b, c} {
		waitMembers(t, h, 3)
	}
	login = Start(b.Client(""), "kd010", "pw", "", "st")
	p = nextPushWhere(t, via(t, phones[10], a), loginsOf(t, b)) // not the dead login's push
	if err := via(t, phones[10], a).Answer(a.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
}

// S7.3, issue 8: the same passcode sent at once to two nodes, each holding
// a challenged login of the user, is accepted exactly once.
func TestClusterPasscodeRace(t *testing.T) {
	nodes := startCluster(t, 2, "")
	a, b := nodes[0], nodes[1]
	a.AddUser("pat", "pw")
	tok := a.ProgramOATH("pat", "hotp") // no push-capable token: a passcode challenge
	ca, cb := a.Client(""), b.Client("")
	stateA := challengeState(t, Start(ca, "pat", "pw", "", "st-a").Wait(t))
	stateB := challengeState(t, Start(cb, "pat", "pw", "", "st-b").Wait(t))
	ra, rb := Start(ca, "pat", tok.HOTP(0), stateA, "st-a"), Start(cb, "pat", tok.HOTP(0), stateB, "st-b")
	accepted := 0
	for _, r := range []*radclient.Response{ra.Wait(t), rb.Wait(t)} {
		switch r.Code {
		case layeh.CodeAccessAccept:
			accepted++
		case layeh.CodeAccessChallenge: // the code was used: one more try allowed
		default:
			t.Fatalf("reply %v (%q)", r.Code, rfc2865.ReplyMessage_GetString(r.Packet))
		}
	}
	if accepted != 1 {
		t.Fatalf("passcode accepted by %d nodes, want exactly 1", accepted)
	}
}

// loginsOf matches pushes of logins that live on node h (login ids name
// their node).
func loginsOf(t *testing.T, h *Harness) func(push.Payload) bool {
	t.Helper()
	st, err := h.Admin.Cluster(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	suffix := "-" + hex.EncodeToString([]byte(st.Address))
	return func(p push.Payload) bool { return strings.HasSuffix(p.LoginID, suffix) }
}

// nextPushWhere long-polls the phone until a push matching want arrives
// (pushes of logins on a dead node stay until they expire).
func nextPushWhere(t *testing.T, d *deviceclient.Device, want func(push.Payload) bool) push.Payload {
	t.Helper()
	var known []string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		p := NextPush(t, d, known...)
		if want(p) {
			return p
		}
		known = append(known, p.Nonce)
	}
	t.Fatal("no matching push arrived")
	return push.Payload{}
}

// Issue 8: a node whose push-signing key differs from the cluster's is
// refused (phones activated through the other nodes could not verify its
// pushes), with an error that says what to do.
func TestClusterRefusesOtherPushKey(t *testing.T) {
	nodes, nodeConfig := startClusterConfig(t, 1, "")
	shared := nodes[0].Cfg.DataDir
	own := t.TempDir() // the same server key, a push-signing key of its own
	key, err := os.ReadFile(filepath.Join(shared, store.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(own, store.KeyFileName), key, 0o600); err != nil {
		t.Fatal(err)
	}
	logs := StartProcessFailing(t, own, nodeConfig("node-x"))
	if !strings.Contains(logs, "push-signing key") {
		t.Fatalf("refusal does not name the push-signing key:\n%s", logs)
	}
}

// S5.3, S7.1: a poll token that one node issued is good on every node
// (they derive its key from the push-signing key they share), and a
// forged one is refused there too.
func TestClusterPollTokenOnAnotherNode(t *testing.T) {
	nodes := startCluster(t, 2, "")
	a, b := nodes[0], nodes[1]
	a.AddUser("gus", "pw")
	phone := a.Phone("gus")
	if _, err := phone.Pending(a.ctx(), 0); err != nil { // signed: node a issues the token
		t.Fatal(err)
	}
	tok, _ := phone.PollToken()
	if tok == "" {
		t.Fatal("no poll token after a signed pending call")
	}
	pendingWithToken := func(token string) (int, string) {
		req, err := http.NewRequestWithContext(b.ctx(), http.MethodPost,
			b.DeviceURL+"/v1/devices/"+phone.ID()+"/pending", strings.NewReader(`{"wait":0}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(deviceapi.PollTokenHeader, token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := pendingWithToken(tok); code != http.StatusOK {
		t.Fatalf("node b refused node a's poll token: %d %s", code, body)
	}
	// Another first character of the MAC (after the last dot): six bits of
	// the MAC change.
	i := strings.LastIndexByte(tok, '.') + 1
	other := "A"
	if tok[i] == 'A' {
		other = "B"
	}
	forged := tok[:i] + other + tok[i+1:]
	if code, body := pendingWithToken(forged); code != http.StatusUnauthorized || !strings.Contains(body, "bad_poll_token") {
		t.Fatalf("forged token on node b: %d %s, want 401 bad_poll_token", code, body)
	}
}

// Issue 24 item 11: GET /v1/cluster on one node lists every member with
// the node name and logins in flight the member itself answered over the
// cluster; a member that does not answer within the deadline (frozen with
// SIGSTOP, still registered) is marked so, and the answer still comes
// within a few seconds.
func TestClusterStatusAsksEveryMember(t *testing.T) {
	t.Setenv("PUSHAUTH_NOTIFICATIONTIMEOUT", "30") // the nodes inherit it
	nodes := startCluster(t, 3, "")
	a, b, c := nodes[0], nodes[1], nodes[2]
	b.AddUser("bob", "pw")
	phone := b.Phone("bob")
	login := Start(b.Client(""), "bob", "pw", "", "")
	p := NextPush(t, phone) // bob's login waits on node b
	names := map[string]string{}
	for _, h := range nodes {
		names[clusterAddress(t, h)] = ""
	}
	st, err := a.Admin.Cluster(a.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Nodes) != 3 {
		t.Fatalf("nodes %+v, want 3", st.Nodes)
	}
	for i, m := range st.Nodes {
		want := int64(0)
		if m.Node == "node-b" {
			want = 1
		}
		if !m.Answered || m.Address != st.Members[i] || m.LoginsInFlight != want || m.Error != "" {
			t.Errorf("member %+v, want answered with %d logins in flight", m, want)
		}
		names[m.Address] = m.Node
	}
	if names[clusterAddress(t, b)] != "node-b" || names[clusterAddress(t, c)] != "node-c" || names[st.Address] != "node-a" {
		t.Errorf("names by address %v", names)
	}

	frozen := clusterAddress(t, c)
	if err := c.signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.signal(syscall.SIGCONT) })
	// Each ask is bounded by the 1 s member deadline. A stop that has not
	// taken hold yet when the first ask goes out (a loaded machine) is
	// seen by a later one, so ask until the mark shows.
	var marked bool
	checkFor(t, 10*time.Second, func() bool {
		asked := time.Now()
		st, err := a.Admin.Cluster(a.ctx())
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(asked); took > 3*time.Second {
			t.Errorf("GET /v1/cluster took %v with a member frozen", took)
		}
		marked = false
		for _, m := range st.Nodes {
			if m.Address == frozen {
				marked = !m.Answered && m.Error != ""
			} else if !m.Answered {
				t.Errorf("live member %+v not answered", m)
			}
		}
		return marked
	}, "frozen member %s marked as not answering", frozen)
	if err := c.signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := phone.Answer(b.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
}
