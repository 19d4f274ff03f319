package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/console/consoletest"
)

// The printed operator signs in and the demo's phone approves: the Users
// page lists the staff, and the gateway's logins reach the Audit page.
func TestDemoOperatorSignsIn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	out, errOut := &logbuf.Buffer{}, &logbuf.Buffer{}
	go func() { done <- run(ctx, []string{"--listen", "127.0.0.1:0"}, out, errOut, ready) }()
	var base string
	select {
	case base = <-ready:
	case code := <-done:
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	case <-time.After(60 * time.Second):
		t.Fatal("demo not ready")
	}
	if !strings.Contains(out.String(), base+"/console/") || !strings.Contains(out.String(), operatorPassword) {
		t.Fatalf("instructions:\n%s", out.String())
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	sctx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	if _, err := consoletest.SignIn(sctx, c, base, operator, operatorPassword); err != nil {
		t.Fatal(err)
	}
	if err := consoletest.WaitSignedIn(sctx, c, base); err != nil {
		t.Fatal(err)
	}
	users, err := consoletest.Get(sctx, c, base+"/console/users")
	if err != nil || !strings.Contains(users, "demo (admin)") || !strings.Contains(users, `href="/console/users/judy"`) {
		t.Fatalf("Users page (%v):\n%s", err, users)
	}
	testwait.Within(t, 30*time.Second, "a gateway login on the Audit page", func() bool {
		page, err := consoletest.Get(sctx, c, base+"/console/audit")
		return err == nil && strings.Contains(page, "vpn-gateway")
	})
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
