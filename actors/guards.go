package actors

import (
	"context"
	"errors"
	"sync"
)

// maxGuardWaiters bounds the attempts of one user waiting for their turn
// on one node; more at once are refused (reasonTooManyAttempts).
const maxGuardWaiters = 32

// errGuardFull means maxGuardWaiters attempts of the user already wait.
var errGuardFull = errors.New("too many attempts of this user at once")

// userGuards lets one secret of a user be checked at a time on this node
// (SPEC S2.9): the check reads the user's failure counter, checks, and
// stores a failure before the next check of that user starts, so attempts
// sent at once cannot all be checked before the lock. Across a cluster's
// nodes the store's atomic counter bounds the rest: at most one check per
// node runs beyond the threshold.
type userGuards struct {
	mu     sync.Mutex
	guards map[int64]*userGuard
}

type userGuard struct {
	turn    chan struct{} // full while a check of the user runs
	waiting int           // the check running and those waiting; dropped at 0
}

func newUserGuards() *userGuards { return &userGuards{guards: make(map[int64]*userGuard)} }

// acquire waits for the user's turn; release ends it. It fails at once
// with errGuardFull, or when ctx ends.
func (g *userGuards) acquire(ctx context.Context, userID int64) (release func(), err error) {
	g.mu.Lock()
	ug := g.guards[userID]
	if ug == nil {
		ug = &userGuard{turn: make(chan struct{}, 1)}
		g.guards[userID] = ug
	}
	if ug.waiting >= maxGuardWaiters {
		g.mu.Unlock()
		return nil, errGuardFull
	}
	ug.waiting++
	g.mu.Unlock()
	select {
	case ug.turn <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-ug.turn; g.leave(userID, ug) }) }, nil
	case <-ctx.Done():
		g.leave(userID, ug)
		return nil, ctx.Err()
	}
}

func (g *userGuards) leave(userID int64, ug *userGuard) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ug.waiting--; ug.waiting == 0 {
		delete(g.guards, userID)
	}
}
