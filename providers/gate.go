package providers

import (
	"context"
	"sync"
)

// Gate tracks a provider's work (pushes in flight, background goroutines)
// so that Stop can refuse new work and wait for the rest to end. The zero
// value is open and ready to use; a Gate must not be copied after first use.
type Gate struct {
	mu     sync.Mutex
	closed bool
	n      int           // admitted work that has not left
	idle   chan struct{} // closed while n == 0; nil means "closed" (zero value)
}

// Enter admits one piece of work, unless Close was called. Every Enter that
// returns true must be matched by exactly one Leave.
func (g *Gate) Enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	if g.n == 0 {
		g.idle = make(chan struct{})
	}
	g.n++
	return true
}

// Leave ends a piece of work admitted by Enter.
func (g *Gate) Leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n <= 0 {
		panic("providers: Gate.Leave without Enter")
	}
	g.n--
	if g.n == 0 {
		close(g.idle)
	}
}

// Close refuses further work; it may be called more than once.
func (g *Gate) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
}

// Closed reports whether Close was called.
func (g *Gate) Closed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// Active is the amount of admitted work that has not left yet.
func (g *Gate) Active() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// Wait returns nil once no admitted work is left, or ctx's error when ctx
// ends first. Call Close first, or new work may keep it waiting.
func (g *Gate) Wait(ctx context.Context) error {
	for {
		g.mu.Lock()
		n, idle := g.n, g.idle
		g.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			if g.Active() == 0 {
				return nil // the work ended just as ctx did
			}
			return ctx.Err()
		}
	}
}
