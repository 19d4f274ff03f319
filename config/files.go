package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"time"
)

// CertWarnBefore is how long before a certificate's expiry
// --check-config warns about it.
const CertWarnBefore = 30 * 24 * time.Hour

// CheckFiles loads the certificate and key files that loading itself
// does not read (device_api, eap, radius.tls, cluster.tls) and returns one problem per
// file that does not load, at its key (its file, line and column), and
// warnings about certificates that expire within 30 days or lack the
// server-auth extended key usage. pushauthd --check-config and the start
// run it; the push providers' files are checked by their packages.
func (c *Config) CheckFiles(now time.Time) ([]FieldError, []Warning) {
	var errs []FieldError
	var warns []Warning
	pair := func(section, certFile, keyFile string, serverCert bool) {
		if certFile == "" || keyFile == "" {
			return
		}
		cert, fe := loadKeyPair(c.source, section, certFile, keyFile)
		if fe != nil {
			errs = append(errs, *fe)
			return
		}
		if !serverCert {
			return
		}
		for _, msg := range certWarnings(cert, now) {
			warns = append(warns, c.Caution(section+".cert_file", "", msg))
		}
	}
	pair("device_api", c.DeviceAPI.CertFile, c.DeviceAPI.KeyFile, true)
	pair("eap", c.EAP.CertFile, c.EAP.KeyFile, true)
	if c.Radius.TLS.Enabled {
		pair("radius.tls", c.Radius.TLS.CertFile, c.Radius.TLS.KeyFile, true)
		errs = append(errs, c.radSecCAProblems()...)
	}
	if c.Cluster.Enabled {
		pair("cluster.tls", c.Cluster.TLS.CertFile, c.Cluster.TLS.KeyFile, false)
		if f := c.Cluster.TLS.CAFile; f != "" {
			if err := checkCAFile(f); err != nil {
				errs = append(errs, c.Problem("cluster.tls.ca_file", err.Error()))
			}
		}
	}
	return errs, warns
}

// loadKeyPair loads the certificate and key files named by
// section.cert_file and section.key_file, with errors that say which file
// is wrong and how: unreadable, no PEM certificate or key, a certificate
// where the key belongs (or the other way round), a key that does not
// match the certificate.
func loadKeyPair(src source, section, certFile, keyFile string) (tls.Certificate, *FieldError) {
	certKey, keyKey := section+".cert_file", section+".key_file"
	fail := func(key, format string, args ...any) (tls.Certificate, *FieldError) {
		fe := src.fieldError(key, fmt.Sprintf(format, args...))
		return tls.Certificate{}, &fe
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return fail(certKey, "cannot read the certificate: %v", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return fail(keyKey, "cannot read the private key: %v", err)
	}
	certHas, keyHas := pemKinds(certPEM), pemKinds(keyPEM)
	switch {
	case !certHas.cert && certHas.key:
		return fail(certKey, "cert_file holds a private key, not a certificate (%s); are cert_file and key_file swapped?", certFile)
	case !certHas.cert:
		return fail(certKey, "no PEM certificate in %s", certFile)
	case !keyHas.key && keyHas.cert:
		return fail(keyKey, "key_file holds a certificate, not a private key (%s); set it to the certificate's PEM private key", keyFile)
	case !keyHas.key:
		return fail(keyKey, "no PEM private key in %s", keyFile)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fail(keyKey, "%s and %s do not make a key pair: %v", keyFile, certFile, strings.TrimPrefix(err.Error(), "tls: "))
	}
	return cert, nil
}

// pemContents says which kinds of PEM block a file holds.
type pemContents struct{ cert, key bool }

func pemKinds(b []byte) pemContents {
	var out pemContents
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return out
		}
		switch {
		case block.Type == "CERTIFICATE":
			out.cert = true
		case block.Type == "PRIVATE KEY" || strings.HasSuffix(block.Type, " PRIVATE KEY"):
			out.key = true
		}
	}
}

// certWarnings are about a server certificate: it expired or expires
// within CertWarnBefore, or it lacks the server-auth extended key usage
// (Windows and Apple clients refuse such a certificate).
func certWarnings(cert tls.Certificate, now time.Time) []string {
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return []string{fmt.Sprintf("cannot parse the certificate: %v", err)}
	}
	var warns []string
	switch {
	case now.After(leaf.NotAfter):
		warns = append(warns, fmt.Sprintf("the certificate expired on %s", leaf.NotAfter.UTC().Format(time.DateOnly)))
	case now.Add(CertWarnBefore).After(leaf.NotAfter):
		warns = append(warns, fmt.Sprintf("the certificate expires on %s, within 30 days", leaf.NotAfter.UTC().Format(time.DateOnly)))
	}
	if !serverAuth(leaf) {
		warns = append(warns, "the certificate lacks the server-auth extended key usage (1.3.6.1.5.5.7.3.1); Windows and Apple clients refuse it")
	}
	return warns
}

// checkCAFile checks that file holds at least one PEM certificate.
func checkCAFile(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("cannot read CA file: %w", err)
	}
	if !bytes.Contains(b, []byte("-----BEGIN CERTIFICATE-----")) || !x509.NewCertPool().AppendCertsFromPEM(b) {
		return fmt.Errorf("no PEM certificate in %s", file)
	}
	return nil
}

// radSecCAProblems checks the CA files RadSec verifies clients with.
func (c *Config) radSecCAProblems() []FieldError {
	var errs []FieldError
	check := func(key, file string) {
		if file == "" {
			return
		}
		if err := checkCAFile(file); err != nil {
			errs = append(errs, c.Problem(key, err.Error()))
		}
	}
	check("radius.tls.ca_file", c.Radius.TLS.CAFile)
	for i, cl := range c.Radius.Clients {
		check(fmt.Sprintf("radius.clients[%d].tls_ca_file", i), cl.TLSCAFile)
	}
	return errs
}
