package actors

import (
	"fmt"
	"testing"
	"time"
)

// SPEC S2.9: one source gets Burst failures at once, then PerHour.
func TestSourceBudget(t *testing.T) {
	s := newSourceBudgets(SourceBudget{Burst: 3, PerHour: 6})
	now := time.Unix(1_800_000_000, 0)
	for i := range 3 {
		if !s.take("nas\x00203.0.113.7", now) {
			t.Fatalf("charge %d refused within the burst", i+1)
		}
	}
	if s.take("nas\x00203.0.113.7", now) {
		t.Fatal("a fourth charge at once was allowed")
	}
	if !s.take("nas\x00203.0.113.8", now) {
		t.Fatal("another station shares the first one's budget")
	}
	if !s.take("", now) {
		t.Fatal("a request without a station is limited per source")
	}
	if s.take("nas\x00203.0.113.7", now.Add(9*time.Minute)) {
		t.Fatal("refilled before 10 minutes at 6 an hour")
	}
	if !s.take("nas\x00203.0.113.7", now.Add(10*time.Minute)) {
		t.Fatal("not refilled after 10 minutes at 6 an hour")
	}
	s.refund("nas\x00203.0.113.7", now.Add(10*time.Minute))
	if !s.take("nas\x00203.0.113.7", now.Add(10*time.Minute)) {
		t.Fatal("a refunded charge cannot be taken again")
	}
}

func TestSourceBudgetForgetsWholeSources(t *testing.T) {
	s := newSourceBudgets(SourceBudget{Burst: 1, PerHour: 60})
	now := time.Unix(1_800_000_000, 0)
	s.take("a", now)
	s.sources["b"] = &sourceBucket{tokens: 1, at: now}
	s.mu.Lock()
	s.forgetWholeLocked(now.Add(time.Second))
	n := len(s.sources)
	s.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d sources kept, want only the spent one", n)
	}
}

// A full map is swept at most once per sweepEvery; meanwhile new sources
// share the overflow budget, which fails closed like any other.
func TestSourceBudgetFullMapSharesOverflow(t *testing.T) {
	s := newSourceBudgets(SourceBudget{Burst: 2, PerHour: 1})
	now := time.Unix(1_800_000_000, 0)
	for i := range maxSources {
		s.sources[fmt.Sprint(i)] = &sourceBucket{tokens: 0, at: now} // spent: kept by a sweep
	}
	if !s.take("new-a", now) || !s.take("new-b", now) {
		t.Fatal("the overflow budget refused its first charges")
	}
	if s.take("new-c", now) {
		t.Fatal("a third new source got a charge from a spent overflow budget")
	}
	if !s.swept.Equal(now) {
		t.Fatal("the full map was not swept")
	}
	if _, ok := s.sources["new-a"]; ok || len(s.sources) != maxSources+1 {
		t.Fatalf("%d sources kept; new sources must not grow a full map beyond its overflow", len(s.sources))
	}
}
