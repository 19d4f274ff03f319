package server

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/connlimit"
	"github.com/pushauth/pushauth/internal/httpserve"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testconn"
	"github.com/pushauth/pushauth/protocol/deviceapi"
)

const (
	testToken = "metrics-test-token"
	// knownMetric is always exported (a gauge without labels).
	knownMetric = "pushauth_logins_in_flight "
)

// testConfig is a server on loopback ports chosen by the kernel; extra is
// appended to the YAML.
func testConfig(t *testing.T, extra string) *config.Config {
	t.Helper()
	yaml := "data_dir: " + t.TempDir() + `
radius: {listen: "127.0.0.1:0"}
admin_api: {listen: "127.0.0.1:0", token: ` + testToken + `}
device_api: {listen: "127.0.0.1:0"}
passwords: {argon2_memory_kib: 1024, argon2_time: 1}
` + extra
	cfg, _, err := config.LoadBytes("test.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// serve starts a server for cfg until the test ends and returns its
// listeners.
func serve(t *testing.T, cfg *config.Config) Listeners {
	t.Helper()
	return serveLogged(t, cfg, zerolog.New(&logbuf.Buffer{}))
}

// serveLogged is serve with the server's log going to log.
func serveLogged(t *testing.T, cfg *config.Config, log zerolog.Logger) Listeners {
	t.Helper()
	s, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ls) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ls
}

// get fetches url with an optional bearer token.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// S6.2: /metrics on the admin listener needs the admin token, and refuses
// without it exactly as the admin API does.
func TestMetricsNeedAdminToken(t *testing.T) {
	admin := "http://" + serve(t, testConfig(t, "")).Admin.Addr().String()
	for _, tok := range []string{"", "wrong-token"} {
		status, body := get(t, admin+"/metrics", tok)
		var e struct{ Code string }
		if status != http.StatusUnauthorized || json.Unmarshal([]byte(body), &e) != nil || e.Code != "unauthorized" {
			t.Errorf("token %q: %d %s, want 401 with code unauthorized", tok, status, body)
		}
		if strings.Contains(body, knownMetric) {
			t.Errorf("token %q: metrics served", tok)
		}
	}
	if status, body := get(t, admin+"/metrics", testToken); status != http.StatusOK || !strings.Contains(body, knownMetric) {
		t.Fatalf("with the token: %d, want 200 with %q in:\n%.300s", status, knownMetric, body)
	}
	if status, _ := get(t, admin+"/v1/users", testToken); status != http.StatusOK {
		t.Fatalf("admin API behind the metrics route: %d", status)
	}
}

// Runtime profiles are served on the admin listener only with the admin
// token: they reveal memory contents and cost CPU.
func TestProfilesNeedAdminToken(t *testing.T) {
	admin := "http://" + serve(t, testConfig(t, "")).Admin.Addr().String()
	for _, tok := range []string{"", "wrong-token"} {
		if status, body := get(t, admin+"/debug/pprof/goroutine?debug=1", tok); status != http.StatusUnauthorized || strings.Contains(body, "goroutine profile") {
			t.Errorf("token %q: %d, want 401 and no profile", tok, status)
		}
	}
	if status, body := get(t, admin+"/debug/pprof/goroutine?debug=1", testToken); status != http.StatusOK || !strings.Contains(body, "goroutine profile") {
		t.Fatalf("with the token: %d, want 200 with a goroutine profile in:\n%.300s", status, body)
	}
}

// S6.2: with metrics.listen, /metrics is served there without a token, and
// no longer on the admin listener.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	ls := serve(t, testConfig(t, "metrics: {listen: \"127.0.0.1:0\"}\n"))
	addr, admin := ls.Metrics.Addr().String(), "http://"+ls.Admin.Addr().String()
	if status, body := get(t, "http://"+addr+"/metrics", ""); status != http.StatusOK || !strings.Contains(body, knownMetric) {
		t.Fatalf("metrics listener: %d, want 200 with %q", status, knownMetric)
	}
	if status, body := get(t, admin+"/metrics", testToken); status != http.StatusNotFound || strings.Contains(body, knownMetric) {
		t.Fatalf("admin listener with metrics.listen set: %d, want 404", status)
	}
}

// A metrics.listen that cannot be bound stops the server, naming the key.
func TestMetricsListenBindFailure(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	s, err := New(testConfig(t, "metrics: {listen: \""+taken.Addr().String()+"\"}\n"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if _, err := s.Listen(); err == nil || !strings.Contains(err.Error(), "metrics.listen") {
		t.Fatalf("Listen = %v, want an error naming metrics.listen", err)
	}
}

// S6.4: every HTTP server pushauth runs has the hardened limits, and the
// write timeout outlasts the device API's longest long poll.
func TestHTTPServersAreHardened(t *testing.T) {
	cfg := testConfig(t, "metrics: {listen: \"127.0.0.1:0\"}\n")
	s, err := New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	ls, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Radius.Close()
	servers := s.httpServers(ls)
	if len(servers) != 3 {
		t.Fatalf("%d HTTP servers, want admin, device and metrics", len(servers))
	}
	for i, h := range servers {
		defer h.ln.Close()
		srv := h.srv
		if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 ||
			srv.ErrorLog == nil || srv.WriteTimeout <= deviceapi.DefaultMaxLongPoll {
			t.Errorf("server %d not hardened: %+v", i, srv)
		}
		if srv.IdleTimeout > 10*time.Second {
			t.Errorf("server %d keeps idle keep-alive connections %s, want at most 10s", i, srv.IdleTimeout)
		}
		lim, ok := h.ln.(*httpserve.Listener)
		if !ok {
			t.Fatalf("server %d listener %T has no connection cap", i, h.ln)
		}
		if _, perAddr := lim.Listener.(*connlimit.Listener); perAddr != (h.ln == servers[1].ln) {
			t.Errorf("server %d: per-address cap %v, want it on the device API (server 1) only", i, perAddr)
		}
	}
}

// S6.4: the device API's cap is what the open-files limit leaves after
// the reserve (128 and an eighth) and the admin and metrics listeners'
// own caps, within bounds; device_api.max_connections overrides it.
func TestConnCapsFollowOpenFiles(t *testing.T) {
	for _, c := range []struct {
		openFiles  uint64
		configured int
		want       int
	}{
		{1024, 0, 1024 - 128 - 1024/8 - adminMaxConns - metricsMaxConns},
		{65536, 0, connlimit.MaxConns},
		{128, 0, connlimit.MinConns},
		{0, 0, httpserve.DefaultMaxConns},
		{1024, 5000, 5000},
	} {
		caps := deriveConnCaps(c.openFiles, c.configured)
		if caps.device != c.want || caps.admin != adminMaxConns || caps.metrics != metricsMaxConns || caps.derived != (c.configured == 0) {
			t.Errorf("deriveConnCaps(%d, %d) = %+v, want device %d", c.openFiles, c.configured, caps, c.want)
		}
	}
}

// keepAlive opens a connection to addr from the local address from, sends
// one request and leaves the connection open; nil when it was answered.
func keepAlive(t *testing.T, addr, from string) error {
	t.Helper()
	c, _, err := testconn.Request(addr, from, "/v1/none")
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return err
}

// S6.4: one address holds at most device_api.max_connections_per_address
// connections to the device API; more are closed at once, counted in
// pushauth_http_connections_refused_total and logged, while other
// addresses are served.
func TestDeviceAPIPerAddressCap(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.DeviceAPI.MaxConnectionsPerAddress = 3
	logs := &logbuf.Buffer{}
	ls := serveLogged(t, cfg, zerolog.New(logs))
	device, admin := ls.Device.Addr().String(), "http://"+ls.Admin.Addr().String()
	for i := range 3 {
		if err := keepAlive(t, device, "127.0.0.1"); err != nil {
			t.Fatalf("connection %d from 127.0.0.1: %v", i, err)
		}
	}
	for range 2 {
		if err := keepAlive(t, device, "127.0.0.1"); err == nil {
			t.Fatal("a connection over the cap was served")
		}
	}
	if err := keepAlive(t, device, "127.0.0.2"); err != nil {
		t.Fatalf("127.0.0.2 while 127.0.0.1 is at its cap: %v", err)
	}
	_, body := get(t, admin+"/metrics", testToken)
	if !strings.Contains(body, `pushauth_http_connections_refused_total{listener="deviceapi"} 2`+"\n") {
		t.Errorf("refusals not counted:\n%s", grepLines(body, "pushauth_http_connections"))
	}
	if !strings.Contains(logs.String(), "connections over the per-address cap closed") {
		t.Error("refusals not logged")
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
