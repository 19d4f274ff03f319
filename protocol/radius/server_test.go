package radius

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/radius/msgauth"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

const testSecret = "s3cret"

type harness struct {
	srv     *Server
	addr    *net.UDPAddr
	metrics *Metrics
	calls   atomic.Int64
}

// startServer runs a Server on 127.0.0.1:0 whose handler is h.
func startServer(t *testing.T, clients []Client, h func(*Request)) *harness {
	t.Helper()
	return startServerOpts(t, Options{Clients: clients, Logger: zerolog.Nop()}, h)
}

// startServerOpts is startServer with options; Metrics is always set by
// the harness.
func startServerOpts(t *testing.T, opts Options, h func(*Request)) *harness {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{addr: conn.LocalAddr().(*net.UDPAddr), metrics: NewMetrics(prometheus.NewRegistry())}
	handler := HandlerFunc(func(r *Request) { hs.calls.Add(1); h(r) })
	opts.Metrics = hs.metrics
	hs.srv = NewServer(conn, handler, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return hs
}

func localClient(requireMA bool) []Client {
	return []Client{{
		Name: "local", Prefix: netip.MustParsePrefix("127.0.0.0/8"), Secret: []byte(testSecret),
		Kind: "ddl", RequireMessageAuthenticator: requireMA,
	}}
}

func accept(r *Request) { r.Reply(r.Packet.Response(layeh.CodeAccessAccept)) }

// request builds an Access-Request, with a Message-Authenticator when withMA.
func request(t testing.TB, secret string, withMA bool) []byte {
	t.Helper()
	return encode(t, radclient.NewAccessRequest([]byte(secret), "alice", "pw", "", ""), withMA)
}

// encode encodes a request the way a client does (radclient.Encode).
func encode(t testing.TB, p *layeh.Packet, withMA bool) []byte {
	t.Helper()
	b, err := radclient.Encode(p, p.Identifier, withMA)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withLength returns a copy of pkt whose Length field says n.
func withLength(pkt []byte, n uint16) []byte {
	b := append([]byte(nil), pkt...)
	binary.BigEndian.PutUint16(b[2:4], n)
	return b
}

func dial(t *testing.T, addr *net.UDPAddr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exchange(t *testing.T, c *net.UDPConn, b []byte) []byte {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	return readReply(t, c)
}

func readReply(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	return buf[:n]
}

func dropped(h *harness, reason string) float64 {
	return testutil.ToFloat64(h.metrics.drops.WithLabelValues(reason, TransportUDP))
}

// S2.1: every response carries a correct Message-Authenticator first.
func TestReplyHasMessageAuthenticatorFirst(t *testing.T) {
	h := startServer(t, localClient(true), accept)
	c := dial(t, h.addr)
	req := request(t, testSecret, true)
	checkReplyAuthenticators(t, exchange(t, c, req), req)
}

// checkReplyAuthenticators verifies a reply's Response Authenticator and its
// Message-Authenticator, which must be the first attribute (SPEC S2.1).
func checkReplyAuthenticators(t *testing.T, reply, req []byte) {
	t.Helper()
	if !layeh.IsAuthenticResponse(reply, req, []byte(testSecret)) {
		t.Fatal("response authenticator does not verify")
	}
	if reply[20] != msgauth.Type || reply[21] != msgauth.Len {
		t.Fatalf("first attribute is %d, want Message-Authenticator", reply[20])
	}
	check := append([]byte(nil), reply...)
	copy(check[4:20], req[4:20])
	clear(check[22:38])
	mac := hmac.New(md5.New, []byte(testSecret))
	mac.Write(check)
	if !hmac.Equal(mac.Sum(nil), reply[22:38]) {
		t.Fatal("Message-Authenticator of the reply does not verify")
	}
}

// S2.1: drops for missing or bad Message-Authenticator and unknown clients.
func TestDrops(t *testing.T) {
	cases := []struct {
		name    string
		clients []Client
		packet  func(t *testing.T) []byte
		reason  string
	}{
		{"missing MA where required", localClient(true), func(t *testing.T) []byte { return request(t, testSecret, false) }, "missing-message-authenticator"},
		{"wrong secret", localClient(true), func(t *testing.T) []byte { return request(t, "other", true) }, "bad-message-authenticator"},
		{"unknown client", []Client{{Name: "far", Prefix: netip.MustParsePrefix("10.0.0.0/8"), Secret: []byte(testSecret)}},
			func(t *testing.T) []byte { return request(t, testSecret, true) }, "unknown-client"},
		{"truncated", localClient(true), func(t *testing.T) []byte { return request(t, testSecret, true)[:30] }, "malformed"},
		{"length below 20", localClient(true), func(t *testing.T) []byte { return withLength(request(t, testSecret, true), 19) }, "malformed"},
		{"length above 4096", localClient(true), func(t *testing.T) []byte { return withLength(request(t, testSecret, true), 4097) }, "malformed"},
		{"short datagram", localClient(true), func(t *testing.T) []byte { return request(t, testSecret, true)[:19] }, "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := startServer(t, tc.clients, accept)
			c := dial(t, h.addr)
			if _, err := c.Write(tc.packet(t)); err != nil {
				t.Fatal(err)
			}
			testwait.For(t, "drop "+tc.reason, func() bool { return dropped(h, tc.reason) == 1 })
			if h.calls.Load() != 0 {
				t.Fatal("handler saw a dropped packet")
			}
		})
	}
}

// A client that does not require the attribute may omit it.
func TestMessageAuthenticatorOptional(t *testing.T) {
	h := startServer(t, localClient(false), accept)
	reply := exchange(t, dial(t, h.addr), request(t, testSecret, false))
	if layeh.Code(reply[0]) != layeh.CodeAccessAccept {
		t.Fatalf("code %d", reply[0])
	}
}

// S2.8: a retransmission after the reply gets the identical bytes and no
// second processing.
func TestRetransmissionAfterReplyGetsCachedBytes(t *testing.T) {
	h := startServer(t, localClient(true), func(r *Request) {
		resp := r.Packet.Response(layeh.CodeAccessChallenge)
		_ = rfc2865.State_SetString(resp, time.Now().String()) // differs per processing
		r.Reply(resp)
	})
	c := dial(t, h.addr)
	req := request(t, testSecret, true)
	first := exchange(t, c, req)
	second := exchange(t, c, req)
	if string(first) != string(second) {
		t.Fatal("retransmission got different bytes")
	}
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

// S2.1, S2.8: a retransmission (same identifier and Request Authenticator)
// whose Message-Authenticator is wrong gets no reply, not the cached one,
// and is counted as dropped; the genuine retransmission is still answered.
func TestRetransmissionWithBadMessageAuthenticatorDropped(t *testing.T) {
	h := startServer(t, localClient(true), accept)
	c := dial(t, h.addr)
	req := request(t, testSecret, true)
	first := exchange(t, c, req)
	forged := append([]byte(nil), req...)
	off, err := msgauth.Find(forged)
	if err != nil {
		t.Fatal(err)
	}
	forged[off] ^= 0xff
	if _, err := c.Write(forged); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "drop bad-message-authenticator", func() bool { return dropped(h, "bad-message-authenticator") == 1 })
	if n := testutil.ToFloat64(h.metrics.duplicates.WithLabelValues("answered", TransportUDP)); n != 0 {
		t.Fatalf("forged retransmission answered from the cache (%v)", n)
	}
	// The genuine retransmission still gets the cached bytes.
	if second := exchange(t, c, req); !bytes.Equal(first, second) {
		t.Fatal("genuine retransmission got different bytes")
	}
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

// S2.8: a retransmission during processing is not processed again.
func TestRetransmissionDuringProcessingIgnored(t *testing.T) {
	held := make(chan *Request, 4)
	h := startServer(t, localClient(true), func(r *Request) { held <- r })
	c := dial(t, h.addr)
	req := request(t, testSecret, true)
	for range 3 {
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
	}
	testwait.For(t, "duplicates", func() bool {
		return testutil.ToFloat64(h.metrics.duplicates.WithLabelValues("in-processing", TransportUDP)) == 2
	})
	r := <-held
	accept(r)
	if reply := readReply(t, c); layeh.Code(reply[0]) != layeh.CodeAccessAccept {
		t.Fatalf("code %d", reply[0])
	}
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

// Drop lets the next retransmission be processed anew.
func TestDropForgetsRequest(t *testing.T) {
	var first atomic.Bool
	h := startServer(t, localClient(true), func(r *Request) {
		if first.CompareAndSwap(false, true) {
			r.Drop()
			return
		}
		accept(r)
	})
	c := dial(t, h.addr)
	req := request(t, testSecret, true)
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "first processing", func() bool { return h.calls.Load() == 1 && h.srv.InFlight() == 0 })
	if reply := exchange(t, c, req); layeh.Code(reply[0]) != layeh.CodeAccessAccept {
		t.Fatalf("code %d", reply[0])
	}
}

// RFC 5997: Status-Server is answered for allowed clients.
func TestStatusServer(t *testing.T) {
	h := startServer(t, localClient(true), accept)
	b := encode(t, layeh.New(layeh.CodeStatusServer, []byte(testSecret)), true)
	reply := exchange(t, dial(t, h.addr), b)
	if layeh.Code(reply[0]) != layeh.CodeAccessAccept || !layeh.IsAuthenticResponse(reply, b, []byte(testSecret)) {
		t.Fatalf("bad Status-Server reply code %d", reply[0])
	}
	if h.calls.Load() != 0 {
		t.Fatal("Status-Server reached the handler")
	}
}

// The in-flight bound drops requests beyond it.
func TestInFlightBound(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m := NewMetrics(prometheus.NewRegistry())
	srv := NewServer(conn, HandlerFunc(func(*Request) {}), Options{Clients: localClient(true), MaxInFlight: 1, Logger: zerolog.Nop(), Metrics: m})
	src := netip.MustParseAddrPort("127.0.0.1:5000")
	srv.handlePacket(request(t, testSecret, true), src, time.Now())
	srv.handlePacket(request(t, testSecret, true), src, time.Now())
	if srv.InFlight() != 1 || testutil.ToFloat64(m.drops.WithLabelValues("overload", TransportUDP)) != 1 {
		t.Fatalf("in flight %d, overload drops %v", srv.InFlight(), testutil.ToFloat64(m.drops.WithLabelValues("overload", TransportUDP)))
	}
}

// The reply cache forgets answered requests after the TTL.
func TestReplyCacheExpiry(t *testing.T) {
	c := newReplyCache(time.Second)
	k := cacheKey{src: netip.MustParseAddrPort("127.0.0.1:1"), id: 7}
	now := time.Now()
	req := &Request{}
	if _, isNew := c.begin(k, req, now); !isNew {
		t.Fatal("first begin not new")
	}
	c.finish(k, req, []byte("reply"), now)
	if r, isNew := c.begin(k, &Request{}, now.Add(500*time.Millisecond)); isNew || string(r) != "reply" {
		t.Fatal("cached reply not returned within TTL")
	}
	c.sweep(now.Add(2*time.Second), time.Minute)
	if c.len() != 0 {
		t.Fatal("expired entry kept")
	}
}

// Compact keeps only what a reply needs: Proxy-State is still echoed.
func TestCompactKeepsProxyState(t *testing.T) {
	h := startServer(t, localClient(true), func(r *Request) {
		r.Compact()
		if len(r.Packet.Attributes) != 1 || r.Packet.Attributes[0].Type != attrProxyState {
			t.Errorf("after Compact: %d attributes", len(r.Packet.Attributes))
		}
		accept(r)
	})
	p := radclient.NewAccessRequest([]byte(testSecret), "alice", "pw", "", "")
	p.Add(attrProxyState, layeh.Attribute("proxy-1"))
	reply := exchange(t, dial(t, h.addr), encode(t, p, true))
	rp, err := layeh.Parse(reply, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := rp.Lookup(attrProxyState); !ok || string(v) != "proxy-1" {
		t.Fatal("Proxy-State not echoed")
	}
}
