package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunUsageErrors(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"no secret":    {nil, nil, "no shared secret"},
		"bad upstream": {[]string{"--secret-file", "x", "--upstream", "ftp://h"}, nil, "--upstream"},
		"env checked":  {nil, map[string]string{"PUSHWEB_SECRET_FILE": "x", "PUSHWEB_MAX_LOGINS": "many"}, "PUSHWEB_MAX_LOGINS"},
		"tls half":     {[]string{"--secret-file", "x", "--tls-cert", "c"}, nil, "go together"},
		"bad proxies":  {[]string{"--secret-file", "x", "--trusted-proxies", "10.0.0.0/99"}, nil, "--trusted-proxies"},
		"extra arg":    {[]string{"--secret-file", "x", "more"}, nil, "unexpected argument"},
	} {
		var out, errOut strings.Builder
		code := run(context.Background(), c.args, envOf(c.env), &out, &errOut, nil)
		if code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut.String())
		}
	}
}

// The environment configures what the command line leaves out; pushweb
// serves until its context ends, then stops cleanly.
func TestRunServesUntilStopped(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rad := startRADIUS(t, accept)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var errOut strings.Builder
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0"}, envOf(map[string]string{
			"PUSHWEB_SECRET_FILE": secret, "PUSHWEB_RADIUS": rad.addr}), &strings.Builder{}, &errOut, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("exited %d: %s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("not serving")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /: %s", resp.Status)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), `"pushweb serving"`) || !strings.Contains(errOut.String(), `"pushweb stopped"`) {
		t.Fatalf("log: %s", errOut.String())
	}
}
