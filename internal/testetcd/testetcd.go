// Package testetcd starts a private, throw-away etcd for tests: its own
// data directory, loopback ports, stopped when the test ends. Without the
// etcd binary (Debian package etcd-server) the test is skipped, or fails
// when CI=true.
package testetcd

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Start runs etcd and returns its client URL once it is healthy.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("etcd not installed (Debian package etcd-server); CI must install it")
		}
		t.Skip("etcd not installed (Debian package etcd-server)")
	}
	// etcd cannot report a port it picked, so try random ports and start
	// again when one is taken (never probe first and bind later).
	for attempt := 0; attempt < 8; attempt++ {
		client, peer := 20000+rand.IntN(20000), 40000+rand.IntN(20000)
		if url, ok := try(t, bin, client, peer); ok {
			return url
		}
	}
	t.Fatal("etcd did not start on any of 8 random port pairs")
	return ""
}

// try starts etcd on the given ports; ok is false when it exited (a port
// was taken).
func try(t testing.TB, bin string, clientPort, peerPort int) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	cmd := exec.Command(bin, "--name", "t", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "t="+peerURL, "--initial-cluster-state", "new",
		"--listen-metrics-urls", "", "--logger", "zap", "--log-level", "warn")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			if strings.Contains(out.String(), "address already in use") {
				return "", false
			}
			t.Fatalf("etcd exited:\n%s", out.String())
		default:
		}
		if healthy(clientURL) {
			t.Cleanup(stop)
			return clientURL, true
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	t.Fatalf("etcd not healthy after 20s:\n%s", out.String())
	return "", false
}

// healthy tells whether an etcd client endpoint answers at url: /health
// says true and /version answers (an etcd's metrics listener on that port
// would answer /health only).
func healthy(url string) bool {
	return strings.Contains(get(url+"/health"), `"health":"true"`) && strings.Contains(get(url+"/version"), `"etcdserver"`)
}

// get returns the body of a GET, "" on any error.
func get(url string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}

// syncBuffer collects etcd's output from its writer goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
