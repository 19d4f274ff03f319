package actors

import (
	"sync"
	"testing"
	"time"
)

// busyPool schedules one blocking piece per worker and returns the channel
// that releases them once they all run.
func busyPool(t *testing.T, p *workerPool) chan struct{} {
	t.Helper()
	release := make(chan struct{})
	var started sync.WaitGroup
	n := poolWorkers()
	started.Add(n)
	for range n {
		p.Schedule(func() { started.Done(); <-release })
	}
	started.Wait()
	return release
}

// ran waits (bounded) for done and says whether it closed.
func ran(done chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// A piece that finds every worker busy runs at once on a goroutine of its
// own: the pool never queues work behind a busy worker.
func TestPoolNeverWaitsForABusyWorker(t *testing.T) {
	p := newWorkerPool()
	defer p.close()
	release := busyPool(t, p)
	defer close(release)
	done := make(chan struct{})
	p.Schedule(func() { close(done) })
	if !ran(done) {
		t.Fatal("the piece waited for a busy worker")
	}
}

// A closed pool still runs every piece.
func TestPoolClosedStillRuns(t *testing.T) {
	p := newWorkerPool()
	p.close()
	done := make(chan struct{})
	p.Schedule(func() { close(done) })
	if !ran(done) {
		t.Fatal("a piece scheduled after close never ran")
	}
}
