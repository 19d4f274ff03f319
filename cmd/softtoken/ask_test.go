package main

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/push"
)

// lockedBuffer is a bytes.Buffer safe for the watcher and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Issue 24: watch --answer ask drops a prompt when its login ends or its
// push expires, shows the next push, and never sends an answer typed for a
// dropped prompt to a newer login.
func TestWatchAskDropsEndedAndExpiredPrompts(t *testing.T) {
	s, _, state := activated(t)
	id := deviceID(t, state)
	stdin, typing := io.Pipe()
	defer typing.Close()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"watch", "--answer", "ask", "--count", "3", "--wait", "1s", "--state", state}, stdin, &stdout, &stderr)
	}()
	shows := func(what string, n int) {
		t.Helper()
		testwait.Within(t, 15*time.Second, what, func() bool { return strings.Count(stdout.String(), what) >= n })
	}
	const askAlice = "approve login of alice? [y/n] "

	// Login A is asked about, then ends without a newer push (say, a
	// passcode was typed instead): its prompt goes.
	a := s.Push(t, "alice", id, time.Minute)
	shows(askAlice, 1)
	s.Poll.Withdraw(id, a.LoginID)
	shows("the login ended", 1)
	// The user answers A late; login B's push then comes. The answer,
	// typed before B's prompt, is not B's.
	if _, err := typing.Write([]byte("y\n")); err != nil {
		t.Fatal(err)
	}
	b := s.Push(t, "alice", id, time.Minute)
	shows("input typed before this prompt ignored", 1)
	if _, err := typing.Write([]byte("n\n")); err != nil {
		t.Fatal(err)
	}
	testwait.Within(t, 10*time.Second, "the answer to B", func() bool { return len(s.Logins.Answers()) > 0 })

	// Login C's push expires while asked about: its prompt goes too.
	s.Push(t, "alice", id, 2*time.Second)
	shows("the push expired unanswered", 1)

	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("watch exited %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("watch did not exit after 3 pushes:\n%s", stdout.String())
	}
	answers := s.Logins.Answers()
	if len(answers) != 1 || answers[0].LoginID != b.LoginID || answers[0].Decision != push.Deny {
		t.Fatalf("answers %+v, want only B's deny; output:\n%s", answers, stdout.String())
	}
	if n := strings.Count(stdout.String(), askAlice); n != 4 {
		t.Errorf("%d prompts, want A, B (twice: after the ignored input) and C:\n%s", n, stdout.String())
	}
}
