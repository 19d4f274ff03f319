package radius

import (
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
)

// CertMatch is how a RadSec client's certificate is recognised. The
// certificate must chain to Roots (for client authentication) and hold
// every name that is set.
type CertMatch struct {
	// Subject, when set, must equal the certificate's subject Common Name.
	Subject string
	// SAN, when set, must equal one of the certificate's subjectAltName
	// entries: a DNS name (compared without case), an IP address, a URI or
	// an e-mail address.
	SAN string
	// Roots are the CAs the certificate must chain to.
	Roots *x509.CertPool
}

// TLSClient is a client that connects over TLS. Client.Secret is the
// shared secret on its connections ("radsec" unless configured, RFC 6614
// §2.3); Client.Prefix, when valid, is where its connections must come
// from, besides presenting a matching certificate (the certificate decides
// who it is, never the address alone).
type TLSClient struct {
	Client
	Match CertMatch
}

// TLSClientSet is the table of RadSec clients a StreamServer accepts.
// Replace swaps it atomically: a connection is identified by the table of
// its handshake and keeps that client (and its secret) until it closes.
type TLSClientSet struct {
	table atomic.Pointer[[]*TLSClient]
}

// NewTLSClientSet makes a client set holding clients.
func NewTLSClientSet(clients []TLSClient) *TLSClientSet {
	s := &TLSClientSet{}
	s.Replace(clients)
	return s
}

// Replace makes clients the table for handshakes from now on.
func (s *TLSClientSet) Replace(clients []TLSClient) {
	t := make([]*TLSClient, len(clients))
	for i := range clients {
		c := clients[i]
		c.Secret = slices.Clone(c.Secret)
		if c.Prefix.IsValid() {
			c.Prefix = c.Prefix.Masked()
		}
		t[i] = &c
	}
	s.table.Store(&t)
}

// errUnknownCertificate fails a handshake whose certificate is no client's.
var errUnknownCertificate = errors.New("radius: the client certificate matches no RadSec client")

// identify returns the first client, in table order, whose match holds
// for the peer's certificates (leaf first) and whose prefix, if any, holds
// remote; nil when none does.
func (s *TLSClientSet) identify(certs []*x509.Certificate, remote netip.Addr) *Client {
	if len(certs) == 0 {
		return nil
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	remote = remote.Unmap()
	for _, c := range *s.table.Load() {
		if c.Prefix.IsValid() && !c.Prefix.Contains(remote) {
			continue
		}
		if c.Match.matches(leaf, inter) {
			return &c.Client
		}
	}
	return nil
}

// matches tells whether leaf (with intermediates inter) is m's.
func (m *CertMatch) matches(leaf *x509.Certificate, inter *x509.CertPool) bool {
	if m.Roots == nil {
		return false
	}
	if m.Subject != "" && leaf.Subject.CommonName != m.Subject {
		return false
	}
	if m.SAN != "" && !hasSAN(leaf, m.SAN) {
		return false
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         m.Roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	return err == nil
}

// hasSAN tells whether cert's subjectAltName holds name.
func hasSAN(cert *x509.Certificate, name string) bool {
	for _, d := range cert.DNSNames {
		if strings.EqualFold(strings.TrimSuffix(d, "."), strings.TrimSuffix(name, ".")) {
			return true
		}
	}
	if ip := net.ParseIP(name); ip != nil {
		for _, a := range cert.IPAddresses {
			if a.Equal(ip) {
				return true
			}
		}
	}
	for _, u := range cert.URIs {
		if u.String() == name {
			return true
		}
	}
	return slices.Contains(cert.EmailAddresses, name)
}
