package test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testcerts"
	"github.com/pushauth/pushauth/push"
)

// tlsTransport is the cluster.tls line of a node whose files are f.
func tlsTransport(f testcerts.Files) string {
	return fmt.Sprintf("tls: {cert_file: %q, key_file: %q, ca_file: %q}", f.CertFile, f.KeyFile, f.CAFile)
}

// Issue 8: three pushauthd processes with mutual TLS between them (a test
// CA, one certificate per node with IP SAN 127.0.0.1 and both server and
// client auth) form a cluster, and an answer crosses nodes: the phone
// polls node c and answers through node b a login that lives on node a.
// A node whose certificate another CA signed cannot join: with its own CA
// as ca_file the members refuse it and it stops with an error; with the
// cluster's CA as ca_file its own certificate is refused at start; and
// what it sends to a member's inter-node port is refused by TLS.
func TestClusterMutualTLS(t *testing.T) {
	ca, other := testcerts.NewCA(t, "pushauth test cluster CA"), testcerts.NewCA(t, "another CA")
	certs := map[string]testcerts.Files{}
	for i := range 3 {
		certs[nodeName(i)] = ca.Node(t, nodeName(i), testcerts.Options{})
	}
	nodes, nodeConfig := startClusterWith(t, 3, "", func(node string) string {
		if f, ok := certs[node]; ok {
			return tlsTransport(f)
		}
		return tlsTransport(other.Node(t, node, testcerts.Options{})) // a node with another CA's files
	})
	a, b, c := nodes[0], nodes[1], nodes[2]

	a.AddUser("tina", "pw")
	phone := a.Phone("tina")
	login := Start(a.Client(""), "tina", "pw", "", "")
	p := NextPush(t, via(t, phone, c))
	if err := via(t, phone, b).Answer(b.ctx(), p, push.Approve); err != nil {
		t.Fatalf("answer through node b: %v", err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)

	// Another CA's certificate and CA file: the members refuse it.
	logs := StartProcessFailing(t, a.Cfg.DataDir, nodeConfig("node-x"))
	if !strings.Contains(logs, "no member of the cluster accepts this node over mutual TLS") {
		t.Fatalf("foreign node's log does not say the cluster refused it:\n%s", logs)
	}
	// Another CA's certificate with the cluster's CA file: refused at start.
	certs["node-y"] = other.Node(t, "node-y", testcerts.Options{})
	certs["node-y"] = testcerts.Files{CertFile: certs["node-y"].CertFile, KeyFile: certs["node-y"].KeyFile, CAFile: ca.CertFile}
	logs = StartProcessFailing(t, a.Cfg.DataDir, nodeConfig("node-y"))
	if !strings.Contains(logs, "cluster.tls.cert_file") || !strings.Contains(logs, "unknown authority") {
		t.Fatalf("node with another CA's certificate: log does not name cluster.tls.cert_file:\n%s", logs)
	}
	// Its connection to a member's inter-node port is refused.
	st, err := a.Admin.Cluster(a.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if err := dialNode(t, st.Address, certs["node-y"]); err == nil {
		t.Fatal("node a accepted a connection with another CA's certificate")
	}
	if err := dialNode(t, st.Address, certs["node-b"]); err != nil {
		t.Fatalf("node a refused a member's certificate: %v", err)
	}

	for _, h := range nodes { // the refused nodes never became members
		waitMembers(t, h, 3)
	}
	login = Start(b.Client(""), "tina", "pw", "", "")
	p = NextPush(t, via(t, phone, a), p.Nonce)
	if err := via(t, phone, c).Answer(c.ctx(), p, push.Deny); err != nil {
		t.Fatalf("answer through node c: %v", err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessReject)
}

// dialNode opens a TLS connection to a node's inter-node address with the
// certificate in f, trusting f's CA file, and reads the node's first
// HTTP/2 frame: an error means the node (or this side) refused.
func dialNode(t *testing.T, addr string, f testcerts.Files) error {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(f.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{
		Certificates: []tls.Certificate{cert}, RootCAs: pool, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS13,
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")); err != nil {
		return err
	}
	_, err = io.ReadFull(conn, make([]byte, 9))
	return err
}
