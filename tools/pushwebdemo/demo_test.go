package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The demo builds pushweb (as make demo-web runs it: no --pushweb), starts
// pushauthd and pushweb, and its phone approves: a browser (here net/http
// with cookies) signs in as demo.
func TestDemoSignsIn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var out, errOut strings.Builder
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--answer", "approve"},
			strings.NewReader(""), &out, &errOut, ready)
	}()
	var base string
	select {
	case base = <-ready:
	case code := <-done:
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	case <-time.After(180 * time.Second): // building pushweb on a busy machine
		t.Fatal("demo not ready")
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	page := get(t, c, base+"secret")
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatalf("page 1:\n%s", page)
	}
	resp, err := c.PostForm(base+"_pushweb/login", url.Values{"csrf": {token[1]}, "username": {"demo"}, "next": {"/secret"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(get(t, c, base+"_pushweb/wait"), `id="signed-in"`) {
		if time.Now().After(deadline) {
			t.Fatalf("not signed in; demo output:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "Phone: approved.") {
		t.Fatalf("the phone did not say it approved:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "sign in as: demo") || !strings.Contains(out.String(), "/v1/activate?code=") {
		t.Fatalf("instructions:\n%s", out.String())
	}
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
