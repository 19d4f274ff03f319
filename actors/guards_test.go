package actors

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// size is how many users have a check running or waiting.
func (g *userGuards) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.guards)
}

// One check of a user at a time; other users are not held up; the map
// forgets a user once nobody waits.
func TestUserGuards(t *testing.T) {
	g := newUserGuards()
	ctx := context.Background()
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := g.acquire(ctx, 1)
			if err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			running.Add(-1)
			release()
			release() // twice is harmless
		}()
	}
	other, err := g.acquire(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	other()
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d checks of one user ran at once, want 1", most.Load())
	}
	if g.size() != 0 {
		t.Fatalf("%d guards kept after every check ended", g.size())
	}
}

func TestUserGuardsBounded(t *testing.T) {
	g := newUserGuards()
	ctx := context.Background()
	release, err := g.acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range maxGuardWaiters - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := g.acquire(cancelled, 1); !errors.Is(err, context.Canceled) {
				t.Errorf("waiter: %v, want context.Canceled", err)
			}
		}()
	}
	waitUntil(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.guards[1].waiting == maxGuardWaiters
	})
	if _, err := g.acquire(ctx, 1); !errors.Is(err, errGuardFull) {
		t.Fatalf("one attempt too many: %v, want errGuardFull", err)
	}
	cancel()
	wg.Wait()
	release()
	if g.size() != 0 {
		t.Fatal("guard kept after the waiters gave up")
	}
}
