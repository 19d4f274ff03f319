// Package ratelimit is a token bucket per key (a client address, a user
// name) with a bounded table: burst requests at once, then one every
// interval.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter is a token bucket per key. It remembers at most maxKeys keys;
// beyond that it forgets the keys whose bucket is full again, and refuses
// new keys while none is.
type Limiter[K comparable] struct {
	mu       sync.Mutex
	buckets  map[K]*bucket
	burst    float64
	interval time.Duration
	maxKeys  int
	now      func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter allowing burst at once and perMinute a minute
// per key; now is the clock (time.Now when nil).
func New[K comparable](perMinute, burst, maxKeys int, now func() time.Time) *Limiter[K] {
	if now == nil {
		now = time.Now
	}
	return &Limiter[K]{buckets: make(map[K]*bucket), burst: float64(burst),
		interval: time.Minute / time.Duration(max(perMinute, 1)), maxKeys: maxKeys, now: now}
}

// Allow takes a token for key; false when its bucket is empty (or the
// table is full of busy keys).
func (l *Limiter[K]) Allow(key K) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys && !l.forgetIdle(now) {
			return false
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// forgetIdle drops the keys whose bucket has refilled; it tells whether
// there is room now.
func (l *Limiter[K]) forgetIdle(now time.Time) bool {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.interval) >= l.burst {
			delete(l.buckets, k)
		}
	}
	return len(l.buckets) < l.maxKeys
}
