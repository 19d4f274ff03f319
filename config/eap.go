package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// EAP methods (`eap.methods`).
const (
	EAPMethodPEAP = "peap"
	EAPMethodTTLS = "ttls"
)

// EAP defaults.
const (
	DefaultEAPFragmentSize = 1024
	MinEAPFragmentSize     = 64
	MaxEAPFragmentSize     = 3000
	// DefaultEAPMaxMemoryMiB bounds the memory of a node's EAP
	// conversations (`eap.max_memory_mib`); see eapconv.DefaultMaxMemory.
	DefaultEAPMaxMemoryMiB = 256
	MinEAPMaxMemoryMiB     = 16
	MaxEAPMaxMemoryMiB     = 1 << 20
)

// EAP configures network logins over EAP (SPEC S8): PEAPv0/EAP-GTC,
// EAP-TTLS/PAP and EAP-TTLS/EAP-GTC for clients of kind eap. Without
// cert_file EAP is off: requests carrying EAP-Message are rejected.
type EAP struct {
	// CertFile is the PEM server certificate (chain) supplicants validate;
	// KeyFile its PEM private key. Both or neither.
	CertFile string
	KeyFile  string
	// Methods are the outer methods offered, most preferred first
	// (default peap, ttls); a supplicant's Nak may pick another listed one.
	Methods []string
	// FragmentSize is the most TLS data per EAP-Request (64..3000,
	// default 1024).
	FragmentSize int
	// TLSMinVersion is "1.2" (default) or "1.3".
	TLSMinVersion string
	// MaxMemoryMiB bounds, by estimate, the memory the node's EAP
	// conversations hold (default 256); beyond it new conversations get
	// Access-Reject with EAP-Failure.
	MaxMemoryMiB int
}

// Enabled tells whether EAP is configured.
func (e EAP) Enabled() bool { return e.CertFile != "" }

// TLSMinVersionID is TLSMinVersion as a crypto/tls version.
func (e EAP) TLSMinVersionID() uint16 {
	if e.TLSMinVersion == "1.3" {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}

// eap decodes the optional `eap` section.
func (d *decoder) eap(v any) EAP {
	const path = "eap"
	m := d.object(v, path, "cert_file", "key_file", "methods", "fragment_size", "tls_min_version", "max_memory_mib")
	if m == nil {
		return EAP{MaxMemoryMiB: DefaultEAPMaxMemoryMiB}
	}
	e := EAP{
		CertFile:      d.str(m, path, "cert_file", ""),
		KeyFile:       d.str(m, path, "key_file", ""),
		Methods:       d.eapMethods(m, path),
		FragmentSize:  int(d.integer(m, path, "fragment_size", DefaultEAPFragmentSize, MinEAPFragmentSize, MaxEAPFragmentSize)),
		TLSMinVersion: d.oneOf(m, path, "tls_min_version", "1.2", "1.2", "1.3"),
		MaxMemoryMiB:  int(d.integer(m, path, "max_memory_mib", DefaultEAPMaxMemoryMiB, MinEAPMaxMemoryMiB, MaxEAPMaxMemoryMiB)),
	}
	switch {
	case e.CertFile != "" && e.KeyFile == "":
		d.errorf(path+".key_file", "required when eap.cert_file is set")
	case e.CertFile == "" && e.KeyFile != "":
		d.errorf(path+".cert_file", "required when eap.key_file is set")
	}
	return e
}

// eapMethods reads `eap.methods`: a non-empty list of peap and ttls
// without repeats.
func (d *decoder) eapMethods(m map[string]any, path string) []string {
	def := []string{EAPMethodPEAP, EAPMethodTTLS}
	v, ok := lookup(m, "methods")
	if !ok {
		return def
	}
	key := path + ".methods"
	list, isList := v.([]any)
	if !isList || len(list) == 0 {
		d.errorf(key, "must be a non-empty list of %s and %s, got %s", EAPMethodPEAP, EAPMethodTTLS, display(v))
		return def
	}
	var out []string
	for i, item := range list {
		s, _ := item.(string)
		switch {
		case s != EAPMethodPEAP && s != EAPMethodTTLS:
			d.errorf(fmt.Sprintf("%s[%d]", key, i), "invalid value %s: want %s or %s", display(item), EAPMethodPEAP, EAPMethodTTLS)
		case slices.Contains(out, s):
			d.errorf(fmt.Sprintf("%s[%d]", key, i), "%s is listed twice", s)
		default:
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return def
	}
	return out
}

// LoadEAPCertificate loads the EAP certificate and key and returns
// warnings about the certificate: it expires within 30 days of now (or
// has expired), or its extended key usage does not allow server
// authentication (Windows and Apple supplicants refuse such a
// certificate).
func LoadEAPCertificate(e EAP, now time.Time) (tls.Certificate, []string, error) {
	cert, fe := loadKeyPair(source{}, "eap", e.CertFile, e.KeyFile)
	if fe != nil {
		return tls.Certificate{}, nil, errors.New(fe.String())
	}
	var warns []string
	for _, w := range certWarnings(cert, now) {
		warns = append(warns, "eap.cert_file: "+w)
	}
	return cert, warns, nil
}

// serverAuth tells whether the certificate may authenticate a TLS server.
func serverAuth(c *x509.Certificate) bool {
	return slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) ||
		slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny)
}
