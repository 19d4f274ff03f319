package providers

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestGateZeroValue(t *testing.T) {
	var g Gate
	if err := g.Wait(context.Background()); err != nil {
		t.Fatalf("Wait on an unused gate: %v", err)
	}
	if g.Closed() || g.Active() != 0 {
		t.Fatalf("zero gate: closed %v, active %d", g.Closed(), g.Active())
	}
}

// Wait returns once every admitted piece of work has left; Close refuses
// new work but lets admitted work finish.
func TestGateWaitsForWork(t *testing.T) {
	var g Gate
	if !g.Enter() || !g.Enter() {
		t.Fatal("open gate refused work")
	}
	g.Close()
	g.Close() // idempotent
	if g.Enter() {
		t.Fatal("closed gate admitted work")
	}
	done := make(chan error, 1)
	go func() { done <- g.Wait(context.Background()) }()
	g.Leave()
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v with work in flight", err)
	default:
	}
	g.Leave()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return after the work left")
	}
	if g.Active() != 0 {
		t.Fatalf("active = %d", g.Active())
	}
}

func TestGateWaitBoundedByContext(t *testing.T) {
	var g Gate
	g.Enter()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want DeadlineExceeded", err)
	}
	g.Leave()
	if err := g.Wait(ctx); err != nil { // nothing left: nil even with ctx ended
		t.Fatalf("Wait after the work left = %v", err)
	}
}

func TestGateLeaveWithoutEnterPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Leave without Enter did not panic")
		}
	}()
	var g Gate
	g.Leave()
}
