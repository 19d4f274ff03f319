package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/pushauth/pushauth/store"
)

// guessesIn counts the wrong attempts one attacker gets through r in d,
// trying again the moment the lock ends.
func guessesIn(r Lockout, d time.Duration) int {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var c store.LoginCounter
	n := 0
	for now := start; now.Before(start.Add(d)); {
		next, err := r.Next(c, now)
		if err != nil {
			now = c.LockedUntil
			continue
		}
		c = next
		n++
	}
	return n
}

// SPEC S2.9: the guess budget behaviour.md states, under the default
// policy (5 failures, 300 s): 31 wrong codes in the first 24 hours, then 24
// a day while the guessing goes on.
func TestLockoutGuessBudget(t *testing.T) {
	r := LockoutOf(store.DefaultPolicy())
	if got := guessesIn(r, 24*time.Hour); got != 31 {
		t.Errorf("first day: %d wrong attempts get through, behaviour.md says 31", got)
	}
	if got := guessesIn(r, 365*24*time.Hour); got != 31+364*24 {
		t.Errorf("first year: %d wrong attempts, want %d (24 a day after the first)", got, 31+364*24)
	}
}

func TestLockoutNext(t *testing.T) {
	r := Lockout{Failures: 3, Base: time.Minute, Ceiling: 5 * time.Minute, Forget: time.Hour}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var c store.LoginCounter
	wantLocks := []time.Duration{0, 0, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	for i, want := range wantLocks {
		next, err := r.Next(c, now)
		if err != nil {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		if next.Failures != i+1 || !next.LastFailure.Equal(now) {
			t.Fatalf("failure %d: counter %+v", i+1, next)
		}
		if got := next.LockedUntil.Sub(now); want > 0 && got != want {
			t.Fatalf("failure %d locks for %v, want %v", i+1, got, want)
		}
		if want == 0 && next.Locked(now) {
			t.Fatalf("failure %d locks, want no lock", i+1)
		}
		c = next
		if want > 0 {
			if _, err := r.Next(c, now.Add(want-time.Nanosecond)); !errors.Is(err, store.ErrLocked) {
				t.Fatalf("during the lock after failure %d: %v, want ErrLocked", i+1, err)
			}
		}
		now = now.Add(want)
	}
	// A failure more than Forget after the last one starts the count again.
	later, err := r.Next(c, now.Add(2*time.Hour))
	if err != nil || later.Failures != 1 || later.Locked(now.Add(2*time.Hour)) {
		t.Fatalf("after a quiet spell: %+v, %v; want a fresh count of 1", later, err)
	}
}

func TestLockoutNeverLocks(t *testing.T) {
	for _, r := range []Lockout{{Failures: 0, Base: time.Minute}, {Failures: 3, Base: 0}} {
		var c store.LoginCounter
		now := time.Now()
		for range 20 {
			var err error
			if c, err = r.Next(c, now); err != nil || c.Locked(now) {
				t.Fatalf("rule %+v locked: %+v, %v", r, c, err)
			}
		}
	}
}

func TestLockoutLongBase(t *testing.T) {
	r := LockoutOf(store.Policy{LockoutFailures: 1, LockoutSeconds: 86400})
	now := time.Now()
	c, _ := r.Next(store.LoginCounter{}, now)
	if got := c.LockedUntil.Sub(now); got != 24*time.Hour {
		t.Fatalf("a base longer than the ceiling locks for %v, want the base", got)
	}
}
