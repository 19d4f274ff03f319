package config

import (
	"crypto/tls"
	"fmt"
	"math"
	"time"
)

// RadSec defaults (radius.tls).
const (
	DefaultRadSecListen           = "127.0.0.1:2083" // RFC 6614 §2.3: TCP port 2083
	DefaultRadSecSecret           = "radsec"         // RFC 6614 §2.3
	DefaultRadSecIdleTimeout      = 120 * time.Second
	DefaultRadSecHandshakeTimeout = 10 * time.Second
	DefaultRadSecMaxConns         = 1024
	DefaultRadSecMaxConnsPerAddr  = 16
)

// RadSec is RADIUS over TLS (RFC 6614), `radius.tls`: a TCP listener whose
// clients authenticate with certificates. Off unless enabled.
type RadSec struct {
	Enabled  bool
	Listen   string // default 127.0.0.1:2083
	CertFile string // the server's certificate and key (required when enabled)
	KeyFile  string
	// CAFile verifies the certificates of clients without a tls_ca_file
	// of their own.
	CAFile string
	// MinVersion is tls.VersionTLS12 (default, `min_version: "1.2"`) or
	// tls.VersionTLS13.
	MinVersion uint16
	// IdleTimeout closes a connection with nothing sent and nothing in
	// processing for this long (default 120s).
	IdleTimeout time.Duration
	// HandshakeTimeout bounds a connection's TLS handshake (default 10s).
	HandshakeTimeout time.Duration
	// MaxConnections caps the connections open at once (default 1024);
	// MaxConnectionsPerAddress those from one address, an IPv6 /64
	// (default 16; 0 turns it off).
	MaxConnections           int
	MaxConnectionsPerAddress int
}

// IsTLS tells whether the client connects over RadSec: it is identified
// by its certificate (tls_subject, tls_san or tls_ca_file) and is never
// accepted over UDP.
func (c Client) IsTLS() bool {
	return c.TLSSubject != "" || c.TLSSAN != "" || c.TLSCAFile != ""
}

// radSec decodes `radius.tls`.
func (d *decoder) radSec(v any) RadSec {
	const path = "radius.tls"
	m := d.object(v, path, "enabled", "listen", "cert_file", "key_file", "ca_file", "min_version",
		"idle_timeout", "handshake_timeout", "max_connections", "max_connections_per_address")
	t := RadSec{
		Enabled:                  d.boolean(m, path, "enabled", false),
		Listen:                   d.listen(m, path, "listen", DefaultRadSecListen),
		CertFile:                 d.str(m, path, "cert_file", ""),
		KeyFile:                  d.str(m, path, "key_file", ""),
		CAFile:                   d.str(m, path, "ca_file", ""),
		IdleTimeout:              d.duration(m, path, "idle_timeout", DefaultRadSecIdleTimeout),
		HandshakeTimeout:         d.duration(m, path, "handshake_timeout", DefaultRadSecHandshakeTimeout),
		MaxConnections:           int(d.integer(m, path, "max_connections", DefaultRadSecMaxConns, 1, math.MaxInt32)),
		MaxConnectionsPerAddress: int(d.integer(m, path, "max_connections_per_address", DefaultRadSecMaxConnsPerAddr, 0, math.MaxInt32)),
		MinVersion:               tls.VersionTLS12,
	}
	if d.oneOf(m, path, "min_version", "1.2", "1.2", "1.3") == "1.3" {
		t.MinVersion = tls.VersionTLS13
	}
	if !t.Enabled {
		return t
	}
	for key, val := range map[string]string{"cert_file": t.CertFile, "key_file": t.KeyFile} {
		if val == "" {
			d.errorf(join(path, key), "required when radius.tls.enabled is true (the server's certificate and key, PEM)")
		}
	}
	d.caFile(join(path, "ca_file"), t.CAFile)
	return t
}

// tlsClientKeys decodes a client's certificate match (tls_subject,
// tls_san, tls_ca_file) into c.
func (d *decoder) tlsClientKeys(m map[string]any, path string, c *Client) {
	c.TLSSubject = d.str(m, path, "tls_subject", "")
	c.TLSSAN = d.str(m, path, "tls_san", "")
	c.TLSCAFile = d.str(m, path, "tls_ca_file", "")
	d.caFile(join(path, "tls_ca_file"), c.TLSCAFile)
}

// checkRadSec ties radius.tls to the clients: RadSec clients need the
// listener, each a CA to verify against, and no two the same match; an
// enabled listener with no RadSec client could accept nobody.
func (d *decoder) checkRadSec(r Radius) {
	seen := map[[3]string]int{}
	n := 0
	for i, c := range r.Clients {
		if !c.IsTLS() {
			continue
		}
		n++
		key := fmt.Sprintf("radius.clients[%d]", i)
		if c.TLSCAFile == "" && r.TLS.CAFile == "" && r.TLS.Enabled {
			d.errorf(key+".tls_subject", "client %q has no CA to verify its certificate: set its tls_ca_file or radius.tls.ca_file", c.Name)
		}
		match := [3]string{c.TLSSubject, c.TLSSAN, c.TLSCAFile}
		if first, dup := seen[match]; dup {
			d.errorf(key, "client %q matches the same certificates as radius.clients[%d] (tls_subject, tls_san and tls_ca_file all equal)", c.Name, first)
		}
		seen[match] = i
	}
	switch {
	case n > 0 && !r.TLS.Enabled:
		d.warn("radius.tls.enabled", false, fmt.Sprintf("%d client(s) have tls_subject, tls_san or tls_ca_file but RadSec is off: they cannot connect", n))
	case n == 0 && r.TLS.Enabled:
		d.errorf("radius.tls.enabled", "RadSec is on but no client in radius.clients has tls_subject, tls_san or tls_ca_file: no certificate would be accepted")
	}
}
