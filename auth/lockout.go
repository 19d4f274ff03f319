package auth

import (
	"time"

	"github.com/pushauth/pushauth/store"
)

// Lockout's fixed parts (SPEC S2.9): how long the back-off may grow, and
// after how long without a failure a user's count is forgotten.
const (
	LockoutCeiling = time.Hour
	LockoutForget  = 24 * time.Hour
)

// Lockout is the rule that counts a user's failed attempts and locks the
// user (SPEC S2.9). The first Failures failures are free; the failure that
// reaches Failures locks the user for Base, and every further one doubles
// the lock, up to Ceiling (or Base, when Base is longer). While locked, no
// secret of the user is checked and nothing is counted. A failure more than
// Forget after the last one starts the count again.
type Lockout struct {
	Failures int           // failures before the first lock; 0 never locks
	Base     time.Duration // the first lock
	Ceiling  time.Duration
	Forget   time.Duration
}

// LockoutOf is the lockout rule of policy p.
func LockoutOf(p store.Policy) Lockout {
	return Lockout{
		Failures: p.LockoutFailures,
		Base:     time.Duration(p.LockoutSeconds) * time.Second,
		Ceiling:  LockoutCeiling,
		Forget:   LockoutForget,
	}
}

// Next returns c after one more failure at now, or store.ErrLocked when c
// is locked at now (nothing is counted then).
func (r Lockout) Next(c store.LoginCounter, now time.Time) (store.LoginCounter, error) {
	if c.Locked(now) {
		return c, store.ErrLocked
	}
	if !c.LastFailure.IsZero() && now.Sub(c.LastFailure) > r.Forget {
		c.Failures = 0
	}
	c.Failures++
	c.LastFailure = now
	if lock := r.lockFor(c.Failures); lock > 0 {
		c.LockedUntil = now.Add(lock)
	}
	return c, nil
}

// lockFor is how long the failures-th failure locks the user: 0 below the
// threshold, then Base doubled for every failure past it, at most
// max(Ceiling, Base).
func (r Lockout) lockFor(failures int) time.Duration {
	if r.Failures <= 0 || failures < r.Failures || r.Base <= 0 {
		return 0
	}
	ceiling := max(r.Ceiling, r.Base)
	lock := r.Base
	for i := r.Failures; i < failures && lock < ceiling; i++ {
		lock *= 2
	}
	return min(lock, ceiling)
}

// Count is Next at now, as the store.NextCounter of store.RecordFailure.
func (r Lockout) Count(now time.Time) store.NextCounter {
	return func(c store.LoginCounter) (store.LoginCounter, error) { return r.Next(c, now) }
}
