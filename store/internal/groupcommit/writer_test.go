package groupcommit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/store"
)

// batchRecorder is an audit writer's commit that records each group's
// size; a group may be held in commit until release is closed.
type batchRecorder struct {
	mu      sync.Mutex
	sizes   []int
	release chan struct{}
}

func (b *batchRecorder) commit(_ context.Context, batch []*Job) error {
	b.mu.Lock()
	b.sizes = append(b.sizes, len(batch))
	first := len(b.sizes) == 1
	b.mu.Unlock()
	if first {
		<-b.release
	}
	return nil
}

func (b *batchRecorder) groups() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sizes...)
}

// appendAsync appends a record in a goroutine; its error arrives on the
// returned channel.
func appendAsync(w *Writer, id string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- w.Append(context.Background(), &store.AuditRecord{LoginID: id}) }()
	return done
}

// A group that follows a group with company waits for more jobs, so a job
// queued after the writer took the first one still joins its transaction;
// a group after a lone job commits at once.
func TestAuditGroupLingersOnlyUnderConcurrency(t *testing.T) {
	rec := &batchRecorder{release: make(chan struct{})}
	w := New(rec.commit, time.Minute) // a wait no test could sit out
	defer w.Close()

	// A lone job: no company before it, so no wait (the first commit is
	// held until released, while two more jobs queue behind it).
	first := appendAsync(w, "lone")
	testwait.For(t, "the first group", func() bool { return len(rec.groups()) == 1 })
	a, b := appendAsync(w, "a"), appendAsync(w, "b")
	testwait.For(t, "two queued jobs", func() bool { return len(w.queue) == 2 })
	close(rec.release)
	for _, c := range []<-chan error{first, a, b} {
		select {
		case err := <-c:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the group after a lone job waited for company")
		}
	}
	if got := rec.groups(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("groups %v, want [1 2]", got)
	}

	// The group of two had company: the next group waits, so a job sent
	// after the writer took c joins c's group.
	c := appendAsync(w, "c")
	testwait.For(t, "the writer to take c", func() bool { return len(w.queue) == 0 && len(rec.groups()) == 2 })
	d := appendAsync(w, "d")
	testwait.For(t, "the writer to take d", func() bool { return len(w.queue) == 0 })
	// Both wait out the linger unless the group fills; fill it so the test
	// does not sit out a minute.
	var rest []<-chan error
	for range MaxBatch - 2 {
		rest = append(rest, appendAsync(w, "fill"))
	}
	for _, ch := range append([]<-chan error{c, d}, rest...) {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if got := rec.groups(); len(got) != 3 || got[2] != MaxBatch {
		t.Fatalf("groups %v, want a third group of %d (c, d and the fill)", got, MaxBatch)
	}
}
