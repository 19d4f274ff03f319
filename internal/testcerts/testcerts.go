// Package testcerts makes throw-away certificate authorities and node
// certificates for tests of mutual TLS between cluster nodes: ECDSA P-256,
// valid for a day, written as PEM files into a directory of the test.
package testcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a test certificate authority.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	dir  string
	// CertFile is the CA certificate (PEM), for ca_file.
	CertFile string
}

// Files names a node's certificate, its key and the CA file it trusts.
type Files struct {
	CertFile, KeyFile, CAFile string
}

// Options say what a node certificate holds; the zero value is a node
// certificate for 127.0.0.1 usable as server and client.
type Options struct {
	IPs      []net.IP           // subjectAltName IP addresses (default 127.0.0.1)
	DNSNames []string           // subjectAltName DNS names
	Usages   []x509.ExtKeyUsage // default server and client auth
}

// NewCA makes a CA named name whose files live in a temporary directory of tb.
func NewCA(tb testing.TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(tb),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatalf("testcerts: CA: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("testcerts: CA: %v", err)
	}
	dir := tb.TempDir()
	ca := &CA{cert: cert, key: key, dir: dir, CertFile: filepath.Join(dir, "ca.crt")}
	writePEM(tb, ca.CertFile, "CERTIFICATE", der)
	return ca
}

// Node issues a certificate for the node name (its CommonName) and returns
// its files, with this CA as the trusted one.
func (ca *CA) Node(tb testing.TB, name string, opts Options) Files {
	tb.Helper()
	if opts.IPs == nil && opts.DNSNames == nil {
		opts.IPs = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	if opts.Usages == nil {
		opts.Usages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber: serial(tb),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  opts.Usages,
		IPAddresses:  opts.IPs,
		DNSNames:     opts.DNSNames,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		tb.Fatalf("testcerts: node %s: %v", name, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatalf("testcerts: node %s key: %v", name, err)
	}
	f := Files{
		CertFile: filepath.Join(ca.dir, name+".crt"),
		KeyFile:  filepath.Join(ca.dir, name+".key"),
		CAFile:   ca.CertFile,
	}
	writePEM(tb, f.CertFile, "CERTIFICATE", der)
	writePEM(tb, f.KeyFile, "PRIVATE KEY", keyDER)
	return f
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("testcerts: key: %v", err)
	}
	return key
}

func serial(tb testing.TB) *big.Int {
	tb.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		tb.Fatalf("testcerts: serial: %v", err)
	}
	return n
}

func writePEM(tb testing.TB, path, kind string, der []byte) {
	tb.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatalf("testcerts: %v", err)
	}
}
