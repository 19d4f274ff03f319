package test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/testcerts"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// radsecRig is a server with RadSec on and a test CA: the server's
// certificate, and one for the RadSec client "proxy" (CN proxy.test).
type radsecRig struct {
	h     *Harness
	ca    *testcerts.CA
	proxy testcerts.Files
}

// startRadSec starts a server with RadSec on loopback whose RadSec client
// "proxy" is known by its certificate's CN, with the secret "radsec".
func startRadSec(t *testing.T, edit func(*config.Config)) *radsecRig {
	t.Helper()
	return startRadSecAs(t, "pushauth", edit)
}

// startRadSecAs is startRadSec with a server certificate whose CN is
// serverCN (its subjectAltName is 127.0.0.1 either way).
func startRadSecAs(t *testing.T, serverCN string, edit func(*config.Config)) *radsecRig {
	t.Helper()
	ca := testcerts.NewCA(t, "radsec-e2e-ca")
	srv := ca.Node(t, serverCN, testcerts.Options{})
	rig := &radsecRig{ca: ca, proxy: ca.Node(t, "proxy.test", testcerts.Options{DNSNames: []string{"proxy.test"}})}
	rig.h = StartServer(t, func(c *config.Config) {
		c.Radius.TLS = config.RadSec{Enabled: true, CertFile: srv.CertFile, KeyFile: srv.KeyFile, CAFile: ca.CertFile,
			MinVersion: tls.VersionTLS12, IdleTimeout: time.Minute, HandshakeTimeout: 5 * time.Second,
			MaxConnections: 64, MaxConnectionsPerAddress: 8}
		c.Radius.Clients = append(c.Radius.Clients, config.Client{Name: "proxy", TLSSubject: "proxy.test", Secret: "radsec",
			Kind: config.KindDDL, RequireMessageAuthenticator: true})
		if edit != nil {
			edit(c)
		}
	})
	return rig
}

// dial opens a RadSec connection with the proxy's certificate.
func (r *radsecRig) dial(t *testing.T) *tls.Conn {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(r.proxy.CertFile, r.proxy.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	pem, err := os.ReadFile(r.ca.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	roots.AppendCertsFromPEM(pem)
	c, err := tls.Dial("tcp", r.h.RadSec, &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exchangeTLS sends p (id) on c and reads the reply, checking it answers p.
func exchangeTLS(t *testing.T, c net.Conn, p *layeh.Packet, id byte, within time.Duration) *layeh.Packet {
	t.Helper()
	raw, err := radclient.Encode(p, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(within))
	head := make([]byte, 4)
	if _, err := io.ReadFull(c, head); err != nil {
		t.Fatalf("no reply: %v", err)
	}
	reply := make([]byte, int(head[2])<<8|int(head[3]))
	copy(reply, head)
	if _, err := io.ReadFull(c, reply[4:]); err != nil {
		t.Fatal(err)
	}
	if !layeh.IsAuthenticResponse(reply, raw, []byte("radsec")) {
		t.Fatal("reply does not authenticate with the radsec secret")
	}
	resp, err := layeh.Parse(reply, []byte("radsec"))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// S2.11: A login over RadSec is the same login as over UDP: the push names the
// RadSec client, approving answers Access-Accept on the connection with
// the policy's reply attributes (S4.7), and
// the metrics count it under transport="tls". Status-Server is answered.
func TestRadSecPushApprovedGoClient(t *testing.T) {
	rig := startRadSec(t, nil)
	h := rig.h
	h.AddUser("alice", "pw-alice")
	h.SetPolicyValues("vpn", map[string]any{"reply_attributes": []string{"Class: OU=vpn-users;", "Session-Timeout: 3600"}})
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "alice", "vpn"); err != nil {
		t.Fatal(err)
	}
	phone := h.Phone("alice")
	c := rig.dial(t)
	status := exchangeTLS(t, c, layeh.New(layeh.CodeStatusServer, []byte("radsec")), 1, 5*time.Second)
	expectCode(t, &radclient.Response{Packet: status}, layeh.CodeAccessAccept)
	done := make(chan *layeh.Packet, 1)
	go func() {
		done <- exchangeTLS(t, c, radclient.NewAccessRequest([]byte("radsec"), "alice", "pw-alice", "", ""), 2, 20*time.Second)
	}()
	p := NextPush(t, phone)
	if p.Client != "proxy" || p.Agent != "ddl" {
		t.Fatalf("push payload %+v", p)
	}
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	accept := <-done
	expectCode(t, &radclient.Response{Packet: accept}, layeh.CodeAccessAccept)
	// The policy's reply attributes ride on the RadSec Accept too (S4.7).
	if class, timeout := string(rfc2865.Class_Get(accept)), rfc2865.SessionTimeout_Get(accept); class != "OU=vpn-users;" || timeout != 3600 {
		t.Fatalf("Accept over RadSec: Class %q, Session-Timeout %d", class, timeout)
	}
	if n := h.Metric("pushauth_radius_requests_total", `client="proxy",transport="tls"`); n != 2 {
		t.Fatalf("tls requests counted %v, want 2 (Status-Server and the login)", n)
	}
	if n := h.Metric("pushauth_radius_replies_total", `code="Access-Accept",transport="udp"`); n != 0 {
		t.Fatalf("udp replies counted %v", n)
	}
}

// S2.11: The RadSec client is not a UDP client: a UDP request under its secret
// from an address it may use is dropped as from an unknown client.
func TestRadSecClientNotAcceptedOverUDP(t *testing.T) {
	rig := startRadSec(t, func(c *config.Config) {
		// Only the RadSec client, limited to 127.0.0.1, where radclient
		// sends from: its address must not make it a UDP client.
		proxy := c.Radius.Clients[len(c.Radius.Clients)-1]
		proxy.Address = "127.0.0.1"
		c.Radius.Clients = []config.Client{proxy}
	})
	r := rig.h.Radclient(map[string]string{"User-Name": quote("alice"), "User-Password": quote("x"),
		"Message-Authenticator": "0x00"}, "radsec", 1)
	if r.Code != "" {
		t.Fatalf("UDP request under the RadSec client's secret answered: %s", r.Code)
	}
	checkFor(t, 5*time.Second, func() bool {
		return rig.h.Metric("pushauth_radius_dropped_total", `reason="unknown-client",transport="udp"`) == 1
	}, "the UDP request dropped as unknown")
}

// radsecproxyPath finds radsecproxy; the test skips without it, but fails
// under CI=true, where .ci/run installs it.
func radsecproxyPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"radsecproxy", "/usr/sbin/radsecproxy"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("radsecproxy not found; CI must install radsecproxy")
	}
	t.Skip("radsecproxy not found: install radsecproxy to run this test")
	return ""
}

// radsecproxyConf is a radsecproxy configuration that takes UDP from
// radclient (secret nas-secret) and forwards to pushauth over TLS with
// the documented RetryInterval (docs/operations.md, RadSec).
const radsecproxyConf = `ListenUDP 127.0.0.1:%d
LogLevel 3
tls default {
    CACertificateFile %s
    CertificateFile %s
    CertificateKeyFile %s
}
client radclient {
    host 127.0.0.1
    type udp
    secret nas-secret
}
server pushauth {
    host 127.0.0.1
    port %s
    type tls
    tls default
    secret radsec
    RetryInterval 40
}
realm * {
    server pushauth
}
`

// startRadsecproxy runs radsecproxy in the foreground in front of rig's
// RadSec listener and returns its UDP address once it answers.
func startRadsecproxy(t *testing.T, rig *radsecRig) string {
	t.Helper()
	bin := radsecproxyPath(t)
	radclientPath(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	_, srvPort, _ := net.SplitHostPort(rig.h.RadSec)
	conf := filepath.Join(t.TempDir(), "radsecproxy.conf")
	body := fmt.Sprintf(radsecproxyConf, port, rig.ca.CertFile, rig.proxy.CertFile, rig.proxy.KeyFile, srvPort)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", "-c", conf)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder // read after logDone
	logDone, up := make(chan struct{}), make(chan struct{})
	go func(up chan struct{}) { // its own copy of up: the select below reads the outer one
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if up != nil && strings.Contains(sc.Text(), "TLS connection to pushauth") && strings.HasSuffix(sc.Text(), " up") {
				close(up)
				up = nil
			}
		}
	}(up)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		<-logDone
		if t.Failed() {
			t.Logf("radsecproxy log:\n%s", log.String())
		}
	})
	// radsecproxy listens on UDP, then connects to its server; its log
	// says when the TLS connection is up.
	select {
	case <-up:
	case <-logDone:
		t.Fatal("radsecproxy exited")
	case <-time.After(10 * time.Second):
		t.Fatal("radsecproxy did not connect to pushauth over TLS within 10 s")
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// radclientVia sends one request with radclient to addr (one try).
func radclientVia(t *testing.T, addr, secret string, attrs map[string]string, timeout int) RadReply {
	t.Helper()
	var in strings.Builder
	for k, v := range attrs {
		in.WriteString(k + " = " + v + "\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeout+10)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, radclientPath(t), "-x", "-r", "1", "-t", fmt.Sprint(timeout), addr, "auth", secret)
	cmd.Stdin = strings.NewReader(in.String())
	out, _ := cmd.CombinedOutput() // a reject exits 1; the parsed code says what happened
	return parseRadclient(string(out))
}

// loginAttrs are radclient's attributes for a login.
func loginAttrs(user, password, state string) map[string]string {
	a := map[string]string{"User-Name": quote(user), "User-Password": quote(password), "Message-Authenticator": "0x00"}
	if state != "" {
		a["State"] = state
	}
	return a
}

// approveAfterHoldVia sends alice's login through the proxy at proxy
// (radclient waits clientTimeout seconds), lets the phone decide only
// after hold, the time the proxy's default would have given up, and
// wants the Access-Accept through the proxy, counted once over TLS.
func approveAfterHoldVia(t *testing.T, h *Harness, proxy string, hold time.Duration, clientTimeout int) {
	t.Helper()
	h.AddUser("alice", "pw-alice")
	phone := h.Phone("alice")
	began := time.Now()
	done := make(chan RadReply, 1)
	go func() {
		done <- radclientVia(t, proxy, "nas-secret", loginAttrs("alice", "pw-alice", ""), clientTimeout)
	}()
	p := NextPush(t, phone)
	if p.Client != "proxy" {
		t.Fatalf("push from client %q, want the RadSec client proxy", p.Client)
	}
	// The phone decides after the proxy's default would have given up:
	// the hold itself is what the callers test (a simulated slow user,
	// not a wait for something).
	time.Sleep(time.Until(began.Add(hold)))
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.Code != "Access-Accept" {
		t.Fatalf("radclient got %q after %v, want Access-Accept", r.Code, time.Since(began))
	}
	if n := h.Metric("pushauth_radius_replies_total", `code="Access-Accept",transport="tls"`); n != 1 {
		t.Fatalf("tls Access-Accepts %v", n)
	}
}

// S2.11: radsecproxy's default for a TLS server gives up on a request after 10 s
// (RetryInterval 5 × 2); with the documented RetryInterval 40, a push held
// 12 s and then approved reaches radclient as Access-Accept through it.
func TestRadsecproxyPushApprovedAfterLongHold(t *testing.T) {
	rig := startRadSec(t, timeout(30))
	proxy := startRadsecproxy(t, rig)
	h := rig.h
	approveAfterHoldVia(t, h, proxy, 12*time.Second, 40)
}

// denyThenPasscodeVia runs, through the proxy at proxy (radclient's
// address for it), bob's denied push (Access-Reject) and then a push left
// unanswered, whose challenge's State carries the soft token's passcode
// to Access-Accept.
func denyThenPasscodeVia(t *testing.T, h *Harness, proxy string) {
	t.Helper()
	h.AddUser("bob", "pw-bob")
	phone := h.Phone("bob")
	done := make(chan RadReply, 1)
	go func() { done <- radclientVia(t, proxy, "nas-secret", loginAttrs("bob", "pw-bob", ""), 20) }()
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Deny); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.Code != "Access-Reject" || !strings.Contains(r.Attrs["Reply-Message"], "denied") {
		t.Fatalf("deny: %+v", r)
	}
	r := radclientVia(t, proxy, "nas-secret", loginAttrs("bob", "pw-bob", ""), 20)
	if r.Code != "Access-Challenge" || r.State() == "" {
		t.Fatalf("timeout: %+v", r)
	}
	code, err := phone.Code(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := radclientVia(t, proxy, "nas-secret", loginAttrs("bob", code, r.State()), 20); r.Code != "Access-Accept" {
		t.Fatalf("passcode: %+v", r)
	}
}

// S2.11: Through radsecproxy: a denied push is Access-Reject; a push left
// unanswered becomes a challenge, whose State carries the soft token's
// passcode to Access-Accept.
func TestRadsecproxyDenyAndPasscodeAfterTimeout(t *testing.T) {
	rig := startRadSec(t, timeout(1))
	proxy := startRadsecproxy(t, rig)
	h := rig.h
	denyThenPasscodeVia(t, h, proxy)
	if rec := h.WaitAudit("bob", 2)[0]; rec.Reason != "timeout-then-passcode" && rec.Reason != "denied" {
		t.Fatalf("audit %+v", rec)
	}
}

// S2.11: A reload applies radius.clients to RadSec too: a connection opened
// afterwards is identified by the new table (here the certificate no
// longer names a client, so it is refused), while one open before keeps
// the client it was accepted as.
func TestRadSecClientsReload(t *testing.T) {
	rig := startRadSec(t, nil)
	before := rig.dial(t)
	// accepted (the server's side of the handshake done) before the reload
	status := exchangeTLS(t, before, layeh.New(layeh.CodeStatusServer, []byte("radsec")), 1, 5*time.Second)
	expectCode(t, &radclient.Response{Packet: status}, layeh.CodeAccessAccept)
	cfg := *rig.h.Cfg
	cfg.Radius.Clients = append([]config.Client(nil), cfg.Radius.Clients...)
	cfg.Radius.Clients[len(cfg.Radius.Clients)-1].TLSSubject = "someone-else.test"
	rig.h.Server.Reload(&cfg)
	after := rig.dial(t)
	raw, err := radclient.Encode(layeh.New(layeh.CodeStatusServer, []byte("radsec")), 1, true)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = after.Write(raw)
	_ = after.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(after, make([]byte, 20)); err == nil {
		t.Fatal("a connection after the reload was answered with the old client's certificate")
	}
	status = exchangeTLS(t, before, layeh.New(layeh.CodeStatusServer, []byte("radsec")), 2, 5*time.Second)
	expectCode(t, &radclient.Response{Packet: status}, layeh.CodeAccessAccept)
}
