package main

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// limiter is a token bucket per client address: burst requests at once,
// then one every interval. It remembers at most maxAddrs addresses;
// beyond that it forgets the ones whose bucket is full again.
type limiter struct {
	mu       sync.Mutex
	buckets  map[netip.Addr]*bucket
	burst    float64
	interval time.Duration
	maxAddrs int
	now      func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(perMinute, burst, maxAddrs int, now func() time.Time) *limiter {
	return &limiter{buckets: make(map[netip.Addr]*bucket), burst: float64(burst),
		interval: time.Minute / time.Duration(perMinute), maxAddrs: maxAddrs, now: now}
}

// allow takes a token for addr; false when its bucket is empty (or the
// table is full of busy addresses).
func (l *limiter) allow(addr netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[addr]
	if !ok {
		if len(l.buckets) >= l.maxAddrs && !l.forgetIdle(now) {
			return false
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[addr] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// forgetIdle drops the addresses whose bucket has refilled; it tells
// whether there is room now.
func (l *limiter) forgetIdle(now time.Time) bool {
	for a, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.interval) >= l.burst {
			delete(l.buckets, a)
		}
	}
	return len(l.buckets) < l.maxAddrs
}

// clientAddr is the browser's address: the peer's, or, when the peer is a
// trusted reverse proxy, the nearest untrusted address in
// X-Forwarded-For.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	addr = addr.Unmap()
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0 && isTrusted(addr, trusted); i-- {
		next, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = next.Unmap()
	}
	return addr
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
