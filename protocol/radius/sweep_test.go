package radius

import (
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testwait"
)

// Defect 5: a request the handler never answers is forgotten by the sweep
// after MaxProcessing, and its MaxInFlight slot comes back with it, so new
// requests are accepted again.
func TestSweepReleasesInFlightSlot(t *testing.T) {
	held := make(chan *Request, 8)
	opts := Options{Clients: localClient(true), Logger: zerolog.Nop(), MaxInFlight: 2, MaxProcessing: 500 * time.Millisecond}
	h := startServerOpts(t, opts, func(r *Request) { held <- r }) // never answered
	c := dial(t, h.addr)
	send := func() {
		t.Helper()
		if _, err := c.Write(request(t, testSecret, true)); err != nil {
			t.Fatal(err)
		}
	}
	send()
	send()
	testwait.For(t, "two requests in processing", func() bool { return h.calls.Load() == 2 && h.srv.InFlight() == 2 })
	send()
	testwait.For(t, "third request refused for overload", func() bool { return dropped(h, "overload") == 1 })

	testwait.For(t, "the sweep to release both slots", func() bool { return h.srv.InFlight() == 0 })
	send()
	send()
	testwait.For(t, "new requests accepted after the sweep", func() bool { return h.calls.Load() == 4 })
	if n := dropped(h, "overload"); n != 1 {
		t.Fatalf("overload drops %v after the sweep, want still 1", n)
	}
}

// Defect 5: a late Reply or Drop of a swept request releases nothing a
// second time and leaves alone the retransmission now processed under the
// same cache key: no stale reply is cached or sent for it.
func TestSweptRequestLateReplyOrDropIgnored(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	nas, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer nas.Close()
	held := make(chan *Request, 4)
	m := NewMetrics(prometheus.NewRegistry())
	srv := NewServer(conn, HandlerFunc(func(r *Request) { held <- r }), Options{
		Clients: localClient(true), MaxInFlight: 1, MaxProcessing: time.Minute, Logger: zerolog.Nop(), Metrics: m,
	})
	src := nas.LocalAddr().(*net.UDPAddr).AddrPort()
	raw := request(t, testSecret, true)
	t0 := time.Now()

	srv.handlePacket(raw, src, t0)
	first := <-held
	later := t0.Add(2 * time.Minute)
	srv.sweep(later)
	if n := srv.InFlight(); n != 0 {
		t.Fatalf("in flight %d after the sweep, want 0", n)
	}
	srv.handlePacket(raw, src, later) // the NAS retransmits: processed anew
	second := <-held

	first.Reply(first.Packet.Response(layeh.CodeAccessReject))
	first.Drop()
	if n := srv.InFlight(); n != 1 {
		t.Fatalf("in flight %d after a late Reply and Drop, want 1", n)
	}
	srv.handlePacket(raw, src, later)
	if n := testutil.ToFloat64(m.duplicates.WithLabelValues("in-processing", TransportUDP)); n != 1 {
		t.Fatalf("retransmission seen as in-processing %v times, want 1 (stale reply cached or key forgotten)", n)
	}
	accept(second)
	if n := srv.InFlight(); n != 0 {
		t.Fatalf("in flight %d after the reply, want 0", n)
	}
	if reply := readReply(t, nas); layeh.Code(reply[0]) != layeh.CodeAccessAccept {
		t.Fatalf("NAS got code %d first, want the new Access-Accept (a stale reply was sent)", reply[0])
	}
}
