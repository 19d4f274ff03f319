package radius

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"
)

// maxIdentifiers is how many requests one connection can have in
// processing: one per Identifier.
const maxIdentifiers = 256

// streamConn is one RadSec connection: a reader that frames and checks
// packets, the requests in processing by Identifier, and a writer that
// sends replies as they come, in any order.
type streamConn struct {
	srv    *StreamServer
	conn   net.Conn
	client *Client
	remote netip.AddrPort
	log    zerolog.Logger
	out    chan []byte   // encoded replies for the writer
	done   chan struct{} // closed by shutdown

	partialSince time.Time // when the packet being read began; reader only

	mu     sync.Mutex
	held   map[byte]*Request // requests in processing, by Identifier
	reason string            // why the connection closed; "" while open
}

func newStreamConn(s *StreamServer, c net.Conn, client *Client, remote netip.AddrPort, log zerolog.Logger) *streamConn {
	return &streamConn{
		srv: s, conn: c, client: client, remote: remote, log: log,
		out:  make(chan []byte, maxIdentifiers),
		done: make(chan struct{}),
		held: map[byte]*Request{},
	}
}

// serve runs the writer and the reader until the connection ends.
func (c *streamConn) serve() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.writeLoop() }()
	c.shutdown(c.readLoop())
	wg.Wait()
}

// shutdown closes the connection once, for reason, and abandons the
// requests it holds: their slots are released and their replies, should
// they come, are not sent.
func (c *streamConn) shutdown(reason string) {
	c.mu.Lock()
	if c.reason != "" {
		c.mu.Unlock()
		return
	}
	c.reason = reason
	held := c.held
	c.held = nil
	c.mu.Unlock()
	close(c.done)
	_ = c.conn.Close() // the peer is gone or being dropped
	for _, r := range held {
		if r.abandon() {
			c.srv.inFlight.Add(-1)
		}
	}
	c.srv.metrics.closed(reason)
	ev := c.log.Debug()
	if reason == "framing" || reason == "stalled" || reason == "write-failed" || reason == "overload" {
		ev = c.log.Info()
	}
	ev.Str("reason", reason).Int("abandoned", len(held)).Msg("radsec connection closed")
}

// readLoop reads packets until the connection must end; it returns why.
func (c *streamConn) readLoop() string {
	f := newFramer(c.conn)
	f.beforeRead = c.setReadDeadline
	for {
		raw, err := f.next()
		if err != nil {
			if reason := c.readError(err, f); reason != "" {
				return reason
			}
			continue
		}
		if reason := c.handle(raw, time.Now()); reason != "" {
			return reason
		}
	}
}

// setReadDeadline gives a packet FrameTimeout from its first octets to its
// last (however slowly they trickle in), and an empty buffer IdleTimeout.
func (c *streamConn) setReadDeadline(partial bool) {
	now := time.Now()
	deadline := now.Add(c.srv.opts.IdleTimeout)
	if !partial {
		c.partialSince = time.Time{}
	} else {
		if c.partialSince.IsZero() {
			c.partialSince = now
		}
		deadline = c.partialSince.Add(c.srv.opts.FrameTimeout)
	}
	_ = c.conn.SetReadDeadline(deadline) // a closed conn fails the read
}

// readError decides what a failed read means: "" to read on (an idle
// timeout while requests are held), else the reason to close.
func (c *streamConn) readError(err error, f *framer) string {
	switch {
	case errors.Is(err, errFraming):
		c.srv.metrics.dropped("malformed", TransportTLS)
		c.log.Debug().Err(err).Msg("radsec framing error")
		return "framing"
	case errors.Is(err, os.ErrDeadlineExceeded) && f.partial():
		return "stalled"
	case errors.Is(err, os.ErrDeadlineExceeded):
		if c.expire(time.Now()) {
			return "" // a request held for the phone: not idle
		}
		return "idle"
	case errors.Is(err, io.EOF):
		return "peer-closed"
	}
	c.log.Debug().Err(err).Msg("radsec read")
	return "read-failed"
}

// expire abandons requests older than MaxProcessing and tells whether any
// are still held.
func (c *streamConn) expire(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, r := range c.held {
		if now.Sub(r.Received) > c.srv.opts.MaxProcessing && r.abandon() {
			delete(c.held, id)
			c.srv.inFlight.Add(-1)
			c.log.Warn().Str("client", c.client.Name).Msg("forgot a radsec request that was never answered")
		}
	}
	return len(c.held) > 0
}

// handle checks one packet and hands a new request to the handler. A
// packet that fails the checks is dropped and counted; the connection
// stays open (a client with a wrong secret learns nothing from it). A
// non-empty result closes the connection.
func (c *streamConn) handle(raw []byte, now time.Time) string {
	pkt, reason := acceptPacket(raw, c.client)
	if reason != "" {
		c.drop(reason)
		return ""
	}
	req := &Request{Client: c.client, Src: c.remote, Received: now, Transport: TransportTLS, via: c, Packet: pkt}
	if !c.hold(req) {
		return ""
	}
	c.srv.metrics.request(c.client.Name, TransportTLS)
	if pkt.Code == layeh.CodeStatusServer {
		req.Reply(pkt.Response(layeh.CodeAccessAccept))
		return ""
	}
	c.srv.handler.ServeRADIUS(req)
	return ""
}

// hold admits req under its Identifier. A packet whose Identifier is held
// by a request in processing is discarded (RFC 6614 §2.5: a TLS client
// does not retransmit, so it is a client's mistake; the reply to the first
// answers it).
func (c *streamConn) hold(req *Request) bool {
	id := req.Packet.Identifier
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		return false // closing
	}
	if _, busy := c.held[id]; busy {
		c.srv.metrics.duplicate("in-processing", TransportTLS)
		c.log.Debug().Uint8("id", id).Msg("identifier in processing; packet discarded")
		return false
	}
	if !c.srv.admit(req) {
		c.drop("overload")
		return false
	}
	c.held[id] = req
	return true
}

func (c *streamConn) drop(reason string) {
	c.srv.metrics.dropped(reason, TransportTLS)
	c.log.Debug().Str("reason", reason).Msg("dropped packet")
}

// release frees r's Identifier and in-flight slot; false when the
// connection dropped it already.
func (c *streamConn) release(r *Request) bool {
	c.srv.inFlight.Add(-1)
	c.mu.Lock()
	defer c.mu.Unlock()
	id := r.Packet.Identifier
	if c.held[id] != r {
		return false
	}
	delete(c.held, id)
	return true
}

// sendReply implements replier: the reply is queued for the writer.
func (c *streamConn) sendReply(r *Request, b []byte, code layeh.Code) {
	if !c.release(r) {
		return
	}
	c.srv.metrics.reply(code, TransportTLS)
	select {
	case c.out <- b:
	case <-c.done:
	default: // the client reads none of its replies: drop it
		go c.shutdown("overload")
	}
}

// forget implements replier: the Identifier is free again.
func (c *streamConn) forget(r *Request) { c.release(r) }

func (c *streamConn) logger() *zerolog.Logger { return &c.log }

// writeLoop writes queued replies until the connection closes.
func (c *streamConn) writeLoop() {
	for {
		select {
		case b := <-c.out:
			_ = c.conn.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
			if _, err := c.conn.Write(b); err != nil {
				c.log.Debug().Err(err).Msg("radsec write")
				c.shutdown("write-failed")
				return
			}
		case <-c.done:
			return
		}
	}
}
