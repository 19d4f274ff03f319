package radius

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testcerts"
	"github.com/pushauth/pushauth/internal/testwait"
)

// streamHarness is a StreamServer on loopback with a test CA: the server's
// certificate, one client ("nas", CN nas.example) and what it needs to dial.
type streamHarness struct {
	srv     *StreamServer
	addr    string
	metrics *Metrics
	ca      *testcerts.CA
	client  testcerts.Files // the certificate of client "nas"
}

// startStream starts a server whose only client is "nas" (the certificate
// CN nas.example, secret "radsec"); opts may set timeouts and caps.
func startStream(t *testing.T, opts StreamOptions, h func(*Request)) *streamHarness {
	t.Helper()
	ca := testcerts.NewCA(t, "radsec-test-ca")
	srvFiles := ca.Node(t, "server", testcerts.Options{})
	cert, err := tls.LoadX509KeyPair(srvFiles.CertFile, srvFiles.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	hs := &streamHarness{ca: ca, metrics: NewMetrics(prometheus.NewRegistry()),
		client: ca.Node(t, "nas.example", testcerts.Options{DNSNames: []string{"nas.example"}})}
	opts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	opts.Clients = NewTLSClientSet([]TLSClient{{
		Client: Client{Name: "nas", Secret: []byte("radsec"), Kind: "generic", RequireMessageAuthenticator: true},
		Match:  CertMatch{Subject: "nas.example", Roots: pool(t, ca.CertFile)},
	}})
	opts.Logger, opts.Metrics = zerolog.Nop(), hs.metrics
	hs.srv = NewStreamServer(HandlerFunc(h), opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return hs
}

func pool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		t.Fatal("no CA certificate in", file)
	}
	return p
}

// dialTLS connects with the client certificate files f, trusting h's CA.
func (h *streamHarness) dialTLS(t *testing.T, f testcerts.Files) *tls.Conn {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.Dial("tcp", h.addr, &tls.Config{Certificates: []tls.Certificate{cert},
		RootCAs: pool(t, h.ca.CertFile), ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// nas dials as the configured client.
func (h *streamHarness) nas(t *testing.T) *tls.Conn { return h.dialTLS(t, h.client) }

// readPacket reads one packet from c (framed by its Length).
func readPacket(t *testing.T, c net.Conn) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := newFramer(c).next()
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	return append([]byte(nil), b...)
}

func writeAll(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// radsecRequest is an Access-Request with identifier id under the RadSec secret.
func radsecRequest(t testing.TB, id byte) []byte {
	p := NewTestRequest("radsec")
	p.Identifier = id
	return encode(t, p, true)
}

// NewTestRequest is an Access-Request for alice under secret.
func NewTestRequest(secret string) *layeh.Packet {
	return layeh.New(layeh.CodeAccessRequest, []byte(secret))
}

func tlsMetric(v *prometheus.CounterVec, labels ...string) float64 {
	return testutil.ToFloat64(v.WithLabelValues(labels...))
}

// closedByServer tells whether c's next read ends the connection (EOF or
// reset) rather than timing out.
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// S2.11: 1,000 requests pipelined over one connection, 250 in flight at a time,
// answered in a shuffled order: every reply authenticates against its own
// request, found by Identifier.
func TestStreamThousandRequestsOutOfOrder(t *testing.T) {
	held := make(chan *Request, 256)
	h := startStream(t, StreamOptions{}, func(r *Request) { held <- r })
	c := h.nas(t)
	const batch, rounds = 250, 4
	for round := range rounds {
		sent := map[byte][]byte{}
		var out []byte
		for id := range batch {
			b := radsecRequest(t, byte(id))
			sent[byte(id)] = b
			out = append(out, b...)
		}
		writeAll(t, c, out) // many packets in a few TLS records
		reqs := make([]*Request, 0, batch)
		for range batch {
			reqs = append(reqs, <-held)
		}
		rand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
		for _, r := range reqs {
			go accept(r)
		}
		f := newFramer(c)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for range batch {
			reply, err := f.next()
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			req, ok := sent[reply[1]]
			if !ok {
				t.Fatalf("round %d: reply to identifier %d twice or never asked", round, reply[1])
			}
			delete(sent, reply[1])
			if !layeh.IsAuthenticResponse(reply, req, []byte("radsec")) {
				t.Fatalf("round %d: reply %d does not authenticate", round, reply[1])
			}
		}
	}
	if got := tlsMetric(h.metrics.requests, "nas", TransportTLS); got != batch*rounds {
		t.Fatalf("requests counted %v", got)
	}
	testwait.For(t, "no request left in flight", func() bool { return h.srv.InFlight() == 0 })
}

// S2.11: Packets split over many TLS records (a few octets each) and packets
// coalesced in one record are framed alike.
func TestStreamSplitAndCoalesced(t *testing.T) {
	h := startStream(t, StreamOptions{}, accept)
	c := h.nas(t)
	a, b := radsecRequest(t, 1), radsecRequest(t, 2)
	for i := 0; i < len(a); i += 3 { // split: one packet in 3-octet writes
		writeAll(t, c, a[i:min(i+3, len(a))])
	}
	if r := readPacket(t, c); !layeh.IsAuthenticResponse(r, a, []byte("radsec")) {
		t.Fatal("reply to the split packet does not authenticate")
	}
	// coalesced: the end of one packet and the start of the next in one write
	both := append(append([]byte(nil), a...), b...)
	a2 := radsecRequest(t, 3)
	writeAll(t, c, both[:len(a)+7])
	writeAll(t, c, append(both[len(a)+7:], a2...))
	f := newFramer(c)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := map[byte]bool{}
	for range 3 {
		r, err := f.next()
		if err != nil {
			t.Fatal(err)
		}
		got[r[1]] = true
	}
	if !got[1] || !got[2] || !got[3] {
		t.Fatalf("replies for %v, want 1, 2 and 3", got)
	}
}

// S2.11: A client that sends a packet with an impossible Length is disconnected;
// another connection of the same client goes on working.
func TestStreamGarbageClientDisconnected(t *testing.T) {
	h := startStream(t, StreamOptions{}, accept)
	good, bad := h.nas(t), h.nas(t)
	if r := readAfter(t, good, radsecRequest(t, 9)); r[1] != 9 {
		t.Fatal("wrong reply")
	}
	writeAll(t, bad, []byte{1, 2, 0, 5, 'g', 'a', 'r', 'b', 'a', 'g', 'e'})
	if !closedByServer(bad) {
		t.Fatal("garbage client still connected")
	}
	if r := readAfter(t, good, radsecRequest(t, 10)); r[1] != 10 {
		t.Fatal("the other connection stopped working")
	}
	testwait.For(t, "framing close counted", func() bool { return tlsMetric(h.metrics.tlsClosed, "framing") == 1 })
}

func readAfter(t *testing.T, c net.Conn, req []byte) []byte {
	t.Helper()
	writeAll(t, c, req)
	return readPacket(t, c)
}

// S2.11: A certificate from another CA, or from the right CA but naming no
// client, is refused at the handshake: no request is read.
func TestStreamUnknownCertificateRefused(t *testing.T) {
	h := startStream(t, StreamOptions{}, accept)
	other := testcerts.NewCA(t, "other-ca").Node(t, "nas.example", testcerts.Options{DNSNames: []string{"nas.example"}})
	stranger := h.ca.Node(t, "stranger", testcerts.Options{})
	for i, f := range []testcerts.Files{other, stranger} {
		cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		c, err := tls.Dial("tcp", h.addr, &tls.Config{Certificates: []tls.Certificate{cert},
			RootCAs: pool(t, h.ca.CertFile), ServerName: "127.0.0.1"})
		if err == nil { // TLS 1.3: the client learns of the refusal on its first read
			_, _ = c.Write(radsecRequest(t, 1))
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.ReadFull(c, make([]byte, 20))
			c.Close()
		}
		if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("certificate %d: connection not refused (%v)", i, err)
		}
	}
	testwait.For(t, "two handshakes failed", func() bool {
		return tlsMetric(h.metrics.tlsConns, "handshake-failed") == 2
	})
	if n := tlsMetric(h.metrics.requests, "nas", TransportTLS); n != 0 {
		t.Fatalf("%v requests read from refused connections", n)
	}
}

// S2.11: A request under a wrong secret is dropped (bad Message-Authenticator)
// and the connection stays open for the next.
func TestStreamWrongSecretDropped(t *testing.T) {
	h := startStream(t, StreamOptions{}, accept)
	c := h.nas(t)
	p := NewTestRequest("not-radsec")
	p.Identifier = 4
	writeAll(t, c, encode(t, p, true))
	testwait.For(t, "the request dropped", func() bool {
		return tlsMetric(h.metrics.drops, "bad-message-authenticator", TransportTLS) == 1
	})
	if r := readAfter(t, c, radsecRequest(t, 5)); r[1] != 5 {
		t.Fatalf("reply to identifier %d, want 5 (the wrong-secret request must get none)", r[1])
	}
}

// S2.11: RFC 5997 Status-Server is answered with Access-Accept, without the handler.
func TestStreamStatusServer(t *testing.T) {
	h := startStream(t, StreamOptions{}, func(r *Request) { t.Error("Status-Server reached the handler") })
	c := h.nas(t)
	p := layeh.New(layeh.CodeStatusServer, []byte("radsec"))
	p.Identifier = 77
	req := encode(t, p, true)
	r := readAfter(t, c, req)
	if layeh.Code(r[0]) != layeh.CodeAccessAccept || !layeh.IsAuthenticResponse(r, req, []byte("radsec")) {
		t.Fatalf("Status-Server answered with code %d", r[0])
	}
	checkReplyMA(t, r, req)
}

func checkReplyMA(t *testing.T, reply, req []byte) {
	t.Helper()
	if reply[20] != 80 {
		t.Fatalf("first attribute %d, want Message-Authenticator", reply[20])
	}
}

// S2.11: A packet reusing the Identifier of a request in processing is discarded
// (a TLS client does not retransmit); the held request's reply comes once.
func TestStreamHeldIdentifierDiscarded(t *testing.T) {
	held := make(chan *Request, 2)
	h := startStream(t, StreamOptions{}, func(r *Request) { held <- r })
	c := h.nas(t)
	first := radsecRequest(t, 42)
	writeAll(t, c, first)
	r := <-held
	writeAll(t, c, radsecRequest(t, 42))
	testwait.For(t, "the repeat counted", func() bool {
		return tlsMetric(h.metrics.duplicates, "in-processing", TransportTLS) == 1
	})
	accept(r)
	if reply := readPacket(t, c); !layeh.IsAuthenticResponse(reply, first, []byte("radsec")) {
		t.Fatal("reply is not the first request's")
	}
	if len(held) != 0 {
		t.Fatal("the repeat reached the handler")
	}
}

// S2.11: An idle connection is closed after IdleTimeout; one with a request held
// (a phone deciding) outlives several idle timeouts and gets its reply.
func TestStreamIdleButNotWhileHeld(t *testing.T) {
	held := make(chan *Request, 1)
	h := startStream(t, StreamOptions{IdleTimeout: 100 * time.Millisecond}, func(r *Request) { held <- r })
	idle := h.nas(t)
	busy := h.nas(t)
	req := radsecRequest(t, 1)
	writeAll(t, busy, req)
	r := <-held
	if !closedByServer(idle) {
		t.Fatal("idle connection not closed")
	}
	testwait.For(t, "idle closes counted past the held request's idle timeout", func() bool {
		return tlsMetric(h.metrics.tlsClosed, "idle") == 1 && time.Since(r.Received) > 500*time.Millisecond
	})
	accept(r)
	if reply := readPacket(t, busy); !layeh.IsAuthenticResponse(reply, req, []byte("radsec")) {
		t.Fatal("held request's reply lost")
	}
	if !closedByServer(busy) {
		t.Fatal("connection not closed once idle")
	}
}

// S2.11: A client that stops mid-packet is disconnected after FrameTimeout; one
// that never finishes the handshake after HandshakeTimeout; and one address
// holds at most MaxConnsPerAddress connections.
func TestStreamStalledClients(t *testing.T) {
	h := startStream(t, StreamOptions{FrameTimeout: 100 * time.Millisecond, HandshakeTimeout: 100 * time.Millisecond,
		MaxConnsPerAddress: 2}, accept)
	c := h.nas(t)
	writeAll(t, c, radsecRequest(t, 1)[:10])
	if !closedByServer(c) {
		t.Fatal("client stalled mid-packet still connected")
	}
	var raws []net.Conn
	for range 3 {
		raw, err := net.Dial("tcp", h.addr)
		if err != nil { // reset by the per-address cap before connect returned
			continue
		}
		t.Cleanup(func() { raw.Close() })
		raws = append(raws, raw)
	}
	var wg sync.WaitGroup
	for _, raw := range raws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !closedByServer(raw) {
				t.Error("silent TCP client not disconnected")
			}
		}()
	}
	wg.Wait()
	if n := tlsMetric(h.metrics.tlsConns, "refused-per-address"); n < 1 {
		t.Fatalf("no connection refused over the per-address cap (%v)", n)
	}
	if n := tlsMetric(h.metrics.tlsClosed, "stalled"); n != 1 {
		t.Fatalf("stalled closes %v", n)
	}
}

// S2.11: A packet trickled in a few octets at a time must still be whole within
// FrameTimeout of its first octets.
func TestStreamTrickleBounded(t *testing.T) {
	h := startStream(t, StreamOptions{FrameTimeout: 300 * time.Millisecond}, accept)
	c := h.nas(t)
	req := radsecRequest(t, 1)
	start := time.Now()
	for i := 0; i < len(req); i++ {
		if _, err := c.Write(req[i : i+1]); err != nil {
			break // closed under us: what the test wants
		}
		if !waitOrClosed(c, 50*time.Millisecond) {
			break
		}
	}
	if !closedByServer(c) {
		t.Fatal("trickling client still connected")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("closed after %v", d)
	}
}

// waitOrClosed waits d for c to be closed by the server; true while open.
func waitOrClosed(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 1))
	return errors.Is(err, os.ErrDeadlineExceeded)
}
