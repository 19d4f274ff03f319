package eaptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// ServerName is the name in the test server certificate.
const ServerName = "radius.pushauth.test"

// Certs is a test CA and a server certificate signed by it.
type Certs struct {
	Server tls.Certificate
	Roots  *x509.CertPool
}

// NewCerts makes a P-256 CA and a server certificate for ServerName with
// the server-auth extended key usage, valid for one hour.
func NewCerts() (Certs, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Certs{}, fmt.Errorf("test ca key: %w", err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pushauth test ca"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return Certs{}, fmt.Errorf("test ca certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return Certs{}, fmt.Errorf("parse test ca: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Certs{}, fmt.Errorf("test server key: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: ServerName},
		DNSNames:     []string{ServerName},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return Certs{}, fmt.Errorf("test server certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	return Certs{
		Server: tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key},
		Roots:  roots,
	}, nil
}

// ServerTLS is a server config presenting the test certificate.
func (c Certs) ServerTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.Server}, MinVersion: tls.VersionTLS12}
}

// ClientTLS is a client config trusting the test CA, limited to the TLS
// version given (0 for any of 1.2 and 1.3).
func (c Certs) ClientTLS(version uint16) *tls.Config {
	cfg := &tls.Config{RootCAs: c.Roots, ServerName: ServerName, MinVersion: tls.VersionTLS12}
	if version != 0 {
		cfg.MinVersion, cfg.MaxVersion = version, version
	}
	return cfg
}
