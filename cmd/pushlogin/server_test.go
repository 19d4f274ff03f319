package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/server"
)

// The server side of these tests follows test/harness_test.go: the real
// pushauthd in-process on 127.0.0.1:0, a desktop (ddl) client for
// 127.0.0.1, and the phone simulated through the device API.

const (
	testSecret     = "testing123"
	testAdminToken = "test-admin-token"
)

const testConfig = `
NOTIFICATIONTIMEOUT: WAIT
data_dir: DATADIR
radius:
  listen: 127.0.0.1:0
  challenge_timeout: 60s
  clients:
    - {name: desktop, address: 127.0.0.1, secret: testing123, kind: ddl}
admin_api: {listen: "127.0.0.1:0", token: test-admin-token}
device_api: {listen: "127.0.0.1:0"}
passwords: {argon2_memory_kib: 1024, argon2_time: 1}
log: {level: debug, format: json}
`

// harness is one pushauthd running in-process for a test.
type harness struct {
	t          *testing.T
	radius     string // host:port of the RADIUS socket
	admin      *adminclient.Client
	secretFile string
}

// startServer starts pushauthd with NOTIFICATIONTIMEOUT wait (seconds) on
// loopback sockets and stops it when the test ends.
func startServer(t *testing.T, wait int) *harness {
	t.Helper()
	dir := t.TempDir()
	yaml := strings.NewReplacer("DATADIR", filepath.Join(dir, "data"), "WAIT", strconv.Itoa(wait)).Replace(testConfig)
	cfg, _, err := config.LoadBytes("test.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := zerolog.New(&logbuf.Buffer{}).Level(zerolog.DebugLevel)
	srv, err := server.New(cfg, log)
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	adminL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deviceL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- srv.Serve(ctx, server.Listeners{Radius: udp, Admin: adminL, Device: deviceL})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	secretFile := filepath.Join(dir, "radius.secret")
	if err := os.WriteFile(secretFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &harness{
		t:          t,
		radius:     udp.LocalAddr().String(),
		admin:      adminclient.New("http://"+adminL.Addr().String(), testAdminToken, nil),
		secretFile: secretFile,
	}
}

// ctx is a context bounded for one test step.
func (h *harness) ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return c
}

// addUser creates a user with a password through the admin API.
func (h *harness) addUser(name, password string) {
	h.t.Helper()
	if _, err := h.admin.CreateUser(h.ctx(), name, password); err != nil {
		h.t.Fatalf("create user %s: %v", name, err)
	}
}

// phone programs a soft token for user and activates it as the phone
// app would, through the device API (long-poll mode).
func (h *harness) phone(user string) *deviceclient.Device {
	h.t.Helper()
	res, err := h.admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		h.t.Fatalf("program soft token: %v", err)
	}
	d, err := deviceclient.Activate(h.ctx(), res.ActivationURL, deviceclient.Options{Platform: "android", OSVersion: "14", PushKind: "poll"})
	if err != nil {
		h.t.Fatalf("activate: %v", err)
	}
	return d
}

// answer approves or denies a push on the phone.
func (h *harness) answer(d *deviceclient.Device, p push.Payload, decision string) {
	h.t.Helper()
	if err := d.Answer(h.ctx(), p, decision); err != nil {
		h.t.Fatalf("answer %s: %v", decision, err)
	}
}

// waitAudit polls until user has n audit records and returns them, newest
// first.
func (h *harness) waitAudit(user string, n int) []apitype.AuditRecord {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err := h.admin.Audit(h.ctx(), user, 100)
		if err != nil {
			h.t.Fatalf("audit: %v", err)
		}
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%d audit records for %s, want %d", len(recs), user, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nextPush long-polls the phone for a push whose nonce is not in known.
func nextPush(t *testing.T, d *deviceclient.Device, known ...string) push.Payload {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := d.NextPush(ctx, 5*time.Second, known...)
	if err != nil {
		t.Fatalf("no push arrived: %v", err)
	}
	return p
}
