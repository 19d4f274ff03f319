package actors

import (
	"sync"
	"time"
)

// SourceBudget is how many failed attempts at a secret one source may make
// (SPEC S2.9): Burst at once, refilled at PerHour. A source is a RADIUS
// client and the Calling-Station-Id it sends; requests without one are
// limited per user only.
type SourceBudget struct {
	Burst   int
	PerHour int
}

// DefaultSourceBudget: 20 failures at once, then 20 an hour.
func DefaultSourceBudget() SourceBudget { return SourceBudget{Burst: 20, PerHour: 20} }

// maxSources bounds the sources remembered; beyond it, sources whose
// budget is whole again are forgotten, at most once per sweepEvery. While
// the map stays full, new sources share one overflow budget: a flood of
// new stations costs a map lookup each, not a sweep, and still fails
// closed.
const (
	maxSources = 100_000
	sweepEvery = time.Minute
)

// overflowSource is the budget shared by new sources while the map is full.
const overflowSource = "\x00overflow"

// sourceBudgets charges each attempt at a secret to its source before the
// secret is checked, and gives the charge back when the secret was right,
// so a source's failures are bounded even when its attempts arrive at
// once. A plain locked map: each call is a few nanoseconds. Per node.
type sourceBudgets struct {
	mu      sync.Mutex
	budget  SourceBudget
	sources map[string]*sourceBucket
	swept   time.Time // the last forgetWholeLocked
}

type sourceBucket struct {
	tokens int
	at     time.Time // when the next refill is counted from
}

func newSourceBudgets(b SourceBudget) *sourceBudgets {
	if b.Burst <= 0 {
		b = DefaultSourceBudget()
	}
	return &sourceBudgets{budget: b, sources: make(map[string]*sourceBucket)}
}

// sourceOf is the source of an attempt; "" when it has none to limit.
func sourceOf(a *Attempt) string {
	if a.CallingStation == "" {
		return ""
	}
	return a.Client.GetName() + "\x00" + a.CallingStation
}

// take charges one failure to source, or tells that its budget is spent.
// The empty source is never limited.
func (s *sourceBudgets) take(source string, now time.Time) bool {
	if source == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bucketLocked(source, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// refund gives back a charge whose secret was right.
func (s *sourceBudgets) refund(source string, now time.Time) {
	if source == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bucketLocked(source, now)
	b.tokens = min(b.tokens+1, s.budget.Burst)
}

// bucketLocked is source's bucket refilled to now.
func (s *sourceBudgets) bucketLocked(source string, now time.Time) *sourceBucket {
	b, ok := s.sources[source]
	if !ok && len(s.sources) >= maxSources {
		if now.Sub(s.swept) >= sweepEvery {
			s.swept = now
			s.forgetWholeLocked(now)
		}
		if len(s.sources) >= maxSources {
			source = overflowSource
			b, ok = s.sources[source]
		}
	}
	if !ok {
		b = &sourceBucket{tokens: s.budget.Burst, at: now}
		s.sources[source] = b
		return b
	}
	s.refill(b, now)
	return b
}

// refill adds the failures the source earned since b.at, one every
// hour/PerHour.
func (s *sourceBudgets) refill(b *sourceBucket, now time.Time) {
	if b.tokens >= s.budget.Burst || s.budget.PerHour <= 0 {
		b.at = now
		return
	}
	every := time.Hour / time.Duration(s.budget.PerHour)
	earned := int(now.Sub(b.at) / every)
	if earned <= 0 {
		return
	}
	b.tokens = min(b.tokens+earned, s.budget.Burst)
	b.at = b.at.Add(time.Duration(earned) * every)
}

// forgetWholeLocked drops the sources whose budget is whole again: they
// carry nothing a fresh bucket would not.
func (s *sourceBudgets) forgetWholeLocked(now time.Time) {
	for k, b := range s.sources {
		if s.refill(b, now); b.tokens >= s.budget.Burst {
			delete(s.sources, k)
		}
	}
}
