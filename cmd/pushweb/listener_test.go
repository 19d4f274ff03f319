package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/connlimit"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testconn"
)

// serveCapped serves "ok" through newHTTPServer with cfg until the test
// ends and returns the address and the server.
func serveCapped(t *testing.T, cfg *config, log zerolog.Logger) (string, *http.Server) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	srv, ln := newHTTPServer(h, raw, cfg, 1024, log)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return raw.Addr().String(), srv
}

// keepAlive opens a connection from the local address from, sends one
// request on it and leaves it open (idle, kept alive); the error says
// whether the request was answered.
func keepAlive(t *testing.T, addr, from string) error {
	t.Helper()
	c, body, err := testconn.Request(addr, from, "/")
	if err != nil {
		return err
	}
	t.Cleanup(func() { c.Close() })
	if body != "ok" {
		return errors.New("unexpected answer " + body)
	}
	return nil
}

// One address holds at most --max-conns-per-address connections; more
// are closed unanswered (and logged), while another address is served.
// A trusted proxy, which carries many browsers, is not capped.
func TestConnectionsPerAddress(t *testing.T) {
	logs := &logbuf.Buffer{}
	addr, _ := serveCapped(t, &config{perAddrConns: 2}, zerolog.New(logs))
	for i := range 2 {
		if err := keepAlive(t, addr, "127.0.0.1"); err != nil {
			t.Fatalf("connection %d from 127.0.0.1: %v", i, err)
		}
	}
	if err := keepAlive(t, addr, "127.0.0.1"); err == nil {
		t.Fatal("a third connection from 127.0.0.1 was served")
	}
	if err := keepAlive(t, addr, "127.0.0.2"); err != nil {
		t.Fatalf("127.0.0.2 while 127.0.0.1 is at its cap: %v", err)
	}
	if !strings.Contains(logs.String(), "connections over the per-address cap closed") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}

	proxy := &config{perAddrConns: 1, trustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	addr, _ = serveCapped(t, proxy, zerolog.Nop())
	for i := range 4 {
		if err := keepAlive(t, addr, "127.0.0.1"); err != nil {
			t.Fatalf("connection %d from the trusted proxy: %v", i, err)
		}
	}
}

// Idle keep-alive connections are let go after seconds, not the minute
// and a half they were held before; the cap follows the open-files limit
// and keeps half of it for the upstream side.
func TestIdleTimeoutAndCap(t *testing.T) {
	_, srv := serveCapped(t, &config{}, zerolog.Nop())
	if srv.IdleTimeout <= 0 || srv.IdleTimeout > 10*time.Second {
		t.Errorf("idle timeout %s, want at most 10s", srv.IdleTimeout)
	}
	for _, c := range []struct {
		openFiles uint64
		want      int
	}{{1024, (1024 - 128 - 128) / 2}, {128, connlimit.MinConns}, {1 << 20, connlimit.MaxConns}} {
		if got := connCap(c.openFiles); got != c.want {
			t.Errorf("connCap(%d) = %d, want %d", c.openFiles, got, c.want)
		}
	}
}

// --max-conns-per-address takes 0 (no cap), not a negative number.
func TestMaxConnsPerAddressFlag(t *testing.T) {
	for arg, ok := range map[string]bool{"0": true, "10": true, "-1": false} {
		v := flagValues{}
		fs := newFlags(&v)
		if err := fs.Parse([]string{"--secret-file", "x", "--max-conns-per-address", arg}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.check(); (err == nil) != ok {
			t.Errorf("--max-conns-per-address %s: %v", arg, err)
		}
	}
	v := flagValues{}
	_ = newFlags(&v).Parse(nil)
	if v.perAddrConns != defaultConnsPerIP {
		t.Errorf("default %d, want %d", v.perAddrConns, defaultConnsPerIP)
	}
}
