package test

import (
	"context"
	"encoding/base32"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/server"
)

const (
	secret     = "testing123"
	adminToken = "test-admin-token"
)

// baseConfig has one client per agent kind, on distinct loopback addresses.
// The web client turns off the isapi default of number matching (SPEC
// S10.3), which the web tests predate; numbermatching_isapi_test.go tests
// the default.
const baseConfig = `
NOTIFICATIONTIMEOUT: 5
data_dir: DATADIR
radius:
  listen: 127.0.0.1:0
  challenge_timeout: 60s
  clients:
    - {name: desktop, address: 127.0.0.1, secret: testing123, kind: ddl}
    - {name: web, address: 127.0.0.2, secret: testing123, kind: isapi, policy: web, number_matching: false}
    - {name: wifi, address: 127.0.0.3, secret: testing123, kind: eap}
    - {name: legacy, address: 127.0.0.4, secret: testing123, kind: generic, require_message_authenticator: false}
admin_api: {listen: "127.0.0.1:0", token: test-admin-token}
device_api: {listen: "127.0.0.1:0"}
passwords: {argon2_memory_kib: 1024, argon2_time: 1}
log: {level: debug, format: json}
`

// Harness is one pushauth server running in-process for a test.
type Harness struct {
	t         *testing.T
	Server    *server.Server
	Cfg       *config.Config
	Radius    string // host:port of the RADIUS socket
	RadSec    string // host:port of the RadSec listener; "" unless radius.tls.enabled
	AdminURL  string
	DeviceURL string
	Admin     *adminclient.Client
	Logs      *logbuf.Buffer
	stop      func() error
	kill      func() error          // set for nodes run as processes
	signal    func(os.Signal) error // set for nodes run as processes
	respawn   func() *Harness       // set for nodes run as processes
}

// StartServer binds 127.0.0.1:0 sockets, starts the server on them and
// stops it when the test ends. edit may change the loaded config.
func StartServer(t *testing.T, edit func(*config.Config)) *Harness {
	t.Helper()
	return StartServerYAML(t, "", edit)
}

// StartServerYAML is StartServer with radiusYAML (indented lines of the
// radius section, such as "  dictionaries: [...]\n") added to the base
// configuration, for keys that only loading can set.
func StartServerYAML(t *testing.T, radiusYAML string, edit func(*config.Config)) *Harness {
	t.Helper()
	yaml := strings.ReplaceAll(baseConfig, "DATADIR", t.TempDir())
	yaml = strings.Replace(yaml, "radius:\n", "radius:\n"+radiusYAML, 1)
	cfg, _, err := config.LoadBytes("test.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if edit != nil {
		edit(cfg)
	}
	h := &Harness{t: t, Cfg: cfg, Logs: &logbuf.Buffer{}}
	h.start()
	t.Cleanup(func() {
		if err := h.Stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return h
}

// start runs the server on fresh loopback sockets.
func (h *Harness) start() {
	h.t.Helper()
	log := zerolog.New(h.Logs).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	var err error
	if h.Server, err = server.New(h.Cfg, log); err != nil {
		h.t.Fatalf("server: %v", err)
	}
	ls := bindLoopback(h.t)
	h.Radius = ls.Radius.LocalAddr().String()
	if h.Cfg.Radius.TLS.Enabled {
		if ls.RadSec, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			h.t.Fatal(err)
		}
		h.RadSec = ls.RadSec.Addr().String()
	}
	h.AdminURL = "http://" + ls.Admin.Addr().String()
	h.DeviceURL = "http://" + ls.Device.Addr().String()
	h.Admin = adminclient.New(h.AdminURL, adminToken, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Server.Serve(ctx, ls) }()
	h.stop = func() error {
		cancel()
		return <-done
	}
}

// Stop shuts the server down as SIGTERM does and waits until it has (the
// store is closed when it returns). Stopping twice is harmless.
func (h *Harness) Stop() error {
	if h.stop == nil {
		return nil
	}
	stop := h.stop
	h.stop = nil
	return stop()
}

// Restart stops the server and starts it again on the same data
// directory (new sockets: clients and phones must use the new addresses).
func (h *Harness) Restart() {
	h.t.Helper()
	if err := h.Stop(); err != nil {
		h.t.Fatalf("stop: %v", err)
	}
	h.start()
}

func bindLoopback(t *testing.T) server.Listeners {
	t.Helper()
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	device, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return server.Listeners{Radius: udp, Admin: admin, Device: device}
}

// ctx is a context bounded for one test step.
func (h *Harness) ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return c
}

// Client dials the RADIUS socket from a source address such as
// "127.0.0.2:0" ("" = 127.0.0.1).
func (h *Harness) Client(source string) *radclient.Client {
	h.t.Helper()
	c, err := radclient.Dial(h.Radius, source, []byte(secret))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// AddUser creates a user through the admin API.
func (h *Harness) AddUser(name, password string) {
	h.t.Helper()
	if _, err := h.Admin.CreateUser(h.ctx(), name, password); err != nil {
		h.t.Fatalf("create user %s: %v", name, err)
	}
}

// OATH is a programmed OATH token whose codes the test can compute.
type OATH struct {
	Serial string
	seed   []byte
	period int
}

// ProgramOATH programs an OATH token (totp or hotp) through the admin API
// and keeps its seed from the otpauth URI, as an authenticator app would.
func (h *Harness) ProgramOATH(user, algorithm string) *OATH {
	h.t.Helper()
	res, err := h.Admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "oath", Algorithm: algorithm})
	if err != nil {
		h.t.Fatalf("program token: %v", err)
	}
	u, err := url.Parse(res.OTPAuthURI)
	if err != nil {
		h.t.Fatal(err)
	}
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil {
		h.t.Fatalf("otpauth secret: %v", err)
	}
	period, _ := strconv.Atoi(u.Query().Get("period"))
	return &OATH{Serial: res.Serial, seed: seed, period: period}
}

// HOTP is the code for a counter.
func (o *OATH) HOTP(counter uint64) string { return auth.HOTP(o.seed, counter, 6) }

// TOTP is the code for now.
func (o *OATH) TOTP(now time.Time) string {
	return auth.HOTP(o.seed, uint64(auth.TOTPStep(now, o.period)), 6)
}

// SetPolicy creates or changes a policy through the admin API.
func (h *Harness) SetPolicy(name string, settings map[string]string) {
	h.t.Helper()
	values := make(map[string]any, len(settings))
	for k, v := range settings {
		values[k] = v
	}
	h.SetPolicyValues(name, values)
}

// SetPolicyValues is SetPolicy with any values the admin API takes, such
// as a list of reply attributes.
func (h *Harness) SetPolicyValues(name string, settings map[string]any) {
	h.t.Helper()
	if _, err := h.Admin.SetPolicy(h.ctx(), name, settings); err != nil {
		h.t.Fatalf("set policy %s: %v", name, err)
	}
}

// Audit returns the user's audit records, newest first.
func (h *Harness) Audit(user string) []apitype.AuditRecord {
	h.t.Helper()
	recs, err := h.Admin.Audit(h.ctx(), user, 100)
	if err != nil {
		h.t.Fatalf("audit: %v", err)
	}
	return recs
}

// WaitAudit polls until the user has n audit records.
func (h *Harness) WaitAudit(user string, n int) []apitype.AuditRecord {
	h.t.Helper()
	var recs []apitype.AuditRecord
	checkFor(h.t, 10*time.Second, func() bool {
		recs = h.Audit(user)
		return len(recs) >= n
	}, "%d audit records for %s", n, user)
	return recs
}

// adminGet fetches path from the admin listener with the admin token:
// the status and the body.
func (h *Harness) adminGet(path string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.AdminURL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// Metric reads one sample from /metrics, 0 when absent.
func (h *Harness) Metric(name, labels string) float64 {
	h.t.Helper()
	status, body := h.adminGet("/metrics")
	if status != http.StatusOK {
		h.t.Fatalf("GET /metrics: %d", status)
	}
	return sumSeries(string(body), name, labels)
}

// sumSeries adds up the samples of name whose labels include every one in
// labels (`a="x",b="y"`; "" matches every series of name), so that a
// label added later (such as transport) leaves callers' sums alone.
func sumSeries(exposition, name, labels string) float64 {
	pair := regexp.MustCompile(`[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"`)
	want := pair.FindAllString(labels, -1)
	series := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(?:\{([^}]*)\})? (\S+)$`)
	total := 0.0
	for _, m := range series.FindAllStringSubmatch(exposition, -1) {
		have := pair.FindAllString(m[1], -1)
		ok := true
		for _, w := range want {
			ok = ok && slices.Contains(have, w)
		}
		if ok {
			v, _ := strconv.ParseFloat(m[2], 64)
			total += v
		}
	}
	return total
}

// checkFor polls cond until it holds or timeout passes (testwait.Within
// with a formatted description).
func checkFor(t *testing.T, timeout time.Duration, cond func() bool, what string, args ...any) {
	t.Helper()
	testwait.Within(t, timeout, fmt.Sprintf(what, args...), cond)
}
