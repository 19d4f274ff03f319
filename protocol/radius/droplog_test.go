package radius

import (
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/logbuf"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/testwait"
)

// The limiter releases one report per sender and reason per interval,
// counting every drop since the last report; time is passed in, so no
// test sleeps.
func TestDropLimiterOneReportPerInterval(t *testing.T) {
	l := newDropLimiter(10*time.Second, 100)
	t0 := time.Unix(1_700_000_000, 0)
	vpn := dropKey{client: "vpn", reason: "bad-message-authenticator"}
	stranger := dropKey{src: netip.MustParseAddr("192.0.2.9"), reason: "unknown-client"}
	for i := range 1000 {
		l.note(vpn, t0.Add(time.Duration(i)*time.Millisecond))
	}
	l.note(stranger, t0.Add(time.Second))

	if got := l.due(t0.Add(9 * time.Second)); len(got) != 0 {
		t.Fatalf("reports before the interval: %+v", got)
	}
	checkReports(t, l.due(t0.Add(10*time.Second)), dropReport{vpn, 1000})
	checkReports(t, l.due(t0.Add(10*time.Second)))
	checkReports(t, l.due(t0.Add(11*time.Second)), dropReport{stranger, 1})

	l.note(vpn, t0.Add(12*time.Second))
	l.note(vpn, t0.Add(13*time.Second))
	checkReports(t, l.due(t0.Add(21*time.Second)))
	checkReports(t, l.due(t0.Add(22*time.Second)), dropReport{vpn, 2})
	if len(l.windows) != 0 {
		t.Fatalf("reported windows kept: %d", len(l.windows))
	}
}

// Unknown senders beyond the key bound share one "others" report per
// reason, so spoofed sources cannot grow the limiter without bound.
func TestDropLimiterBoundsKeys(t *testing.T) {
	l := newDropLimiter(time.Second, 2)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 5 {
		src := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		l.note(dropKey{src: src, reason: "unknown-client"}, t0)
	}
	checkReports(t, l.drain(),
		dropReport{dropKey{src: netip.MustParseAddr("192.0.2.0"), reason: "unknown-client"}, 1},
		dropReport{dropKey{src: netip.MustParseAddr("192.0.2.1"), reason: "unknown-client"}, 1},
		dropReport{dropKey{reason: "unknown-client"}, 3},
	)
}

// checkReports compares reports regardless of order.
func checkReports(t *testing.T, got []dropReport, want ...dropReport) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got reports %+v, want %+v", got, want)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Fatalf("got reports %+v, want %+v", got, want)
		}
	}
}

// logLines decodes the JSON log lines at info level and above.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		if s == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("log line %q: %v", s, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// A burst of 1,000 dropped requests from one client gives one info line
// with the client's name, the reason and the count, and no secret; an
// unknown sender is named by its address.
func TestDropBurstLogsOneLine(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	logs := &logbuf.Buffer{}
	clients := append(localClient(true), Client{Name: "far", Prefix: netip.MustParsePrefix("10.0.0.0/8"), Secret: []byte("x")})
	srv := NewServer(conn, HandlerFunc(accept), Options{
		Clients: clients, Logger: zerolog.New(logs).Level(zerolog.InfoLevel), DropLogInterval: 10 * time.Second,
	})
	t0 := time.Now()
	nas := netip.MustParseAddrPort("127.0.0.1:5000")
	for i := range 1000 {
		srv.handlePacket(request(t, "wrong-secret", true), nas, t0.Add(time.Duration(i)*time.Millisecond))
	}
	srv.handlePacket(request(t, testSecret, true), netip.MustParseAddrPort("192.0.2.7:1812"), t0)

	srv.logDrops(t0.Add(9 * time.Second))
	if out := logs.String(); out != "" {
		t.Fatalf("logged before the interval:\n%s", out)
	}
	srv.logDrops(t0.Add(10 * time.Second))
	lines := logLines(t, logs.String())
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), logs.String())
	}
	want := map[string]map[string]any{
		"bad-message-authenticator": {"client": "local", "count": 1000.0},
		"unknown-client":            {"src": "192.0.2.7", "count": 1.0},
	}
	for _, l := range lines {
		w, ok := want[l["reason"].(string)]
		if !ok || l["level"] != "info" {
			t.Fatalf("unexpected line %v", l)
		}
		for k, v := range w {
			if l[k] != v {
				t.Errorf("line %v: %s = %v, want %v", l, k, l[k], v)
			}
		}
	}
	if out := logs.String(); strings.Contains(out, testSecret) || strings.Contains(out, "alice") {
		t.Fatalf("log carries secrets or packet contents:\n%s", out)
	}
}

// The serving server writes the line by itself once the interval passed.
func TestDropLogLineWhileServing(t *testing.T) {
	logs := &logbuf.Buffer{}
	opts := Options{Clients: localClient(true), Logger: zerolog.New(logs).Level(zerolog.InfoLevel), DropLogInterval: 100 * time.Millisecond}
	h := startServerOpts(t, opts, accept)
	if _, err := dial(t, h.addr).Write(request(t, testSecret, false)); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "drop log line", func() bool {
		out := logs.String()
		return strings.Contains(out, `"reason":"missing-message-authenticator"`) && strings.Contains(out, `"count":1`)
	})
}
