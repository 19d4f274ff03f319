package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/pushauth/pushauth/config"
)

// peerTLS is mutual TLS between nodes: every node presents its certificate
// and accepts only peers whose certificate the cluster's CA signed.
type peerTLS struct {
	server, client *tls.Config
}

// transport returns the gRPC options between nodes: mutual TLS with the
// configured CA (and the TLS half for probing peers), or plaintext when
// cluster.tls is not set (config validation requires cluster.insecure
// then).
func transport(cfg config.Cluster) ([]grpc.DialOption, []grpc.ServerOption, *peerTLS, error) {
	serve := []grpc.ServerOption{grpc.UnaryInterceptor(refuseUnary)}
	if cfg.TLS == (config.TLSFiles{}) {
		return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
			append(serve, grpc.Creds(insecure.NewCredentials())), nil, nil
	}
	p, err := loadTLS(cfg.TLS, advertisedHost(cfg))
	if err != nil {
		return nil, nil, nil, err
	}
	return []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(p.client))},
		append(serve, grpc.Creds(credentials.NewTLS(p.server))), p, nil
}

// refuseUnary answers every unary call with Unimplemented. Nodes only use
// protoactor's Receive stream; protoactor's own ListProcesses and
// GetProcessDiagnostics handlers panic ("implement me"), which would let
// any client of the inter-node port crash the node.
func refuseUnary(_ context.Context, _ any, info *grpc.UnaryServerInfo, _ grpc.UnaryHandler) (any, error) {
	return nil, status.Errorf(codes.Unimplemented, "%s is not served between pushauth nodes", info.FullMethod)
}

// advertisedHost is the host other nodes dial: advertise's, else
// listen's (listen port 0 advertises the bound address, same host).
func advertisedHost(cfg config.Cluster) string {
	addr := cfg.Advertise
	if addr == "" {
		addr = cfg.Listen
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// loadTLS loads cluster.tls and checks that the node's own certificate
// will be accepted by its peers, so a wrong file fails at start with a
// clear error instead of a cluster that silently does not talk.
func loadTLS(files config.TLSFiles, host string) (*peerTLS, error) {
	cert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("cluster.tls: %w", err)
	}
	pem, err := os.ReadFile(files.CAFile)
	if err != nil {
		return nil, fmt.Errorf("cluster.tls.ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("cluster.tls.ca_file: no PEM certificate in it")
	}
	if err := checkOwnCertificate(cert, pool, host); err != nil {
		return nil, fmt.Errorf("cluster.tls.cert_file %s: %w", files.CertFile, err)
	}
	return &peerTLS{
		server: &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool,
			ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13},
		client: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS13},
	}, nil
}

// checkOwnCertificate verifies the node's certificate as its peers will:
// signed by the CA, valid now for server and client authentication (the
// same certificate serves both directions), and naming host, which peers
// check as the server name (gRPC takes it from the dialled address).
func checkOwnCertificate(cert tls.Certificate, roots *x509.CertPool, host string) error {
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("parse: %w", err)
		}
	}
	inter := x509.NewCertPool()
	for _, der := range cert.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(c)
		}
	}
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}})
		if err != nil {
			return fmt.Errorf("not accepted with ca_file for %s: %w", usageName(usage), err)
		}
	}
	if err := leaf.VerifyHostname(host); err != nil {
		return fmt.Errorf("does not name the advertised host (put it in subjectAltName): %w", err)
	}
	return nil
}

func usageName(u x509.ExtKeyUsage) string {
	if u == x509.ExtKeyUsageServerAuth {
		return "server authentication (extendedKeyUsage serverAuth)"
	}
	return "client authentication (extendedKeyUsage clientAuth)"
}

// unreachableError is a probe that could not open a TCP connection: the
// member may be starting or gone, not refusing us.
type unreachableError struct{ err error }

func (e unreachableError) Error() string { return e.err.Error() }
func (e unreachableError) Unwrap() error { return e.err }

// http2Preface is an HTTP/2 client connection preface and an empty
// SETTINGS frame: a gRPC server answers it with its own SETTINGS.
var http2Preface = []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")

// probe checks that the member at addr and this node accept each other's
// certificates: a TLS handshake as gRPC does it (server name = the host
// dialled, ALPN h2), then one HTTP/2 frame read back. In TLS 1.3 the
// client finishes its handshake before the server has checked the
// client's certificate, so only the read tells whether the member accepted
// ours. TCP failures come back as unreachableError.
func (p *peerTLS) probe(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("member address %q: %w", addr, err)
	}
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return unreachableError{err}
	}
	cfg := p.client.Clone()
	cfg.ServerName, cfg.NextProtos = host, []string{"h2"}
	conn := tls.Client(raw, cfg)
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := conn.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	if _, err := conn.Write(http2Preface); err != nil {
		return fmt.Errorf("after the TLS handshake: %w", err)
	}
	frame := make([]byte, 9) // an HTTP/2 frame header
	if _, err := io.ReadFull(conn, frame); err != nil {
		return fmt.Errorf("after the TLS handshake (the member refused this node's certificate?): %w", err)
	}
	return nil
}
