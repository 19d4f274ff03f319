package radius

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

// headerLen is the length of the RADIUS header: Code, Identifier, Length
// and Authenticator.
const headerLen = 20

// Handler receives each new request (never a duplicate). It must return
// quickly and answer later with Request.Reply or give up with Request.Drop.
type Handler interface {
	ServeRADIUS(r *Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(r *Request)

// ServeRADIUS calls f(r).
func (f HandlerFunc) ServeRADIUS(r *Request) { f(r) }

// Options configure a Server.
type Options struct {
	// Clients are the clients accepted, unless ClientSet is set.
	Clients []Client
	// ClientSet, when set, is the client table instead of Clients; its
	// owner may Replace it while the server runs (a configuration reload).
	ClientSet *ClientSet
	// MaxInFlight bounds requests in processing; more are dropped (default 262144).
	MaxInFlight int
	// ReplyCacheTTL is how long replies are kept for retransmissions (default 30s).
	ReplyCacheTTL time.Duration
	// MaxProcessing is how long a request may stay unanswered before the
	// cache forgets it and its MaxInFlight slot is released; a later Reply
	// or Drop of it does nothing (default 10m).
	MaxProcessing time.Duration
	// Readers is the number of goroutines reading the socket (default 2).
	Readers int
	// ReadBuffer is the socket's receive buffer in bytes (default 8 MiB;
	// the kernel caps it at net.core.rmem_max). Bursts of Access-Requests
	// beyond it are lost before the server sees them.
	ReadBuffer int
	// DropLogInterval is how often at most one info line is logged per
	// client (or unknown sender address) and drop reason, with the count
	// of requests dropped since the previous line (default 10s).
	DropLogInterval time.Duration
	Logger          zerolog.Logger
	Metrics         *Metrics // optional
}

// Server is a RADIUS authentication server on one UDP socket.
type Server struct {
	conn     *net.UDPConn
	clients  *ClientSet
	handler  Handler
	cache    *replyCache
	opts     Options
	log      zerolog.Logger
	metrics  *Metrics
	drops    *dropLimiter
	inFlight atomic.Int64
}

// NewServer prepares a server on conn; Serve starts it.
func NewServer(conn *net.UDPConn, h Handler, opts Options) *Server {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 262144
	}
	if opts.ReplyCacheTTL <= 0 {
		opts.ReplyCacheTTL = 30 * time.Second
	}
	if opts.MaxProcessing <= 0 {
		opts.MaxProcessing = 10 * time.Minute
	}
	if opts.Readers <= 0 {
		opts.Readers = 2
	}
	if opts.ReadBuffer <= 0 {
		opts.ReadBuffer = 8 << 20
	}
	if opts.DropLogInterval <= 0 {
		opts.DropLogInterval = 10 * time.Second
	}
	clients := opts.ClientSet
	if clients == nil {
		clients = NewClientSet(opts.Clients)
	}
	return &Server{
		conn:    conn,
		clients: clients,
		handler: h,
		cache:   newReplyCache(opts.ReplyCacheTTL),
		opts:    opts,
		log:     opts.Logger,
		metrics: opts.Metrics,
		drops:   newDropLimiter(opts.DropLogInterval, maxDropLogKeys),
	}
}

// InFlight is the number of requests in processing.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// Serve reads packets until ctx ends or the socket is closed. It closes the
// socket when ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.conn.SetReadBuffer(s.opts.ReadBuffer); err != nil {
		s.log.Warn().Err(err).Msg("set RADIUS socket receive buffer")
	}
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	defer stop()
	wg.Add(1)
	go func() { defer wg.Done(); s.sweepLoop(ctx) }()
	errs := make(chan error, s.opts.Readers)
	for range s.opts.Readers {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- s.readLoop() }()
	}
	err := <-errs
	s.conn.Close()
	wg.Wait()
	s.writeDropReports(s.drops.drain())
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (s *Server) sweepLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.sweep(now)
			s.logDrops(now)
		}
	}
}

// sweep forgets expired replies and requests unanswered for longer than
// MaxProcessing, releasing the in-flight slots of the latter.
func (s *Server) sweep(now time.Time) {
	if n := s.cache.sweep(now, s.opts.MaxProcessing); n > 0 {
		s.inFlight.Add(-int64(n))
		s.log.Warn().Int("count", n).Msg("forgot requests that were never answered")
	}
}

func (s *Server) readLoop() error {
	buf := make([]byte, layeh.MaxPacketLength)
	for {
		n, src, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return err
		}
		s.handlePacket(buf[:n], src, time.Now())
	}
}

// handlePacket runs the checks of SPEC S2.1, S2.8 and S6.3 on one datagram.
func (s *Server) handlePacket(raw []byte, src netip.AddrPort, now time.Time) {
	client := s.clients.lookup(src.Addr())
	if client == nil {
		s.drop(nil, src, "unknown-client", now)
		return
	}
	raw, ok := packetBytes(raw)
	if !ok {
		s.drop(client, src, "malformed", now)
		return
	}
	// Authenticate before the reply cache: a retransmission is answered
	// only when it authenticates like the original (SPEC S2.1, S2.8).
	pkt, reason := acceptPacket(raw, client)
	if reason != "" {
		s.drop(client, src, reason, now)
		return
	}
	key := cacheKey{src: src, id: raw[1]}
	copy(key.auth[:], raw[4:20])
	req := &Request{Client: client, Src: src, Received: now, Transport: TransportUDP, via: s, key: key, Packet: pkt}
	cached, isNew := s.cache.begin(key, req, now)
	if !isNew {
		s.resend(cached, src)
		return
	}
	if !s.admit(req) {
		s.cache.forget(key, req)
		s.drop(client, src, "overload", now)
		return
	}
	s.metrics.request(client.Name, TransportUDP)
	if pkt.Code == layeh.CodeStatusServer {
		req.Reply(pkt.Response(layeh.CodeAccessAccept))
		return
	}
	s.handler.ServeRADIUS(req)
}

// admit takes one of the MaxInFlight slots for req; false when none is free.
func (s *Server) admit(req *Request) bool {
	if s.inFlight.Add(1) > int64(s.opts.MaxInFlight) {
		s.inFlight.Add(-1)
		return false
	}
	req.state.Store(stateInFlight)
	return true
}

// packetBytes returns the packet in a datagram: its first Length octets.
// RFC 2865 §3: octets beyond Length are padding and are ignored, also by
// the Message-Authenticator check (SPEC S6.3). ok is false for a datagram
// shorter than the header or than Length, or a Length outside 20..4096.
func packetBytes(datagram []byte) (pkt []byte, ok bool) {
	if len(datagram) < headerLen {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(datagram[2:4]))
	if n < headerLen || n > layeh.MaxPacketLength || n > len(datagram) {
		return nil, false
	}
	return datagram[:n], true
}

// acceptPacket parses and authenticates a packet of client c, on any
// transport; a non-empty reason drops it.
func acceptPacket(raw []byte, c *Client) (*layeh.Packet, string) {
	pkt, err := layeh.Parse(raw, c.Secret)
	if err != nil {
		return nil, "malformed"
	}
	switch pkt.Code {
	case layeh.CodeAccessRequest, layeh.CodeStatusServer:
	default:
		return nil, "unsupported-code"
	}
	required := c.RequireMessageAuthenticator || pkt.Code == layeh.CodeStatusServer
	switch err := msgauth.Verify(raw, nil, c.Secret); {
	case errors.Is(err, msgauth.ErrMissing) && !required:
	case errors.Is(err, msgauth.ErrMissing):
		return nil, "missing-message-authenticator"
	case err != nil:
		return nil, "bad-message-authenticator"
	}
	if proxyStateLen(pkt) > maxProxyStateLen {
		return nil, "oversized-reply"
	}
	return pkt, ""
}

func (s *Server) resend(reply []byte, src netip.AddrPort) {
	if reply == nil {
		s.metrics.duplicate("in-processing", TransportUDP)
		return
	}
	s.metrics.duplicate("answered", TransportUDP)
	if _, err := s.conn.WriteToUDPAddrPort(reply, src); err != nil {
		s.log.Debug().Err(err).Stringer("src", src).Msg("resend cached reply")
	}
}

// drop counts a dropped packet from client (nil if unknown) for the
// metrics and the rate-limited info log, and logs it at debug level.
func (s *Server) drop(client *Client, src netip.AddrPort, reason string, now time.Time) {
	s.metrics.dropped(reason, TransportUDP)
	s.log.Debug().Stringer("src", src).Str("transport", TransportUDP).Str("reason", reason).Msg("dropped packet")
	k := dropKey{reason: reason}
	if client != nil {
		k.client = client.Name
	} else {
		k.src = src.Addr().Unmap()
	}
	s.drops.note(k, now)
}

// sendReply implements replier: the reply is cached for retransmissions
// and sent to the request's source.
func (s *Server) sendReply(r *Request, b []byte, code layeh.Code) {
	defer s.inFlight.Add(-1)
	s.cache.finish(r.key, r, b, time.Now())
	s.metrics.reply(code, TransportUDP)
	if _, err := s.conn.WriteToUDPAddrPort(b, r.Src); err != nil {
		s.log.Debug().Err(err).Stringer("src", r.Src).Msg("send reply")
	}
}

// forget implements replier: a retransmission is processed anew.
func (s *Server) forget(r *Request) {
	s.inFlight.Add(-1)
	s.cache.forget(r.key, r)
}

func (s *Server) logger() *zerolog.Logger { return &s.log }
