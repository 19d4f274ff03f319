package actors

import "time"

// circuit is a provider's breaker: closed (sending), open (refusing until
// the pause is over) and half-open (one trial send decides). It is owned by
// one provider actor, so it needs no lock.
type circuit struct {
	open     bool
	openedAt time.Time
	failures int  // consecutive failures while closed
	trial    bool // a trial send is in flight (half-open)
}

type circuitChange int

const (
	circuitSame circuitChange = iota
	circuitOpened
	circuitClosed
)

// admit says whether a send may go now and whether it is the trial send.
func (c *circuit) admit(now time.Time, pause time.Duration) (trial, ok bool) {
	switch {
	case !c.open:
		return false, true
	case c.trial || now.Sub(c.openedAt) < pause:
		return false, false
	}
	c.trial = true
	return true, true
}

// release gives back a trial slot that was not used.
func (c *circuit) release(trial bool) {
	if trial {
		c.trial = false
	}
}

// record counts a finished send.
func (c *circuit) record(failed, trial bool, now time.Time, threshold int) circuitChange {
	if trial {
		c.trial = false
		if failed {
			c.openedAt = now
			return circuitSame
		}
		c.open, c.failures = false, 0
		return circuitClosed
	}
	if !failed {
		c.failures = 0
		return circuitSame
	}
	c.failures++
	if !c.open && c.failures >= threshold {
		c.open, c.openedAt = true, now
		return circuitOpened
	}
	return circuitSame
}

// bucket is a token-bucket rate limit; rate 0 means unlimited.
type bucket struct {
	rate, size, tokens float64
	last               time.Time
}

func (b *bucket) take(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	if !b.last.IsZero() {
		b.tokens = min(b.size, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
