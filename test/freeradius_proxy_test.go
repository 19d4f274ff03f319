package test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freeradiusPath finds FreeRADIUS 3; the test skips without it, but fails
// under CI=true, where .ci/run installs it.
func freeradiusPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"freeradius", "/usr/sbin/freeradius"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("freeradius not found; CI must install freeradius")
	}
	t.Skip("freeradius not found: install freeradius to run this test")
	return ""
}

// operationsDocPath is the operations guide, whose FreeRADIUS proxy.conf
// snippet the tests run.
const operationsDocPath = "../docs/operations.md"

// freeradiusDocSnippet returns the proxy.conf snippet of the operations
// guide's RadSec chapter, as the guide shows it, and checks that the
// guide names the max_request_time the tests set.
func freeradiusDocSnippet(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(operationsDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, after, ok := strings.Cut(doc, "**FreeRADIUS 3** as a proxy")
	if !ok {
		t.Fatalf("%s: no \"**FreeRADIUS 3** as a proxy\" paragraph", operationsDocPath)
	}
	if !strings.Contains(after, "`max_request_time = "+freeradiusMaxRequestTime+"`") {
		t.Fatalf("%s: the FreeRADIUS paragraph does not say `max_request_time = %s`", operationsDocPath, freeradiusMaxRequestTime)
	}
	_, block, ok := strings.Cut(after, "```\n")
	if ok {
		block, _, ok = strings.Cut(block, "```\n")
	}
	if !ok {
		t.Fatalf("%s: no code block after the FreeRADIUS paragraph", operationsDocPath)
	}
	return block
}

// freeradiusMaxRequestTime is radiusd.conf's max_request_time, as the
// operations guide tells: FreeRADIUS caps response_window at it.
const freeradiusMaxRequestTime = "60"

// freeradiusProxyConf is the guide's snippet made runnable: the home
// server at 127.0.0.1:port (the guide's push.example.com:2083) with the
// given secret. Every replaced line must be in the snippet exactly once.
func freeradiusProxyConf(t *testing.T, snippet string, port int, secret string) string {
	t.Helper()
	for old, new := range map[string]string{
		"ipaddr = push.example.com": "ipaddr = 127.0.0.1",
		"port = 2083":               fmt.Sprintf("port = %d", port),
		"secret = radsec":           "secret = " + secret,
	} {
		if n := strings.Count(snippet, "    "+old+"\n"); n != 1 {
			t.Fatalf("%s: the FreeRADIUS snippet has %q %d times, want once", operationsDocPath, old, n)
		}
		snippet = strings.Replace(snippet, "    "+old+"\n", "    "+new+"\n", 1)
	}
	return snippet
}

// freeradiusRadiusdConf is a minimal radiusd.conf for a private FreeRADIUS
// in dir: UDP from radclient on 127.0.0.1:udpPort (secret nas-secret),
// every request proxied by the realms of proxy.conf (the suffix module
// finds no realm in a plain name, so DEFAULT), logs in dir.
const freeradiusRadiusdConf = `prefix = /usr
name = freeradius
raddbdir = %[1]s
confdir = %[1]s
certdir = %[1]s
logdir = %[1]s
run_dir = %[1]s
db_dir = %[1]s
libdir = /usr/lib/freeradius
pidfile = %[1]s/freeradius.pid
max_request_time = %[3]s
cleanup_delay = 5
hostname_lookups = no
proxy_requests = yes
log {
	destination = files
	file = %[1]s/radius.log
}
security {
	allow_core_dumps = no
	reject_delay = 0
	status_server = no
}
thread pool {
	start_servers = 4
	max_servers = 16
	min_spare_servers = 2
	max_spare_servers = 8
	max_requests_per_server = 0
}
client radclient {
	ipaddr = 127.0.0.1
	secret = nas-secret
}
modules {
	realm suffix {
		format = suffix
		delimiter = "@"
	}
}
$INCLUDE %[1]s/proxy.conf
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = %[2]d
	}
	authorize {
		suffix
	}
	authenticate {
	}
}
`

// startFreeradiusProxy runs a private FreeRADIUS 3 (threaded, -f) that
// takes UDP from radclient (secret nas-secret) and proxies over TLS to
// rig's RadSec listener with the operations guide's proxy.conf, its
// home server secret set to secret. It returns the UDP address once
// FreeRADIUS is ready. Under root it runs as nobody.
func startFreeradiusProxy(t *testing.T, rig *radsecRig, secret string) (addr, logPath string) {
	t.Helper()
	bin := freeradiusPath(t)
	radclientPath(t)
	snippet := freeradiusDocSnippet(t)
	attr, owner := unprivilegedAttr()
	dir := serverDir(t, owner)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	_, p, _ := net.SplitHostPort(rig.h.RadSec)
	var srvPort int
	fmt.Sscan(p, &srvPort)
	files := map[string]string{
		"radiusd.conf":    fmt.Sprintf(freeradiusRadiusdConf, dir, port, freeradiusMaxRequestTime),
		"proxy.conf":      freeradiusProxyConf(t, snippet, srvPort, secret),
		"branch1.crt":     readFile(t, rig.proxy.CertFile),
		"branch1.key":     readFile(t, rig.proxy.KeyFile),
		"pushauth-ca.crt": readFile(t, rig.ca.CertFile),
	}
	for name, body := range files {
		writeOwned(t, filepath.Join(dir, name), body, owner)
	}
	logPath = filepath.Join(dir, "radius.log")
	var out bytes.Buffer // read after Wait
	cmd := exec.Command(bin, "-f", "-d", dir)
	cmd.Stdout, cmd.Stderr, cmd.SysProcAttr, cmd.Dir = &out, &out, attr, dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		<-exited
		if t.Failed() {
			t.Logf("freeradius output:\n%s\nradius.log:\n%s", out.String(), readFile(t, logPath))
		}
	})
	checkFor(t, 15*time.Second, func() bool {
		select {
		case <-exited:
			t.Fatalf("freeradius exited:\n%s\n%s", out.String(), readFile(t, logPath))
		default:
		}
		b, _ := os.ReadFile(logPath)
		return bytes.Contains(b, []byte("Ready to process requests"))
	}, "freeradius ready")
	return fmt.Sprintf("127.0.0.1:%d", port), logPath
}

// serverDir makes a directory for a private server owned by owner (-1:
// the current user) whose parents it can traverse.
func serverDir(t *testing.T, owner int) string {
	t.Helper()
	parent := t.TempDir()
	for _, d := range []string{parent, filepath.Dir(parent)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(parent, "fr")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, owner, owner); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeOwned writes a file readable by owner only.
func writeOwned(t *testing.T, path, body string, owner int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, owner, owner); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// S2.11: FreeRADIUS 3 as the NAS's proxy, with the operations guide's
// proxy.conf (response_window 40) and max_request_time 60: a push held
// 22 s, longer than FreeRADIUS's default response_window of 20 s, and then
// approved reaches radclient as Access-Accept through it.
func TestFreeradiusProxyPushApprovedAfterLongHold(t *testing.T) {
	rig := startRadSecAs(t, "push.example.com", timeout(30))
	proxy, logPath := startFreeradiusProxy(t, rig, "radsec")
	h := rig.h
	approveAfterHoldVia(t, h, proxy, 22*time.Second, 45)
	if log := readFile(t, logPath); strings.Contains(log, "forcing to") {
		t.Fatalf("FreeRADIUS capped response_window:\n%s", log)
	}
}

// S2.11: Through FreeRADIUS: a denied push is Access-Reject; a push left
// unanswered becomes a challenge, whose State carries the soft token's
// passcode to Access-Accept.
func TestFreeradiusProxyDenyAndPasscodeAfterTimeout(t *testing.T) {
	rig := startRadSecAs(t, "push.example.com", timeout(1))
	proxy, _ := startFreeradiusProxy(t, rig, "radsec")
	h := rig.h
	denyThenPasscodeVia(t, h, proxy)
	if n := h.Metric("pushauth_radius_replies_total", `transport="tls"`); n != 3 {
		t.Fatalf("tls replies %v, want 3 (reject, challenge, accept)", n)
	}
}

// S2.11: A FreeRADIUS whose home server secret is not pushauth's: its
// requests fail the Message-Authenticator check and are dropped, so no
// push is sent and radclient gets no answer.
func TestFreeradiusProxyWrongSecret(t *testing.T) {
	rig := startRadSecAs(t, "push.example.com", nil)
	proxy, _ := startFreeradiusProxy(t, rig, "not-the-radsec-secret")
	h := rig.h
	h.AddUser("carol", "pw-carol")
	h.Phone("carol")
	if r := radclientVia(t, proxy, "nas-secret", loginAttrs("carol", "pw-carol", ""), 3); r.Code != "" {
		t.Fatalf("radclient got %q through a proxy with the wrong secret", r.Code)
	}
	checkFor(t, 5*time.Second, func() bool {
		return h.Metric("pushauth_radius_dropped_total", `reason="bad-message-authenticator",transport="tls"`) >= 1
	}, "the request dropped for its Message-Authenticator")
	if n := h.Metric("pushauth_pushes_total", ""); n != 0 {
		t.Fatalf("%v pushes sent for a request under the wrong secret", n)
	}
}
