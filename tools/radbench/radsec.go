package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// Transports of the push scenario: RADIUS over UDP, or over TLS (RadSec,
// RFC 6614) to the server's radius.tls listener.
const (
	transportUDP = "udp"
	transportTLS = "tls"
)

// parseTransports reads --transport: udp, tls or both, comma-separated.
func parseTransports(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		switch f = strings.TrimSpace(f); f {
		case transportUDP, transportTLS:
			out = append(out, f)
		default:
			return nil, fmt.Errorf("--transport: %q is not udp or tls", f)
		}
	}
	return out, nil
}

// radsecSubject is the CN of radbench's RadSec client certificate, which
// the server's RadSec client bench-isapi-tls is known by.
const radsecSubject = "radbench-isapi"

// radsecCerts are the files of a run's throw-away CA, the server's
// certificate and radbench's client certificate, and the client's TLS
// configuration.
type radsecCerts struct {
	caFile, certFile, keyFile string
	client                    *tls.Config
}

// newRadsecCerts makes a CA valid for a day, a server certificate for
// 127.0.0.1 and a client certificate (CN radsecSubject) in dir.
func newRadsecCerts(dir string) (*radsecCerts, error) {
	caKey, caCert, err := newCert(pkix.Name{CommonName: "radbench CA"}, nil, nil)
	if err != nil {
		return nil, err
	}
	srvKey, srvCert, err := newCert(pkix.Name{CommonName: "pushauthd"}, caKey, caCert)
	if err != nil {
		return nil, err
	}
	cliKey, cliCert, err := newCert(pkix.Name{CommonName: radsecSubject}, caKey, caCert)
	if err != nil {
		return nil, err
	}
	c := &radsecCerts{caFile: filepath.Join(dir, "radsec-ca.crt"), certFile: filepath.Join(dir, "radsec.crt"), keyFile: filepath.Join(dir, "radsec.key")}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		return nil, err
	}
	for path, block := range map[string]*pem.Block{
		c.caFile:   {Type: "CERTIFICATE", Bytes: caCert.Raw},
		c.certFile: {Type: "CERTIFICATE", Bytes: srvCert.Raw},
		c.keyFile:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	c.client = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{cliCert.Raw}, PrivateKey: cliKey}},
		RootCAs:      roots,
		ServerName:   "127.0.0.1",
		MinVersion:   tls.VersionTLS12,
	}
	return c, nil
}

// newCert makes a P-256 key and a certificate for name signed by parent
// (self-signed CA when parent is nil), valid for a day, for 127.0.0.1.
func newCert(name pkix.Name, parentKey *ecdsa.PrivateKey, parent *x509.Certificate) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: name,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign
		parent, parentKey = tmpl, key
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate %s: %w", name.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}

// radsecYAML is the server's RadSec listener on loopback port 0 and the
// RadSec client radbench connects as (kind isapi, policy bench, like the
// UDP client bench-isapi), with no per-address connection cap.
func (c *radsecCerts) radsecYAML() (client, listener string) {
	client = fmt.Sprintf("    - {name: bench-isapi-tls, tls_subject: %s, secret: %s, kind: isapi, policy: %s, number_matching: false}\n",
		radsecSubject, radiusSecret, benchPolicy)
	listener = fmt.Sprintf("  tls: {enabled: true, listen: \"127.0.0.1:0\", cert_file: %q, key_file: %q, ca_file: %q, max_connections_per_address: 0}\n",
		c.certFile, c.keyFile, c.caFile)
	return client, listener
}

// exchanger sends one request and waits for its verified reply: a UDP
// radclient.Client or a RadSec radclient.Stream.
type exchanger interface {
	Exchange(ctx context.Context, p *layeh.Packet) (*radclient.Response, error)
}

// loginPool hands each worker the socket or connection it sends on.
type loginPool interface {
	get(i int) exchanger
	Close()
}

// streamPool is n RadSec connections, each carrying up to 256 requests
// in flight.
type streamPool struct {
	streams []*radclient.Stream
}

// dialStreams opens n TLS connections to addr with cfg.
func dialStreams(ctx context.Context, addr string, cfg *tls.Config, n int) (*streamPool, error) {
	p := &streamPool{}
	d := tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	for range max(n, 1) {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("radsec dial %s: %w", addr, err)
		}
		p.streams = append(p.streams, radclient.NewStream(conn, []byte(radiusSecret)))
	}
	return p, nil
}

func (p *streamPool) get(i int) exchanger { return p.streams[i%len(p.streams)] }

func (p *streamPool) Close() {
	for _, s := range p.streams {
		s.Close()
	}
}
