package actors

import (
	"testing"
	"time"
)

func TestPushLimiter(t *testing.T) {
	l := newPushLimiter()
	now := time.Unix(0, 0)
	if !l.allow("u", 2, now, 0) || !l.allow("u", 2, now, 0) || l.allow("u", 2, now, 0) {
		t.Fatal("cap of 2 per minute not enforced")
	}
	if !l.allow("v", 2, now, 0) {
		t.Fatal("another user was limited")
	}
	if !l.allow("u", 2, now.Add(61*time.Second), 0) {
		t.Fatal("window did not slide")
	}
	if !l.allow("w", 0, now, 0) || !l.allow("w", 0, now, 0) {
		t.Fatal("0 must mean unlimited")
	}
}

// The store's count (pushes before a restart) applies when it is larger
// than what this process has seen (SPEC S5.4: the cap survives a restart).
func TestPushLimiterStoredCount(t *testing.T) {
	l := newPushLimiter()
	now := time.Unix(0, 0)
	if l.allow("u", 3, now, 3) {
		t.Fatal("stored count at the cap must refuse")
	}
	if !l.allow("u", 3, now, 2) {
		t.Fatal("stored count below the cap must allow")
	}
	// Memory now holds one push: with two more stored, the cap is reached.
	if l.allow("u", 3, now, 3) {
		t.Fatal("larger stored count ignored")
	}
}

func TestPushLimiterSuspension(t *testing.T) {
	l := newPushLimiter()
	now := time.Unix(1000, 0)
	if l.suspended("u", now) {
		t.Fatal("suspended without a suspension")
	}
	l.suspend("u", now.Add(time.Minute))
	l.suspend("u", now.Add(time.Second)) // a shorter one does not shorten it
	if !l.suspended("u", now.Add(30*time.Second)) || l.suspended("v", now) {
		t.Fatal("suspension not applied to exactly its user")
	}
	if l.suspended("u", now.Add(time.Minute)) {
		t.Fatal("suspension did not end")
	}
}
