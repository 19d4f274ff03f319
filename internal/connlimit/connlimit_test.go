package connlimit

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/logbuf"
)

// Refused is how many connections l refused so far.
func (l *Listener) Refused() uint64 { return l.refused.Load() }

// OpenFrom is how many connections from addr's address (or /64) are open.
func (l *Listener) OpenFrom(addr netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[key(addr)]
}

// server is a PerAddress listener on 127.0.0.1:0 whose accepted
// connections arrive on accepted until the test ends.
type server struct {
	*Listener
	accepted chan net.Conn
}

func startServer(t *testing.T, o Options) *server {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{Listener: PerAddress(raw, o), accepted: make(chan net.Conn, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := s.Accept()
			if err != nil {
				return
			}
			s.accepted <- c
		}
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
		close(s.accepted)
		for c := range s.accepted {
			c.Close()
		}
	})
	return s
}

// dial connects from the local address from (e.g. "127.0.0.2") and
// reports whether the server accepted the connection (it reached the
// accept loop) or refused it (the client saw it closed).
func (s *server) dial(t *testing.T, from string) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", s.Addr().String())
	if errors.Is(err, syscall.ECONNRESET) {
		return nil, false // refused before the dialler saw the connection up
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	closed := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1)) // the server never writes
		closed <- err
	}()
	select {
	case sc := <-s.accepted:
		if got, want := sc.RemoteAddr().String(), c.LocalAddr().String(); got != want {
			t.Fatalf("accepted %s while dialling from %s", got, want)
		}
		return sc, true
	case err := <-closed:
		if err == nil {
			t.Fatal("read a byte the server never sent")
		}
		return nil, false
	case <-time.After(5 * time.Second):
		t.Fatal("connection neither accepted nor closed within 5s")
		return nil, false
	}
}

// Connections over the cap from one address are closed at once and
// counted; another address still gets in; closing one frees its slot.
func TestPerAddressCap(t *testing.T) {
	var counted atomic.Int64
	s := startServer(t, Options{PerAddress: 3, Refused: func() { counted.Add(1) }, Log: zerolog.Nop()})
	var held []net.Conn
	for i := range 5 {
		c, ok := s.dial(t, "127.0.0.1")
		if ok != (i < 3) {
			t.Fatalf("connection %d from 127.0.0.1: accepted=%v, want %v", i, ok, i < 3)
		}
		if ok {
			held = append(held, c)
		}
	}
	if _, ok := s.dial(t, "127.0.0.2"); !ok {
		t.Fatal("127.0.0.2 refused while only 127.0.0.1 is at its cap")
	}
	if s.Refused() != 2 || counted.Load() != 2 {
		t.Fatalf("refused %d, callback %d, want 2", s.Refused(), counted.Load())
	}
	if n := s.OpenFrom(netip.MustParseAddr("127.0.0.1")); n != 3 {
		t.Fatalf("%d open from 127.0.0.1, want 3", n)
	}
	held[0].Close()
	held[0].Close() // a second close must not free a second slot
	if n := s.OpenFrom(netip.MustParseAddr("127.0.0.1")); n != 2 {
		t.Fatalf("%d open from 127.0.0.1 after a close, want 2", n)
	}
	if _, ok := s.dial(t, "127.0.0.1"); !ok {
		t.Fatal("127.0.0.1 refused after one of its connections closed")
	}
	if _, ok := s.dial(t, "127.0.0.1"); ok {
		t.Fatal("127.0.0.1 got a fourth connection")
	}
}

// Exempt addresses (trusted proxies) and a cap of 0 are not capped.
func TestUncapped(t *testing.T) {
	for name, o := range map[string]Options{
		"exempt": {PerAddress: 1, Exempt: func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }},
		"no cap": {PerAddress: 0},
	} {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, o)
			for i := range 4 {
				if _, ok := s.dial(t, "127.0.0.1"); !ok {
					t.Fatalf("connection %d refused", i)
				}
			}
			if s.Refused() != 0 {
				t.Fatalf("refused %d", s.Refused())
			}
		})
	}
}

// An IPv6 client is counted by its /64 (a host has a whole one), an
// IPv4-mapped address as the IPv4 address it is.
func TestKey(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
	} {
		if ka, kb := key(netip.MustParseAddr(c.a)), key(netip.MustParseAddr(c.b)); ka != kb {
			t.Errorf("%s counted as %s, %s as %s: want one key", c.a, ka, c.b, kb)
		}
	}
	for _, c := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"192.0.2.7", "192.0.2.8"},
	} {
		if key(netip.MustParseAddr(c.a)) == key(netip.MustParseAddr(c.b)) {
			t.Errorf("%s and %s counted together", c.a, c.b)
		}
	}
}

// A burst of refusals gives one warning (rate-limited), naming the
// address, the cap and the count.
func TestRefusalWarningIsRateLimited(t *testing.T) {
	logs := &logbuf.Buffer{}
	s := startServer(t, Options{PerAddress: 1, Log: zerolog.New(logs)})
	s.dial(t, "127.0.0.1")
	for range 20 {
		if _, ok := s.dial(t, "127.0.0.1"); ok {
			t.Fatal("accepted over the cap")
		}
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines for 20 refusals, want 1:\n%s", len(lines), logs.String())
	}
	for _, want := range []string{`"level":"warn"`, `"remote":"127.0.0.1"`, `"max_conns_per_address":1`, `"refused":1`, `"refused_total":1`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("warning %s lacks %s", lines[0], want)
		}
	}
}

// Closing the listener ends Accept.
func TestCloseEndsAccept(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := PerAddress(raw, Options{PerAddress: 1})
	done := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		done <- err
	}()
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still waiting after Close")
	}
}

// The budget keeps 128 descriptors and an eighth of the limit back.
func TestBudget(t *testing.T) {
	for _, c := range []struct {
		nofile uint64
		want   int
	}{
		{0, 0}, {100, 0}, {1024, 1024 - 128 - 128}, {65536, 65536 - 128 - 8192},
		{^uint64(0), maxNoFile - 128 - maxNoFile/8}, // RLIM_INFINITY
	} {
		if got := Budget(c.nofile); got != c.want {
			t.Errorf("Budget(%d) = %d, want %d", c.nofile, got, c.want)
		}
	}
}
