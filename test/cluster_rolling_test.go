package test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// rollingFleet is the NAS side and the phones of the rolling-restart
// test: it knows the nodes' current addresses (a node started again has
// new sockets) and which node is being restarted.
type rollingFleet struct {
	mu       sync.Mutex
	nodes    []*Harness
	restarts []window // when each node was away, for explaining rejects

	done     atomic.Int64 // logical logins finished
	answered sync.Map     // login id → decision, for pushes answered with 200
}

// window is a span of time in which a node was stopping or starting.
type window struct{ from, to time.Time }

// node returns node i's current harness.
func (f *rollingFleet) node(i int) *Harness {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nodes[i]
}

// nasLogin is one logical login as the user sees it: the NAS sends it to
// one server, and to the next when a server does not reply.
type nasLogin struct {
	user     string
	decision string // what the phone answers
	attempts []string
	code     layeh.Code // the reply that ended it (0: none)
	started  time.Time
	ended    time.Time
}

// nasAttemptTimeout is how long the NAS waits for one server before it
// sends the login to the next. The phones answer at once, so a live node
// replies well within it; a login sent to another node while the first
// still waits joins it.
const nasAttemptTimeout = 3 * time.Second

// loginEvery paces each NAS: a steady stream, not a flood of the two
// shared cores.
const loginEvery = 100 * time.Millisecond

// nas is one NAS: it lists every node and, like a real NAS, skips a
// server that did not reply for a dead time.
type nas struct {
	fleet *rollingFleet
	dead  map[string]time.Time // server → until when it is skipped
}

// nasDeadTime is how long a NAS skips a server that did not reply.
const nasDeadTime = 5 * time.Second

// run sends one logical login, starting with node first and failing over
// to the next live one, while the user's phone answers every push of it
// with decision.
func (n *nas) run(phone *deviceclient.Device, l *nasLogin, first int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.fleet.answerPushes(ctx, phone, l.decision)
	l.started = time.Now()
	for range 6 {
		server := n.pick(first)
		l.attempts = append(l.attempts, server)
		if code, ok := sendOnce(server, l.user); ok {
			l.code, l.ended = code, time.Now()
			return
		}
		n.dead[server] = time.Now().Add(nasDeadTime)
	}
	l.ended = time.Now()
}

// pick is the first server from node first on that is not dead (or node
// first's when all are).
func (n *nas) pick(first int) string {
	count := len(n.fleet.nodes)
	for i := range count {
		server := n.fleet.node((first + i) % count).Radius
		if time.Now().After(n.dead[server]) {
			return server
		}
	}
	return n.fleet.node(first).Radius
}

// sendOnce sends the Access-Request to one server and waits for its reply
// (retransmitting every second, as a NAS does) up to nasAttemptTimeout.
func sendOnce(server, user string) (layeh.Code, bool) {
	c, err := radclient.Dial(server, "", []byte(secret))
	if err != nil {
		return 0, false
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), nasAttemptTimeout)
	defer cancel()
	r, err := c.Exchange(ctx, radclient.NewAccessRequest([]byte(secret), user, "pw", "", "nas-"+user))
	if err != nil {
		return 0, false
	}
	return r.Code, true
}

// answerPushes is the phone: it long-polls some node and answers every new
// push with decision through another node, until ctx ends.
func (f *rollingFleet) answerPushes(ctx context.Context, phone *deviceclient.Device, decision string) {
	var known []string
	for ctx.Err() == nil {
		h := f.node(rand.IntN(len(f.nodes)))
		list, err := movePhone(phone, h).Pending(ctx, 2*time.Second, known...)
		if err != nil {
			continue // that node is restarting: poll another
		}
		for _, p := range list {
			if contains(known, p.Nonce) {
				continue
			}
			known = append(known, p.Nonce)
			f.answer(ctx, phone, p, decision)
		}
	}
}

// answer sends the decision through a node, through another when the
// first does not answer; a push answered with 200 is recorded.
func (f *rollingFleet) answer(ctx context.Context, phone *deviceclient.Device, p push.Payload, decision string) {
	for range 6 {
		h := f.node(rand.IntN(len(f.nodes)))
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := movePhone(phone, h).Answer(actx, p, decision)
		cancel()
		var apiErr *deviceclient.APIError
		switch {
		case err == nil:
			f.answered.Store(p.LoginID, decision)
			return
		case errors.As(err, &apiErr) && apiErr.Status < 500:
			return // a login that ended (its node stopped): nothing to answer
		case ctx.Err() != nil:
			return
		}
	}
}

// movePhone is the phone talking to h's device API.
func movePhone(d *deviceclient.Device, h *Harness) *deviceclient.Device {
	st := d.State()
	st.APIBase = h.DeviceURL
	moved, err := deviceclient.FromState(st)
	if err != nil {
		panic(err) // the state came from a working device
	}
	return moved
}

// Issue 8, S7.3: a rolling restart of all three nodes, one at a time
// (SIGTERM, start again, wait until every node sees three members),
// under a steady stream of push logins. Each NAS lists the three nodes
// and sends a login to the next one when a node does not reply; each
// phone approves or denies as decided per login. Every login ends as its
// phone decided (a Reject only for a login a stopping node abandoned, and
// only while a node restarts), and every login a phone answered has its
// audit record in PostgreSQL with the phone's decision. Each restart
// leaves at most one warning about the restarted node in each other
// node's log (issue 24).
func TestClusterRollingRestart(t *testing.T) {
	t.Setenv("PUSHAUTH_NOTIFICATIONTIMEOUT", "30") // the nodes inherit it
	nodes := startCluster(t, 3, "")
	f := &rollingFleet{nodes: nodes}
	const workers = 4
	// No push cap and no lockout: a user logs in over and over, a third
	// of the time denying.
	nodes[0].SetPolicy("rolling", map[string]string{"pushes_per_minute": "0", "lockout_failures": "0"})
	phones := make([]*deviceclient.Device, workers)
	for w := range workers {
		name := fmt.Sprintf("roll%d", w)
		nodes[0].AddUser(name, "pw")
		if _, err := nodes[0].Admin.SetUserPolicy(nodes[0].ctx(), name, "rolling"); err != nil {
			t.Fatal(err)
		}
		phones[w] = nodes[0].Phone(name)
	}

	stop := make(chan struct{})
	results := make([][]*nasLogin, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			box := &nas{fleet: f, dead: map[string]time.Time{}}
			tick := time.NewTicker(loginEvery)
			defer tick.Stop()
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				l := &nasLogin{user: fmt.Sprintf("roll%d", w), decision: push.Approve}
				if rand.IntN(3) == 0 {
					l.decision = push.Deny
				}
				box.run(phones[w], l, (w+seq)%len(nodes))
				results[w] = append(results[w], l)
				f.done.Add(1)
			}
		}()
	}
	t.Cleanup(func() { // the workers end before the nodes stop
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	})

	waitDone := func(n int64) {
		target := f.done.Load() + n
		checkFor(t, 60*time.Second, func() bool { return f.done.Load() >= target }, "%d more logins", n)
	}
	waitDone(20)                // load running before the first restart
	seen := slices.Clone(nodes) // every node process, for its log
	var gone []string           // the inter-node address of each stopped node
	for i := range nodes {
		gone = append(gone, clusterAddress(t, f.node(i)))
		from := time.Now()
		if err := f.node(i).Stop(); err != nil {
			t.Fatalf("stop node %d: %v", i, err)
		}
		h := f.node(i).Respawn()
		seen = append(seen, h)
		f.mu.Lock()
		f.nodes[i] = h
		f.mu.Unlock()
		for j := range nodes {
			waitMembers(t, f.node(j), len(nodes))
		}
		f.mu.Lock()
		f.restarts = append(f.restarts, window{from, time.Now()})
		f.mu.Unlock()
		waitDone(20) // the cluster serves again before the next restart
	}
	close(stop)
	wg.Wait()

	checkRollingResults(t, f, results)
	checkRollingAudit(t, f)
	checkPeerWarnings(t, seen, gone)
}

// clusterAddress is a node's inter-node address (GET /v1/cluster).
func clusterAddress(t *testing.T, h *Harness) string {
	t.Helper()
	st, err := h.Admin.Cluster(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	return st.Address
}

// checkPeerWarnings (issue 24 item 12): a routine restart of one node
// leaves at most one warning or error about it in each other node's log
// (protoactor's repeats are demoted to debug).
func checkPeerWarnings(t *testing.T, logs []*Harness, gone []string) {
	t.Helper()
	for _, addr := range gone {
		about := regexp.MustCompile(regexp.QuoteMeta(addr) + `\b`)
		for i, h := range logs {
			var lines []string
			for _, line := range strings.Split(h.Logs.String(), "\n") {
				if (strings.Contains(line, `"level":"warn"`) || strings.Contains(line, `"level":"error"`)) && about.MatchString(line) {
					lines = append(lines, line)
				}
			}
			if len(lines) > 1 {
				t.Errorf("node process %d logged %d warnings about the restarted %s:\n%s", i, len(lines), addr, strings.Join(lines, "\n"))
			}
		}
	}
}

// checkRollingResults: every logical login got a reply, as its phone
// decided, or a Reject while a node restarted.
func checkRollingResults(t *testing.T, f *rollingFleet, results [][]*nasLogin) {
	t.Helper()
	total, explained := 0, 0
	for _, list := range results {
		for _, l := range list {
			total++
			want := layeh.CodeAccessAccept
			if l.decision == push.Deny {
				want = layeh.CodeAccessReject
			}
			switch {
			case l.code == want:
			case l.code == layeh.CodeAccessReject && f.duringRestart(l):
				explained++
			default:
				t.Errorf("%s: phone said %s, login ended %v after %v (servers %v)",
					l.user, l.decision, l.code, l.ended.Sub(l.started), l.attempts)
			}
		}
	}
	t.Logf("%d logins, %d rejected while a node restarted", total, explained)
	for i, w := range f.restarts { // the other nodes kept serving
		served := 0
		for _, list := range results {
			for _, l := range list {
				if l.code != 0 && l.ended.After(w.from) && l.ended.Before(w.to) {
					served++
				}
			}
		}
		t.Logf("restart of node %d took %v; %d logins ended in that time", i, w.to.Sub(w.from).Round(time.Millisecond), served)
		if served == 0 {
			t.Errorf("no login ended while node %d restarted", i)
		}
	}
}

// duringRestart tells whether l overlapped a node's restart.
func (f *rollingFleet) duringRestart(l *nasLogin) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.restarts {
		if l.started.Before(w.to) && l.ended.After(w.from) {
			return true
		}
	}
	return false
}

// checkRollingAudit: every login the phone answered (200) has an audit
// record in PostgreSQL with the phone's decision.
func checkRollingAudit(t *testing.T, f *rollingFleet) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.node(0).Cfg.Store.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	want := map[string]string{}
	f.answered.Range(func(k, v any) bool {
		want[k.(string)] = v.(string)
		return true
	})
	checkFor(t, 20*time.Second, func() bool {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM audit WHERE login_id = ANY($1)`, keys(want)).Scan(&n)
		return err == nil && n >= len(want)
	}, "audit records of the %d answered logins", len(want))
	rows, err := conn.Query(ctx, `SELECT login_id, outcome, reason FROM audit`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rows.Next() {
		var id, outcome, reason string
		if err := rows.Scan(&id, &outcome, &reason); err != nil {
			t.Fatal(err)
		}
		decision, ok := want[id]
		if !ok {
			continue
		}
		seen[id] = true
		if (decision == push.Approve) != (outcome == "accept") {
			t.Errorf("login %s: phone said %s, audit says %s (%s)", id, decision, outcome, reason)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var total int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d answered logins, %d audit records in all", len(want), total)
	if len(seen) != len(want) {
		t.Errorf("%d of %d answered logins have an audit record", len(seen), len(want))
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
