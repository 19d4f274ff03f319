package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Prefix returns the client's address as a prefix: a bare IP becomes a /32
// (IPv4) or /128 (IPv6) prefix. It is parsed once at load time; for a
// Client built by hand it parses Address, and returns the zero (invalid)
// Prefix when Address does not parse.
func (c Client) Prefix() netip.Prefix {
	if c.prefix.IsValid() {
		return c.prefix
	}
	p, err := ParseAddress(c.Address)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// ParseAddress parses a client address: an IP ("192.0.2.7", "2001:db8::1")
// or a CIDR ("192.0.2.0/24"). Host bits of a CIDR are cleared, an
// IPv4-mapped IPv6 address becomes IPv4, and zones are refused.
func ParseAddress(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, errors.New("not an IP address or CIDR")
		}
		return unmapPrefix(p).Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, errors.New("not an IP address or CIDR")
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("IPv6 zones are not supported")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// unmapPrefix turns ::ffff:a.b.c.d/n (n >= 96) into a.b.c.d/(n-96).
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if !p.Addr().Is4In6() || p.Bits() < 96 {
		return p
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
}

// checkListen validates a listen address "host:port". The host may be
// empty (all interfaces), an IP or a host name; the port must be numeric
// 0..65535 (0 picks a free port).
func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("want host:port")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q must be a number 0..65535", port)
	}
	if host == "" || validHostname(host) {
		return nil
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Errorf("host %q is not an IP address or host name", host)
	}
	return nil
}

// validHostname reports whether s is a syntactically valid DNS name whose
// last label is not all digits (so "999.1.1.1" is not a name).
func validHostname(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(s, "."), ".")
	for _, l := range labels {
		if !validLabel(l) {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// validLabel reports whether l is a DNS label: 1..63 letters, digits and
// inner hyphens.
func validLabel(l string) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		ok := r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}
