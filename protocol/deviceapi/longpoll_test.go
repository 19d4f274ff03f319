package deviceapi_test

import (
	"net/http"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceapitest"
)

// S5.3, defect 3, as a phone sees it: the phone holds push N1 and keeps a
// long poll open with known=[N1]; it approves N1 (the login ends and its
// push is withdrawn), then login B pushes N2: the open poll returns N2 at
// once instead of at the end of its wait.
func TestOpenPollWakesForNextLoginAfterApprove(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	first := s.Push(t, "alice", p.id, time.Minute)
	done := async(t, p.pendingRequest(t, s, 5, first.Nonce))
	testwait.For(t, "the long poll to be in flight", func() bool { return s.InFlight() == 1 })
	if r := p.answer(t, s, first.LoginID, first.Nonce, "approve"); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.raw)
	}
	start := time.Now()
	second := s.Push(t, "alice", p.id, time.Minute)
	got := pushesOf(t, s, <-done)
	if len(got) != 1 || got[0] != second {
		t.Fatalf("pending = %+v, want only login B's push %+v", got, second)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("the open poll returned %s after login B's push: it slept through it", el)
	}
}

// A poll that ends at its wait answers with the pushes pending then, not
// with a list read before a push was withdrawn.
func TestPollEndingAtItsWaitListsCurrentPushes(t *testing.T) {
	s := deviceapitest.Start(t, func(d *deviceapi.Deps) { d.MaxLongPoll = time.Second })
	p := activate(t, s, "alice")
	first := s.Push(t, "alice", p.id, time.Minute)
	second := s.Push(t, "bob", p.id, 2*time.Minute)
	done := async(t, p.pendingRequest(t, s, 5, first.Nonce, second.Nonce))
	testwait.For(t, "the long poll to be in flight", func() bool { return s.InFlight() == 1 })
	if r := p.answer(t, s, first.LoginID, first.Nonce, "approve"); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.raw)
	}
	if got := pushesOf(t, s, <-done); len(got) != 1 || got[0] != second {
		t.Fatalf("pending = %+v, want only the push still waiting %+v", got, second)
	}
}

// S6.4: a device may hold DefaultMaxPollsPerDevice pending calls open at
// once; one more gets 429 too_many_polls at once. Other devices are not
// affected, and the slots come back when the polls end.
func TestPendingPerDeviceCap(t *testing.T) {
	s := deviceapitest.Start(t)
	p := activate(t, s, "alice")
	other := activate(t, s, "bob")
	n := deviceapi.DefaultMaxPollsPerDevice
	replies := make(chan reply, n+1)
	for range n + 1 { // all wait 5 s: n of them are open together with the extra one
		go func() { replies <- <-async(t, p.pendingRequest(t, s, 5)) }()
	}
	first := <-replies // the refused one, long before any wait ends
	first.wantError(t, http.StatusTooManyRequests, "too_many_polls")
	wantDocumented(t, first.status, first.str("code"))
	if r := other.pending(t, s, 0); r.status != http.StatusOK {
		t.Fatalf("another device's poll: %d %s", r.status, r.raw)
	}
	want := s.Push(t, "alice", p.id, time.Minute)
	for range n {
		if got := pushesOf(t, s, <-replies); len(got) != 1 || got[0] != want {
			t.Fatalf("open poll got %+v, want %+v", got, want)
		}
	}
	if r := p.pending(t, s, 0); r.status != http.StatusOK {
		t.Fatalf("poll after the others ended: %d %s", r.status, r.raw)
	}
}

// wantDocumented checks that docs/device-api.md lists status and code in
// the pending section and in the error table.
func wantDocumented(t *testing.T, status int, code string) {
	t.Helper()
	b, err := os.ReadFile("../../docs/device-api.md")
	if err != nil {
		t.Fatal(err)
	}
	num := strconv.Itoa(status)
	for _, re := range []string{
		// section 6: the error list and the cap
		"`" + num + " " + regexp.QuoteMeta(code) + "`",
		`at most \*\*` + strconv.Itoa(deviceapi.DefaultMaxPollsPerDevice) + `\*\* pending calls`,
		// section 10: the error table
		`\| ` + num + ` \| ` + "`" + regexp.QuoteMeta(code) + "`" + ` \| pending`,
	} {
		if !regexp.MustCompile(re).Match(b) {
			t.Errorf("docs/device-api.md does not match %s", re)
		}
	}
}
