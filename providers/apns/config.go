package apns

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/certificate"
	"github.com/sideshow/apns2/token"
	"golang.org/x/crypto/pkcs12"

	"github.com/pushauth/pushauth/providers"
)

// Config configures the APNs provider. Use token auth (KeyFile, KeyID,
// TeamID) or certificate auth (CertFile, CertPassword), not both.
type Config struct {
	Topic       string // the app's bundle id, sent as apns-topic (required)
	Environment string // "production" (default) or "sandbox"
	URL         string // overrides the APNs host (private gateway, tests): https://host[:port]

	// Token auth (preferred): the .p8 key (PKCS#8 PEM, ECDSA P-256) and the
	// 10-character Key ID and Team ID from the Apple developer account.
	KeyFile, KeyID, TeamID string

	// Certificate auth: a .p12 (PKCS#12, optionally with password) or a .pem
	// holding the certificate and its private key.
	CertFile, CertPassword string

	// CAFile is an extra trusted CA (PEM) for URL; optional.
	CAFile string
}

// FieldError is one configuration problem. Field is the key name in the
// provider's config section (topic, environment, url, key_file, key_id,
// team_id, cert_file, cert_password, ca_file).
type FieldError = providers.FieldError

// Validate returns every problem in c, each a *FieldError. It reads and
// parses the key, certificate and CA files.
func Validate(c Config) []error {
	_, errs := load(c)
	return errs
}

// loaded is a validated Config with its files parsed.
type loaded struct {
	host  string
	key   *ecdsa.PrivateKey // token auth
	cert  *tls.Certificate  // certificate auth
	roots *x509.CertPool    // nil: system roots
}

func load(c Config) (*loaded, []error) {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Err: fmt.Errorf(format, a...)})
	}
	l := &loaded{}

	switch {
	case c.Topic == "":
		bad("topic", "missing: set the app's bundle id")
	case strings.ContainsAny(c.Topic, " \t\r\n/"):
		bad("topic", "%q is not a bundle id", c.Topic)
	}
	switch c.Environment {
	case "", "production":
		l.host = apns2.HostProduction
	case "sandbox":
		l.host = apns2.HostDevelopment
	default:
		bad("environment", "%q is not \"production\" or \"sandbox\"", c.Environment)
	}
	if c.URL != "" {
		if h, err := checkURL(c.URL); err != nil {
			bad("url", "%v", err)
		} else {
			l.host = h
		}
	}

	tokenAuth := c.KeyFile != "" || c.KeyID != "" || c.TeamID != ""
	certAuth := c.CertFile != "" || c.CertPassword != ""
	switch {
	case tokenAuth && certAuth:
		bad("key_file", "both token auth (key_file, key_id, team_id) and certificate auth (cert_file) are set: use one")
	case !tokenAuth && !certAuth:
		bad("key_file", "no credentials: set key_file, key_id and team_id (token auth) or cert_file (certificate auth)")
	case tokenAuth:
		if c.KeyFile == "" {
			bad("key_file", "missing: token auth needs the .p8 key file")
		} else if k, err := loadKey(c.KeyFile); err != nil {
			bad("key_file", "%v", err)
		} else {
			l.key = k
		}
		checkID(bad, "key_id", c.KeyID)
		checkID(bad, "team_id", c.TeamID)
	case c.CertFile == "":
		bad("cert_file", "missing: cert_password is set but cert_file is not")
	default:
		if crt, err := loadCert(c.CertFile, c.CertPassword); err != nil {
			bad("cert_file", "%v", err)
		} else {
			l.cert = crt
		}
	}

	if c.CAFile != "" {
		if pool, err := providers.CertPool(c.CAFile); err != nil {
			bad("ca_file", "%v", err)
		} else {
			l.roots = pool
		}
	}
	return l, errs
}

func checkURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not a URL like https://host[:port]", s)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("%q: scheme must be https (APNs speaks HTTP/2 over TLS)", s)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q: give only https://host[:port], no path, query or user", s)
	}
	return "https://" + u.Host, nil
}

func checkID(bad func(string, string, ...any), field, v string) {
	if v == "" {
		bad(field, "missing: token auth needs it (10 characters, from the Apple developer account)")
		return
	}
	for _, r := range v {
		if !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			bad(field, "%q: only letters and digits allowed", v)
			return
		}
	}
}

func loadKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	k, err := token.AuthKeyFromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s is not a .p8 key (PKCS#8 PEM, ECDSA P-256): %w", path, err)
	}
	if k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: key is not on curve P-256 (ES256)", path)
	}
	return k, nil
}

func loadCert(path, password string) (*tls.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	var crt tls.Certificate
	if bytes.Contains(b, []byte("-----BEGIN")) {
		crt, err = certificate.FromPemBytes(b, password)
		if errors.Is(err, certificate.ErrFailedToDecryptKey) {
			return nil, fmt.Errorf("%s: cannot decrypt the private key: wrong cert_password", path)
		}
	} else {
		crt, err = certificate.FromP12Bytes(b, password)
		var ni pkcs12.NotImplementedError
		switch {
		case errors.Is(err, pkcs12.ErrIncorrectPassword):
			return nil, fmt.Errorf("%s: wrong cert_password", path)
		case errors.As(err, &ni):
			return nil, fmt.Errorf("%s: unsupported .p12 encryption (%v): export it again with the legacy "+
				"algorithms (openssl pkcs12 -export -legacy) or use a .pem", path, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not a .p12 or .pem certificate with its private key: %w", path, err)
	}
	if crt.Leaf == nil {
		if crt.Leaf, err = x509.ParseCertificate(crt.Certificate[0]); err != nil {
			return nil, fmt.Errorf("%s: certificate does not parse: %w", path, err)
		}
	}
	if now := time.Now(); now.After(crt.Leaf.NotAfter) {
		return nil, fmt.Errorf("%s: certificate expired on %s", path, crt.Leaf.NotAfter.UTC().Format(time.DateOnly))
	}
	return &crt, nil
}
