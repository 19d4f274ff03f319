package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"golang.org/x/sync/errgroup"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/radius"
)

// listenRadSec binds radius.tls.listen when RadSec is on; on failure it
// closes the listeners bound before it.
func listenRadSec(cfg *config.Config, ls *Listeners) error {
	if !cfg.Radius.TLS.Enabled {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Radius.TLS.Listen)
	if err != nil {
		for _, c := range []interface{ Close() error }{ls.Radius, ls.Admin, ls.Device} {
			c.Close()
		}
		if ls.Metrics != nil {
			ls.Metrics.Close()
		}
		return fmt.Errorf("radius.tls.listen: %w", err)
	}
	ls.RadSec = ln
	return nil
}

// serveRadSec serves RADIUS over TLS on ln, when it is set, with the same
// handler as the UDP front end: requests from certificate-identified
// clients become the same logins, and their replies go back on their
// connection.
func (s *Server) serveRadSec(ctx context.Context, g *errgroup.Group, ln net.Listener) error {
	if ln == nil {
		return nil
	}
	rs, err := s.radsecServer()
	if err != nil {
		ln.Close()
		return err
	}
	t := s.cfg.Radius.TLS
	s.log.Info().Str("radius_tls", ln.Addr().String()).Str("min_version", tls.VersionName(t.MinVersion)).
		Dur("idle_timeout", t.IdleTimeout).Int("max_connections", t.MaxConnections).
		Int("max_connections_per_address", t.MaxConnectionsPerAddress).Msg("radsec listening")
	g.Go(func() error { return rs.Serve(ctx, ln) })
	return nil
}

// radsecServer builds the RadSec server from radius.tls and the RadSec
// clients of radius.clients.
func (s *Server) radsecServer() (*radius.StreamServer, error) {
	t := s.cfg.Radius.TLS
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("radius.tls: load certificate: %w", err)
	}
	set, hints, err := s.startRadSecClients()
	if err != nil {
		return nil, err
	}
	return radius.NewStreamServer(newRadiusAdapter(s.sys, s.eap, s.log), radius.StreamOptions{
		TLS:                &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: t.MinVersion, ClientCAs: hints},
		Clients:            set,
		MaxInFlight:        s.cfg.Radius.MaxInFlight,
		IdleTimeout:        t.IdleTimeout,
		HandshakeTimeout:   t.HandshakeTimeout,
		FrameTimeout:       t.HandshakeTimeout,
		MaxConns:           t.MaxConnections,
		MaxConnsPerAddress: perAddressCap(t.MaxConnectionsPerAddress),
		Logger:             s.log.With().Str("component", "radius").Logger(),
		Metrics:            s.radiusMetrics,
	}), nil
}

// startRadSecClients makes the RadSec client table from the clients of the
// moment, under the reload lock so that a reload cannot slip between.
func (s *Server) startRadSecClients() (*radius.TLSClientSet, *x509.CertPool, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	clients, hints, err := radsecClients(s.live.Radius.Clients, s.cfg.Radius.TLS.CAFile)
	if err != nil {
		return nil, nil, err
	}
	s.radsecClients = radius.NewTLSClientSet(clients)
	return s.radsecClients, hints, nil
}

// perAddressCap maps the configuration's 0 (no cap) to StreamOptions' -1.
func perAddressCap(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// radsecClients converts the RadSec clients of cs (config.Client.IsTLS),
// each with the CA pool its certificate must chain to: its tls_ca_file or
// caFile. hints holds every CA, named to clients in the handshake.
func radsecClients(cs []config.Client, caFile string) (out []radius.TLSClient, hints *x509.CertPool, err error) {
	pools := map[string]*x509.CertPool{}
	hints = x509.NewCertPool()
	for _, c := range cs {
		if !c.IsTLS() {
			continue
		}
		file := c.TLSCAFile
		if file == "" {
			file = caFile
		}
		pool, ok := pools[file]
		if !ok {
			if pool, err = loadCAPool(file, hints); err != nil {
				return nil, nil, fmt.Errorf("radius client %q: %w", c.Name, err)
			}
			pools[file] = pool
		}
		out = append(out, radius.TLSClient{
			Client: radiusClient(c),
			Match:  radius.CertMatch{Subject: c.TLSSubject, SAN: c.TLSSAN, Roots: pool},
		})
	}
	return out, hints, nil
}

// loadCAPool reads a PEM CA file into a pool of its own and into hints.
func loadCAPool(file string, hints *x509.CertPool) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("no PEM certificate in %s", file)
	}
	hints.AppendCertsFromPEM(b)
	return pool, nil
}

// udpClients are the clients of cs accepted over UDP: all but the RadSec
// ones, which are known by certificate and never by address alone.
func udpClients(cs []config.Client) []config.Client {
	out := make([]config.Client, 0, len(cs))
	for _, c := range cs {
		if !c.IsTLS() {
			out = append(out, c)
		}
	}
	return out
}

// reloadRadSecClients (under reloadMu) applies reloaded clients to the
// RadSec listener, when it runs: connections opened from now on are identified by the new table
// (open connections keep the client they were accepted as). The CA files
// are read again; if one cannot be, the old table stays, with an error.
// The CAs named to clients in the handshake are those of the start.
func (s *Server) reloadRadSecClients(cur []config.Client) {
	if s.radsecClients == nil {
		return
	}
	clients, _, err := radsecClients(cur, s.cfg.Radius.TLS.CAFile)
	if err != nil {
		s.log.Error().Err(err).Msg("radsec clients not reloaded; the previous ones stay")
		return
	}
	s.radsecClients.Replace(clients)
}
