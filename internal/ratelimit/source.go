package ratelimit

import (
	"net"
	"net/netip"
)

// Source is the key of an HTTP peer's address (a request's RemoteAddr,
// "host:port"): an IPv4 address, or an IPv6 address's /64, as
// internal/connlimit counts connections (one machine, or one customer's
// network, is one source). The zero Addr when the address cannot be read.
func Source(remoteAddr string) netip.Addr {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}
