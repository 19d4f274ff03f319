// Package testwait polls a condition with a deadline, so that tests wait
// for what they need instead of sleeping for a guessed time.
package testwait

import (
	"testing"
	"time"
)

// Deadline is how long For waits before it fails the test.
const Deadline = 5 * time.Second

// step is the pause between two polls.
const step = 2 * time.Millisecond

// For polls cond until it holds; after Deadline it fails the test with
// "timed out waiting for <what>".
func For(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Within(t, Deadline, what, cond)
}

// Within is For with a deadline of its own, for conditions that take
// longer than Deadline (a cluster converging, a process starting).
func Within(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(step)
	}
}
