package httpserve

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/internal/logbuf"
)

// echo reads the whole body and answers "ok", or 408 when the body does
// not arrive in time.
func echo(w http.ResponseWriter, r *http.Request) {
	if _, err := io.ReadAll(r.Body); err != nil {
		http.Error(w, "body too slow", http.StatusRequestTimeout)
		return
	}
	_, _ = io.WriteString(w, "ok")
}

// start serves h on 127.0.0.1:0 with o until the test ends. It returns
// the base URL and the most connections the server held open at once,
// counted under the connection cap (a connection counts from its accept
// until its close, before the cap frees its slot).
func start(t *testing.T, h http.Handler, o Options, log zerolog.Logger) (string, *atomic.Int64) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &countingListener{Listener: raw}
	srv, lim := New(h, ln, o, log)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lim) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + raw.Addr().String(), &ln.peak
}

// countingListener counts the connections open at once.
type countingListener struct {
	net.Listener
	open, peak atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	n := l.open.Add(1)
	for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
	}
	return &countedConn{Conn: c, close: sync.OnceFunc(func() { l.open.Add(-1) })}, nil
}

type countedConn struct {
	net.Conn
	close func()
}

func (c *countedConn) Close() error {
	c.close()
	return c.Conn.Close()
}

// stall opens a connection that sends a request's headers and part of
// its body, then nothing. The channel gets how long the server took to
// end the connection, or an error if it was still open after 5 s.
func stall(t *testing.T, addr string) <-chan error {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\npartial"); err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := io.Copy(io.Discard, c) // until the server closes it
		res <- err
	}()
	return res
}

// S6.4: clients that send headers and stall the body are cut off after the
// read timeout, the server never holds more connections than its cap, and
// a normal request sent behind a crowd of stalled ones is still served.
func TestStalledBodiesAreCutOffAndCapHolds(t *testing.T) {
	const maxConns, stalled = 4, 12
	o := Options{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, MaxConns: maxConns}
	url, peak := start(t, http.HandlerFunc(echo), o, zerolog.Nop())
	begin := time.Now()
	var ends []<-chan error
	for range stalled {
		ends = append(ends, stall(t, strings.TrimPrefix(url, "http://")))
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(url, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatalf("a normal request behind %d stalled ones failed: %v", stalled, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Fatalf("normal request: %d %q", resp.StatusCode, body)
	}
	for i, end := range ends {
		if err := <-end; err != nil {
			t.Fatalf("stalled connection %d was not cut off: %v", i, err)
		}
	}
	if el := time.Since(begin); el < o.ReadTimeout || el > 4*time.Second {
		t.Errorf("stalled connections ended after %s; want about %d waves of %s", el, stalled/maxConns, o.ReadTimeout)
	}
	if p := peak.Load(); p != maxConns {
		t.Errorf("server held at most %d connections at once, want exactly the cap %d", p, maxConns)
	}
}

// The read timeout bounds reading the request, not the handler: a long
// poll that has read its body (or has none) keeps its context past it
// (net/http lifts the deadline after the body; this guards the choice of a
// read timeout far shorter than the device API's long polls).
func TestLongRequestOutlivesReadTimeout(t *testing.T) {
	o := Options{ReadTimeout: 100 * time.Millisecond}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		wait := time.NewTimer(4 * o.ReadTimeout) // the long poll's own wait
		defer wait.Stop()
		select {
		case <-r.Context().Done():
			_, _ = io.WriteString(w, "cancelled")
		case <-wait.C:
			_, _ = io.WriteString(w, "ok")
		}
	})
	url, _ := start(t, h, o, zerolog.Nop())
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		req, _ := http.NewRequest(method, url, nil)
		if method == http.MethodPost {
			req.Body = io.NopCloser(strings.NewReader(`{"wait":25}`))
			req.ContentLength = -1 // chunked: a body net/http reads in the background
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "ok" {
			t.Errorf("%s: %q: the request's context ended with the read timeout", method, body)
		}
	}
}

// S6.2: net/http's own messages (here a handler panic and an accept error)
// are zerolog JSON lines, not plain text in the middle of the JSON log.
func TestErrorLogIsJSON(t *testing.T) {
	logs := &logbuf.Buffer{}
	log := zerolog.New(logs)
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	url, _ := start(t, h, Options{}, log)
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Fatal("a panicking handler answered")
	}
	srv := NewServer(h, Options{}, log)
	srv.ErrorLog.Printf("http: Accept error: %v; retrying in %v", os.ErrDeadlineExceeded, 5*time.Millisecond)

	want := map[string]string{"panic serving": "error", "Accept error": "warn"}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct{ Level, Message string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		for text, level := range want {
			if strings.Contains(line.Message, text) && line.Level == level {
				delete(want, text)
			}
		}
	}
	if len(want) > 0 {
		t.Fatalf("missing JSON log lines %v in:\n%s", want, logs)
	}
}

// Closing the listener ends an Accept that waits for a free slot, so a
// server at its cap still shuts down.
func TestCloseEndsWaitingAccept(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Limit(inner, 1, zerolog.Nop())
	c, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	res := make(chan error, 1)
	go func() { defer wg.Done(); _, err := l.Accept(); res <- err }()
	_ = l.Close()
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	select {
	case err := <-res:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-timeout.C:
		t.Fatal("Accept waiting for a slot did not end when the listener closed")
	}
	wg.Wait()
	if l.Open() != 1 {
		t.Fatalf("open = %d, want 1 (the first connection)", l.Open())
	}
}
