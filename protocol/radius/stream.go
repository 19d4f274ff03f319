package radius

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/connlimit"
)

// StreamOptions configure a StreamServer.
type StreamOptions struct {
	// TLS holds the server's certificate, the minimum version and, in
	// ClientCAs, the CAs named to clients in the handshake. The server
	// requires a client certificate and identifies the client with Clients;
	// ClientAuth and VerifyConnection are its own.
	TLS *tls.Config
	// Clients identify connections by certificate.
	Clients *TLSClientSet
	// MaxInFlight bounds requests in processing over all connections;
	// more are dropped (default 262144).
	MaxInFlight int
	// MaxProcessing is how long a request may stay unanswered before its
	// Identifier and in-flight slot are released (default 10m).
	MaxProcessing time.Duration
	// IdleTimeout closes a connection that has sent nothing for this long
	// and has no request in processing (default 120s). A request held
	// while the phone decides keeps its connection open.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds the TLS handshake (default 10s); FrameTimeout
	// bounds how long the rest of a packet may take once its first octets
	// arrived (default 10s); WriteTimeout bounds writing one reply
	// (default 10s). A client past any of them is disconnected.
	HandshakeTimeout, FrameTimeout, WriteTimeout time.Duration
	// MaxConns caps the connections open at once (default 1024);
	// MaxConnsPerAddress caps those from one address, an IPv6 /64
	// (default 16; less than 0 turns it off).
	MaxConns, MaxConnsPerAddress int
	Logger                       zerolog.Logger
	Metrics                      *Metrics // optional
}

// StreamServer is a RADIUS/TLS (RadSec, RFC 6614) server: it reads packets
// framed by their Length field from mutually authenticated TLS
// connections and hands new requests to the same Handler as the UDP
// Server. Replies go back on the request's connection, in any order.
type StreamServer struct {
	handler  Handler
	opts     StreamOptions
	log      zerolog.Logger
	metrics  *Metrics
	inFlight atomic.Int64
	slots    chan struct{} // one per open connection (MaxConns)

	mu    sync.Mutex
	conns map[*streamConn]struct{}
	wg    sync.WaitGroup
}

// NewStreamServer prepares a RadSec server; Serve starts it on a listener.
func NewStreamServer(h Handler, opts StreamOptions) *StreamServer {
	opts = streamDefaults(opts)
	return &StreamServer{
		handler: h,
		opts:    opts,
		log:     opts.Logger,
		metrics: opts.Metrics,
		slots:   make(chan struct{}, opts.MaxConns),
		conns:   map[*streamConn]struct{}{},
	}
}

func streamDefaults(o StreamOptions) StreamOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MaxProcessing, 10*time.Minute)
	def(&o.IdleTimeout, 120*time.Second)
	def(&o.HandshakeTimeout, 10*time.Second)
	def(&o.FrameTimeout, 10*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 262144
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 1024
	}
	if o.MaxConnsPerAddress == 0 {
		o.MaxConnsPerAddress = 16
	}
	if o.Clients == nil {
		o.Clients = NewTLSClientSet(nil)
	}
	return o
}

// InFlight is the number of requests in processing.
func (s *StreamServer) InFlight() int { return int(s.inFlight.Load()) }

// Serve accepts connections on ln until ctx ends or ln fails, then closes
// ln and every connection (requests in processing are abandoned: their
// later replies are not sent) and waits for their goroutines.
func (s *StreamServer) Serve(ctx context.Context, ln net.Listener) error {
	capped := connlimit.PerAddress(ln, connlimit.Options{
		PerAddress: s.opts.MaxConnsPerAddress,
		Refused:    func() { s.metrics.connection("refused-per-address") },
		Log:        s.log,
	})
	stop := context.AfterFunc(ctx, func() { capped.Close() })
	defer stop()
	err := s.acceptLoop(ctx, capped)
	capped.Close()
	s.closeAll()
	s.wg.Wait()
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// acceptLoop takes a connection slot, then a connection, and serves it.
func (s *StreamServer) acceptLoop(ctx context.Context, ln net.Listener) error {
	for {
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		c, err := ln.Accept()
		if err != nil {
			<-s.slots
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.slots }()
			s.serveConn(c)
		}()
	}
}

// serveConn runs the handshake, identifies the client by its certificate
// and serves the connection until it ends.
func (s *StreamServer) serveConn(raw net.Conn) {
	remote := addrPort(raw.RemoteAddr())
	log := s.log.With().Str("transport", TransportTLS).Stringer("remote", remote).Logger()
	var client *Client
	conf := s.opts.TLS.Clone()
	conf.ClientAuth = tls.RequireAnyClientCert
	conf.VerifyConnection = func(cs tls.ConnectionState) error {
		if client = s.opts.Clients.identify(cs.PeerCertificates, remote.Addr()); client == nil {
			return errUnknownCertificate
		}
		return nil
	}
	tc := tls.Server(raw, conf)
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.HandshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		s.metrics.connection("handshake-failed")
		log.Debug().Err(err).Msg("radsec handshake failed")
		tc.Close()
		return
	}
	s.metrics.connection("accepted")
	log = log.With().Str("client", client.Name).Logger()
	sc := newStreamConn(s, tc, client, remote, log)
	if !s.track(sc) {
		tc.Close()
		return
	}
	defer s.untrack(sc)
	log.Debug().Str("tls_version", tls.VersionName(tc.ConnectionState().Version)).Msg("radsec connection open")
	sc.serve()
}

// addrPort is a connection's remote address.
func addrPort(a net.Addr) netip.AddrPort {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// track registers an open connection; false once the server is closing.
func (s *StreamServer) track(c *streamConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *StreamServer) untrack(c *streamConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// closeAll closes every open connection and refuses new ones.
func (s *StreamServer) closeAll() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for c := range conns {
		c.shutdown("server-stopped")
	}
}

// admit takes one of the MaxInFlight slots for req; false when none is free.
func (s *StreamServer) admit(req *Request) bool {
	if s.inFlight.Add(1) > int64(s.opts.MaxInFlight) {
		s.inFlight.Add(-1)
		return false
	}
	req.state.Store(stateInFlight)
	return true
}
