package test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testconn"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// Issue 18, item 5 (SPEC S6.4): one host cannot starve the phones. Under
// a 1,024-descriptor limit, 1,100 idle keep-alive connections from
// 127.0.0.1 to the device API leave all but the per-address cap (64)
// closed at once and counted; meanwhile a phone on 127.0.0.2 polls
// quickly, gets its push and approves it, and the admin API answers. The
// held connections are let go after the idle timeout (10 s), while a long
// poll that lasts longer than that is served to its end.
func TestOneHostCannotStarveThePhones(t *testing.T) {
	if testing.Short() {
		t.Skip("1,100 connections and a 12 s long poll: not in -short")
	}
	const openFiles, flood, perAddress = 1024, 1100, 64
	h := startLimited(t, openFiles)
	caps := h.Logs.String()
	// 1,024 less the reserve (128 and an eighth) and the admin (64) and
	// metrics (16) listeners' caps.
	if !strings.Contains(caps, `"open_files_limit":1024,"device_api_max_conns":688`) ||
		!strings.Contains(caps, `"device_api_max_conns_per_address":64`) {
		t.Fatalf("connection caps not derived from the 1,024-descriptor limit:\n%s", grepLog(caps, "connection caps"))
	}
	h.AddUser("alice", "pw-alice")
	phone := h.Phone("alice")
	phone.HTTP = clientFrom("127.0.0.2") // loopback too, but another address

	device := strings.TrimPrefix(h.DeviceURL, "http://")
	idleSince := time.Now()
	idle, refused := openIdle(t, device, "127.0.0.1", flood)
	t.Logf("%d connections from 127.0.0.1: %d served and held idle, %d closed at once", flood, len(idle), refused)
	if len(idle) > perAddress || len(idle) < perAddress-2 || refused != flood-len(idle) {
		t.Fatalf("%d served, %d refused of %d; want about the cap %d served and the rest refused", len(idle), refused, flood, perAddress)
	}
	if got := h.Metric("pushauth_http_connections_refused_total", `listener="deviceapi"`); got != float64(refused) {
		t.Errorf("pushauth_http_connections_refused_total = %v, want %d", got, refused)
	}
	if !strings.Contains(h.Logs.String(), "connections over the per-address cap closed") {
		t.Error("refusals not logged")
	}

	latencies := pollLatencies(t, phone, 20)
	t.Logf("phone poll latency with %d idle connections held: min %s, median %s, max %s",
		len(idle), latencies[0], latencies[len(latencies)/2], latencies[len(latencies)-1])
	if worst := latencies[len(latencies)-1]; worst > time.Second {
		t.Errorf("slowest poll took %s, want under 1s", worst)
	}
	if _, err := h.Admin.Logins(h.ctx()); err != nil {
		t.Fatalf("admin API during the flood: %v", err)
	}
	begin := time.Now()
	login := Start(h.Client(""), "alice", "pw-alice", "", "")
	p := NextPush(t, phone)
	t.Logf("push reached the polling phone %s after the Access-Request", time.Since(begin).Round(time.Millisecond))
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)

	longPoll := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := phone.Pending(ctx, 12*time.Second, p.Nonce)
		longPoll <- err
	}()
	waitClosed(t, idle, idleSince, 15*time.Second)
	if err := keepAliveFrom(device, "127.0.0.1"); err != nil {
		t.Fatalf("127.0.0.1 refused after its idle connections were let go: %v", err)
	}
	if err := <-longPoll; err != nil {
		t.Fatalf("a 12 s long poll, longer than the idle timeout: %v", err)
	}
}

// startLimited runs pushauthd (the harness's base config) as a child
// process whose open-files limit, soft and hard, is openFiles.
func startLimited(t *testing.T, openFiles int) *Harness {
	t.Helper()
	return startProcess(t, t.TempDir(), "", openFiles)
}

// clientFrom is an HTTP client whose connections start at the local
// address from.
func clientFrom(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// openIdle opens n connections from the local address from, all at once,
// and sends one request on each; it returns those answered (left open,
// idle) and counts those closed without an answer.
func openIdle(t *testing.T, addr, from string, n int) (idle []net.Conn, refused int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var other []error
	for range n {
		wg.Go(func() {
			c, err := requestOn(addr, from)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				idle = append(idle, c)
			case isClosed(err):
				refused++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range idle {
			c.Close()
		}
	})
	if len(other) > 0 {
		t.Fatalf("%d connections neither answered nor closed, e.g.: %v", len(other), other[0])
	}
	return idle, refused
}

// requestOn connects from the local address from and sends one request,
// leaving the connection open once it is answered.
func requestOn(addr, from string) (net.Conn, error) {
	c, _, err := testconn.Request(addr, from, "/v1/none")
	return c, err
}

// keepAliveFrom is requestOn for one connection closed afterwards.
func keepAliveFrom(addr, from string) error {
	c, err := requestOn(addr, from)
	if err == nil {
		c.Close()
	}
	return err
}

// isClosed tells a connection the server closed (reset or EOF) from one
// that timed out.
func isClosed(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE)
}

// pollLatencies times n polls of the phone (no wait: nothing is pending),
// sorted.
func pollLatencies(t *testing.T, phone *deviceclient.Device, n int) []time.Duration {
	t.Helper()
	out := make([]time.Duration, 0, n)
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		begin := time.Now()
		_, err := phone.Pending(ctx, 0)
		out = append(out, time.Since(begin))
		cancel()
		if err != nil {
			t.Fatalf("poll %d: %v", len(out), err)
		}
	}
	slices.Sort(out)
	return out
}

// waitClosed waits until the server has closed every connection in conns,
// idle since since, at most within after since.
func waitClosed(t *testing.T, conns []net.Conn, since time.Time, within time.Duration) {
	t.Helper()
	deadline := since.Add(within)
	for i, c := range conns {
		_ = c.SetReadDeadline(deadline)
		if _, err := c.Read(make([]byte, 1)); !isClosed(err) {
			t.Fatalf("idle connection %d still open after %s: %v", i, within, err)
		}
	}
	t.Logf("the %d idle connections were closed by the server %s after they were opened", len(conns), time.Since(since).Round(100*time.Millisecond))
}

// grepLog returns the lines of a log that contain substr.
func grepLog(log, substr string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
