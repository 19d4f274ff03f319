package ratelimit

import (
	"testing"
	"time"
)

// A key gets its burst, then one every interval; other keys are not
// touched; a full table refuses new keys until one refills.
func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := New[string](60, 2, 2, func() time.Time { return now })
	if !l.Allow("a") || !l.Allow("a") || l.Allow("a") {
		t.Fatal("burst of 2 not enforced")
	}
	if !l.Allow("b") {
		t.Fatal("another key was limited")
	}
	if l.Allow("c") {
		t.Fatal("a full table of busy keys took a new one")
	}
	now = now.Add(time.Second)
	if !l.Allow("a") || l.Allow("a") {
		t.Fatal("one token a second not given back")
	}
	now = now.Add(time.Minute)
	if !l.Allow("c") {
		t.Fatal("refilled keys were not forgotten for a new one")
	}
}

// An IPv6 /64 is one source; IPv4-mapped addresses are their IPv4 one.
func TestSource(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:1234":             "192.0.2.7",
		"[::ffff:192.0.2.7]:1234":    "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::",
		"garbage":                    "invalid IP",
		"198.51.100.1":               "198.51.100.1",
	} {
		if got := Source(in).String(); got != want {
			t.Errorf("Source(%q) = %s, want %s", in, got, want)
		}
	}
}
