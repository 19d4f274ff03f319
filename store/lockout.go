package store

import (
	"errors"
	"time"
)

// ErrLocked means a failure was not counted because the user is locked out
// (SPEC S2.9).
var ErrLocked = errors.New("user locked out")

// LoginCounter is a user's count of failed attempts at a secret (a
// password, a passcode, a GridSure answer) and of denies on the phone,
// with the lock it led to (SPEC S2.9). It is kept with the user, so it is
// the same on every node and survives a restart.
type LoginCounter struct {
	Failures    int       // consecutive failures since the last accept
	LastFailure time.Time // when the last one was counted
	LockedUntil time.Time // no secret is checked before then
}

// Locked tells whether the counter refuses attempts at now.
func (c LoginCounter) Locked(now time.Time) bool { return now.Before(c.LockedUntil) }

// NextCounter computes a user's counter after one more failure, or returns
// ErrLocked (wrapped or not) to count nothing. RecordFailure calls it
// inside its transaction.
type NextCounter func(c LoginCounter) (LoginCounter, error)
