package actors

import (
	"sync"
	"time"
)

// pushLimiter caps pushes per user per minute (push-bombing guard). It is a
// plain locked map rather than an actor because every check is a few
// nanoseconds of memory work shared by all logins of a user.
type pushLimiter struct {
	mu          sync.Mutex
	sent        map[string][]time.Time
	suspensions map[string]time.Time // user → end of a "this wasn't me" suspension
	calls       int
}

func newPushLimiter() *pushLimiter {
	return &pushLimiter{sent: make(map[string][]time.Time), suspensions: make(map[string]time.Time)}
}

// allow records a push for user if fewer than perMinute were sent in the
// last minute; perMinute <= 0 means no cap. stored is the count the store
// holds for the last minute (pushes from before a restart or from other
// nodes); the larger of the two counts applies.
func (l *pushLimiter) allow(user string, perMinute int, now time.Time, stored int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%4096 == 0 {
		l.pruneLocked(now)
	}
	recent := keepSince(l.sent[user], now.Add(-time.Minute))
	if perMinute > 0 && max(len(recent), stored) >= perMinute {
		l.sent[user] = recent
		return false
	}
	l.sent[user] = append(recent, now)
	return true
}

func (l *pushLimiter) pruneLocked(now time.Time) {
	for u, ts := range l.sent {
		if recent := keepSince(ts, now.Add(-time.Minute)); len(recent) == 0 {
			delete(l.sent, u)
		} else {
			l.sent[u] = recent
		}
	}
}

func keepSince(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

// suspend stops pushes to user until the given time (SPEC S5.4).
func (l *pushLimiter) suspend(user string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.suspensions[user]) {
		l.suspensions[user] = until
	}
}

// suspended tells whether pushes to user are suspended now.
func (l *pushLimiter) suspended(user string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.suspensions[user]
	if ok && !now.Before(until) {
		delete(l.suspensions, user)
		return false
	}
	return ok
}
