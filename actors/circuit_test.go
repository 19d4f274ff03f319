package actors

import (
	"testing"
	"time"
)

func TestCircuitOpensAfterFailuresAndClosesOnTrialSuccess(t *testing.T) {
	var c circuit
	now := time.Unix(1000, 0)
	for i := range 3 {
		if _, ok := c.admit(now, time.Second); !ok {
			t.Fatalf("closed circuit refused send %d", i)
		}
		want := circuitSame
		if i == 2 {
			want = circuitOpened
		}
		if got := c.record(true, false, now, 3); got != want {
			t.Fatalf("failure %d: change %v, want %v", i, got, want)
		}
	}
	if _, ok := c.admit(now.Add(500*time.Millisecond), time.Second); ok {
		t.Fatal("open circuit admitted a send during the pause")
	}
	trial, ok := c.admit(now.Add(2*time.Second), time.Second)
	if !ok || !trial {
		t.Fatal("no trial send after the pause")
	}
	if _, ok := c.admit(now.Add(2*time.Second), time.Second); ok {
		t.Fatal("a second send during the trial")
	}
	if got := c.record(true, true, now.Add(3*time.Second), 3); got != circuitSame || !c.open {
		t.Fatal("failed trial must keep the circuit open")
	}
	trial, ok = c.admit(now.Add(5*time.Second), time.Second)
	if !ok || !trial {
		t.Fatal("no second trial")
	}
	if got := c.record(false, true, now.Add(5*time.Second), 3); got != circuitClosed || c.open {
		t.Fatal("successful trial must close the circuit")
	}
}

func TestSuccessResetsFailureCount(t *testing.T) {
	var c circuit
	now := time.Unix(0, 0)
	c.record(true, false, now, 3)
	c.record(true, false, now, 3)
	c.record(false, false, now, 3)
	if c.record(true, false, now, 3) != circuitSame || c.open {
		t.Fatal("failures were not reset by a success")
	}
}

func TestBucket(t *testing.T) {
	b := bucket{rate: 2, size: 2, tokens: 2}
	now := time.Unix(0, 0)
	if !b.take(now) || !b.take(now) || b.take(now) {
		t.Fatal("burst of 2 not enforced")
	}
	if !b.take(now.Add(500 * time.Millisecond)) {
		t.Fatal("no refill after half a second at 2/s")
	}
	unlimited := bucket{}
	for range 100 {
		if !unlimited.take(now) {
			t.Fatal("rate 0 must be unlimited")
		}
	}
}
