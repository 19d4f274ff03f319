// Package connlimit keeps one remote host from using up a server's
// connections: PerAddress wraps a net.Listener so that each remote address
// (an IPv4 address, or an IPv6 /64, what one host or one subscriber
// holds) has at most a fixed number of connections open at once, and
// closes the ones over that cap the moment they are accepted. Budget and
// OpenFiles size the caps from the process's descriptor limit
// (RLIMIT_NOFILE), keeping a reserve for everything else a server opens.
package connlimit

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// warnEvery rate-limits the "connection refused" warning.
const warnEvery = 10 * time.Second

// ipv6Bits is the prefix an IPv6 client is counted by: a host or a
// subscriber is given a whole /64, so counting single addresses would let
// it open as many connections as it likes.
const ipv6Bits = 64

// Options configure PerAddress.
type Options struct {
	// PerAddress caps the connections open at once from one remote
	// address; 0 or less turns the cap off.
	PerAddress int
	// Exempt, when set, names addresses that are not capped (trusted
	// reverse proxies, which carry many clients on their connections).
	Exempt func(netip.Addr) bool
	// Refused, when set, is called for every connection refused (a
	// metric's Inc).
	Refused func()
	// Log gets a warning, at most once per 10 s, when connections are
	// refused: the listener, the last address refused and how many were
	// refused since the previous warning.
	Log zerolog.Logger
}

// Listener is a net.Listener that holds at most Options.PerAddress
// connections from each remote address.
type Listener struct {
	net.Listener
	opts Options

	mu   sync.Mutex
	open map[netip.Prefix]int // connections open per address; no zero entries

	refused      atomic.Uint64
	unlogged     atomic.Uint64 // refused since the last warning
	lastWarnNano atomic.Int64
}

// PerAddress wraps ln with the per-address cap of o.
func PerAddress(ln net.Listener, o Options) *Listener {
	return &Listener{Listener: ln, opts: o, open: map[netip.Prefix]int{}}
}

// Accept returns the next connection whose address is under its cap;
// connections over it are closed at once and never returned.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, ok := l.capped(c.RemoteAddr())
		if !ok {
			return c, nil
		}
		if l.take(key) {
			return Releasing(c, func() { l.give(key) }), nil
		}
		l.refuse(c, key)
	}
}

// capped returns the key a connection from remote is counted under, and
// false when it is not counted: no cap, not an IP address, or exempt.
func (l *Listener) capped(remote net.Addr) (netip.Prefix, bool) {
	if l.opts.PerAddress <= 0 {
		return netip.Prefix{}, false
	}
	tcp, ok := remote.(*net.TCPAddr)
	if !ok {
		return netip.Prefix{}, false
	}
	addr, ok := netip.AddrFromSlice(tcp.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	if l.opts.Exempt != nil && l.opts.Exempt(addr) {
		return netip.Prefix{}, false
	}
	return key(addr), true
}

// key is the prefix addr is counted under: the address itself for IPv4,
// its /64 for IPv6.
func key(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	bits := addr.BitLen()
	if addr.Is6() {
		bits = ipv6Bits
	}
	p, _ := addr.Prefix(bits)
	return p
}

// take counts one more connection from key, unless it is at its cap.
func (l *Listener) take(key netip.Prefix) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.opts.PerAddress {
		return false
	}
	l.open[key]++
	return true
}

// give counts one connection from key fewer.
func (l *Listener) give(key netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] <= 1 {
		delete(l.open, key)
		return
	}
	l.open[key]--
}

// refuse closes c at once (a reset: the socket keeps nothing in
// TIME_WAIT), counts it and warns, rate-limited.
func (l *Listener) refuse(c net.Conn, key netip.Prefix) {
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // best effort: a plain close is fine too
	}
	_ = c.Close() // nothing to do if it fails: the peer is being dropped
	l.refused.Add(1)
	l.unlogged.Add(1)
	if l.opts.Refused != nil {
		l.opts.Refused()
	}
	l.warn(key)
}

// warn logs that connections were refused, at most once per warnEvery.
func (l *Listener) warn(key netip.Prefix) {
	now := time.Now().UnixNano()
	last := l.lastWarnNano.Load()
	if now-last < int64(warnEvery) || !l.lastWarnNano.CompareAndSwap(last, now) {
		return
	}
	remote := key.Addr().String()
	if key.Addr().Is6() {
		remote = key.String()
	}
	l.opts.Log.Warn().Str("listen", l.Addr().String()).Str("remote", remote).
		Int("max_conns_per_address", l.opts.PerAddress).Uint64("refused", l.unlogged.Swap(0)).
		Uint64("refused_total", l.refused.Load()).
		Msg("connections over the per-address cap closed")
}

// Releasing wraps c so that closing it also calls release (once): how a
// capped listener gets its slot back. Listeners that count connections
// share it.
func Releasing(c net.Conn, release func()) net.Conn {
	return &conn{Conn: c, release: sync.OnceFunc(release)}
}

// conn gives its slot back when closed.
type conn struct {
	net.Conn
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// CloseWrite half-closes the connection when it can (net/http uses it to
// let a client read an error response before the connection closes).
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
