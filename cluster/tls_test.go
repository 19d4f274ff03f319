package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/testcerts"
)

func tlsFiles(f testcerts.Files) config.TLSFiles {
	return config.TLSFiles{CertFile: f.CertFile, KeyFile: f.KeyFile, CAFile: f.CAFile}
}

// A node's own certificate is checked at start as its peers will check
// it, so a wrong file is a clear error instead of a cluster that does not
// talk.
func TestLoadTLSChecksOwnCertificate(t *testing.T) {
	ca, other := testcerts.NewCA(t, "cluster CA"), testcerts.NewCA(t, "other CA")
	good := ca.Node(t, "good", testcerts.Options{})
	if _, err := loadTLS(tlsFiles(good), "127.0.0.1"); err != nil {
		t.Fatalf("good certificate: %v", err)
	}
	foreign := other.Node(t, "foreign", testcerts.Options{})
	foreign.CAFile = ca.CertFile
	serverOnly := ca.Node(t, "server-only", testcerts.Options{Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	named := ca.Node(t, "named", testcerts.Options{DNSNames: []string{"node-a.example"}})
	cases := []struct {
		name  string
		files testcerts.Files
		host  string
		want  string
	}{
		{"another CA", foreign, "127.0.0.1", "unknown authority"},
		{"no clientAuth", serverOnly, "127.0.0.1", "clientAuth"},
		{"wrong host", good, "10.0.0.11", "subjectAltName"},
		{"name only", named, "127.0.0.1", "subjectAltName"},
	}
	for _, tc := range cases {
		_, err := loadTLS(tlsFiles(tc.files), tc.host)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "cluster.tls.cert_file") {
			t.Errorf("%s: error %v, want one naming cluster.tls.cert_file and %q", tc.name, err, tc.want)
		}
	}
	if _, err := loadTLS(tlsFiles(named), "node-a.example"); err != nil {
		t.Errorf("DNS name: %v", err)
	}
}

// serveGRPC runs a gRPC server with the node's server options on a
// loopback port and returns its address.
func serveGRPC(t *testing.T, opts []grpc.ServerOption) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(opts...)
	remote.RegisterRemotingServer(s, panickingRemoting{})
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	return ln.Addr().String()
}

// panickingRemoting is protoactor's remoting service as it ships: the
// unary calls panic ("implement me").
type panickingRemoting struct {
	remote.UnimplementedRemotingServer
}

func (panickingRemoting) ListProcesses(context.Context, *remote.ListProcessesRequest) (*remote.ListProcessesResponse, error) {
	panic("implement me")
}

// The probe passes only when both sides accept each other's certificate;
// a node whose certificate another CA signed is refused by the server even
// when it trusts the cluster's CA itself.
func TestProbe(t *testing.T) {
	ca, other := testcerts.NewCA(t, "cluster CA"), testcerts.NewCA(t, "other CA")
	_, serve, _, err := transport(config.Cluster{Listen: "127.0.0.1:0", TLS: tlsFiles(ca.Node(t, "a", testcerts.Options{}))})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveGRPC(t, serve)
	ctx := context.Background()

	good, err := loadTLS(tlsFiles(ca.Node(t, "b", testcerts.Options{})), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := good.probe(ctx, addr); err != nil {
		t.Fatalf("a node of the cluster: %v", err)
	}

	foreign := other.Node(t, "x", testcerts.Options{})
	for name, roots := range map[string]string{"trusting the cluster CA": ca.CertFile, "trusting its own CA": other.CertFile} {
		err := foreignPeer(t, foreign, roots).probe(ctx, addr)
		var unreachable unreachableError
		if err == nil || errors.As(err, &unreachable) {
			t.Errorf("foreign node %s: probe error %v, want a refusal", name, err)
		}
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	var unreachable unreachableError
	if err := good.probe(ctx, closed); !errors.As(err, &unreachable) {
		t.Fatalf("closed port: %v, want unreachableError", err)
	}
}

// foreignPeer is the TLS half of a node whose certificate files name,
// trusting the CA in rootsFile (loadTLS would refuse such a node).
func foreignPeer(t *testing.T, files testcerts.Files, rootsFile string) *peerTLS {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(rootsFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &peerTLS{client: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS13}}
}

// Every unary call to the inter-node port is refused before protoactor's
// handlers, which panic and would crash the node.
func TestUnaryCallsRefused(t *testing.T) {
	ca := testcerts.NewCA(t, "cluster CA")
	cfg := config.Cluster{Listen: "127.0.0.1:0", TLS: tlsFiles(ca.Node(t, "a", testcerts.Options{}))}
	_, serve, p, err := transport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveGRPC(t, serve)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(p.client)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = remote.NewRemotingClient(conn).ListProcesses(context.Background(), &remote.ListProcessesRequest{})
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("ListProcesses: %v, want Unimplemented", err)
	}
}
