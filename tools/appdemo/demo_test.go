package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// The demo's link activates a web device (here the Go device client in
// the app's place, polling as the app does without a push service); the
// login the demo then sends is approved and the demo prints the accept.
func TestDemoLoginApproved(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	stdin, typing := io.Pipe()
	defer typing.Close()
	out, errOut := &logbuf.Buffer{}, &logbuf.Buffer{}
	go func() { done <- run(ctx, []string{"--listen", "127.0.0.1:0"}, stdin, out, errOut, ready) }()
	var link string
	select {
	case link = <-ready:
	case code := <-done:
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	case <-time.After(60 * time.Second):
		t.Fatal("demo not ready")
	}
	if !strings.Contains(out.String(), "Open in the pushauth app") || !strings.Contains(out.String(), "/app/") {
		t.Fatalf("instructions:\n%s", out.String())
	}
	actx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	app, err := deviceclient.Activate(actx, link, deviceclient.Options{Platform: "web", OSVersion: "Go test", PushKind: "poll"})
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	p, err := app.NextPush(actx, 20*time.Second)
	if err != nil {
		t.Fatalf("no push: %v\n%s", err, out.String())
	}
	if p.User != "demo" || p.CallingStation != station {
		t.Fatalf("push %+v", p)
	}
	if err := app.Answer(actx, p, push.Approve); err != nil {
		t.Fatal(err)
	}
	testwait.Within(t, 20*time.Second, "the demo prints the accept", func() bool {
		return strings.Contains(out.String(), "Access-Accept")
	})
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
