package test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
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
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eaptest"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// The wifi client of baseConfig (kind eap) sends from this address.
const wifiAddr = "127.0.0.3"

// eapCerts is a test CA and a server certificate signed by it, as PEM
// files, plus the pool for Go peers.
type eapCerts struct {
	dir, ca, cert, key string
	roots              *x509.CertPool
}

const eapServerName = "radius.pushauth.test"

func newEAPCerts(t *testing.T) eapCerts {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pushauth eap test ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: eapServerName},
		DNSNames: []string{eapServerName}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalPKCS8PrivateKey(key)
	c := eapCerts{dir: dir, ca: filepath.Join(dir, "ca.crt"), cert: filepath.Join(dir, "eap.crt"), key: filepath.Join(dir, "eap.key"),
		roots: x509.NewCertPool()}
	c.roots.AddCert(caCert)
	writePEM(t, c.ca, "CERTIFICATE", caDER)
	writePEM(t, c.cert, "CERTIFICATE", der)
	writePEM(t, c.key, "PRIVATE KEY", kb)
	return c
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startEAPServer starts a server with EAP on (fragment size 500 so that
// the certificate and handshake are fragmented) and a phone for user.
func startEAPServer(t *testing.T, edit func(*config.Config)) (*Harness, eapCerts) {
	t.Helper()
	certs := newEAPCerts(t)
	h := StartServer(t, func(c *config.Config) {
		c.EAP = config.EAP{CertFile: certs.cert, KeyFile: certs.key, Methods: []string{"peap", "ttls"},
			FragmentSize: 500, TLSMinVersion: "1.2"}
		if edit != nil {
			edit(c)
		}
	})
	return h, certs
}

// eapolTest is the path of wpa_supplicant's eapol_test: missing skips the
// test locally and fails it under CI=true.
func eapolTest(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("eapol_test")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("eapol_test not found; CI must install eapoltest")
		}
		t.Skip("eapol_test not installed (Debian package eapoltest)")
	}
	return p
}

// eapolMethod is one supplicant setting.
type eapolMethod struct {
	name, eap, phase2 string
	tls13             bool
}

var eapolMethods = []eapolMethod{
	{"peap-gtc", "PEAP", "auth=GTC", false},
	{"ttls-pap", "TTLS", "auth=PAP", false},
	{"ttls-gtc", "TTLS", "autheap=GTC", false},
	{"peap-gtc-tls13", "PEAP", "auth=GTC", true},
	{"ttls-pap-tls13", "TTLS", "auth=PAP", true},
	{"ttls-gtc-tls13", "TTLS", "autheap=GTC", true},
}

// eapolRun is one eapol_test run in the background.
type eapolRun chan eapolResult

type eapolResult struct {
	out  string
	code int
}

// runEapol starts eapol_test for user/password against h from the wifi
// client's address; timeout in seconds.
func runEapol(t *testing.T, h *Harness, certs eapCerts, m eapolMethod, user, password string, timeout int) eapolRun {
	t.Helper()
	bin := eapolTest(t)
	phase1 := ""
	if m.tls13 {
		phase1 = `  phase1="tls_disable_tlsv1_3=0"` + "\n"
	}
	conf := fmt.Sprintf("network={\n  key_mgmt=WPA-EAP\n  eap=%s\n  identity=%q\n  anonymous_identity=\"anonymous\"\n"+
		"  password=%q\n  ca_cert=%q\n  domain_match=%q\n  phase2=%q\n%s}\n",
		m.eap, user, password, certs.ca, eapServerName, m.phase2, phase1)
	path := filepath.Join(t.TempDir(), m.name+".conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(h.Radius)
	if err != nil {
		t.Fatal(err)
	}
	run := make(eapolRun, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeout+10)*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-c", path, "-a", host, "-p", port, "-s", secret, "-A", wifiAddr,
			"-t", fmt.Sprint(timeout), "-M", "02:00:00:00:00:42")
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			code = -1
		}
		run <- eapolResult{out: string(out), code: code}
	}()
	return run
}

// wait returns eapol_test's last line and output.
func (r eapolRun) wait(t *testing.T) (string, string) {
	t.Helper()
	res := <-r
	lines := strings.Split(strings.TrimSpace(res.out), "\n")
	return lines[len(lines)-1], res.out
}

// expectEapolSuccess checks the run's end and returns its output.
func expectEapolSuccess(t *testing.T, r eapolRun) string {
	t.Helper()
	last, out := r.wait(t)
	if last != "SUCCESS" || !strings.Contains(out, "MPPE keys OK: 1  mismatch: 0") {
		t.Fatalf("eapol_test did not succeed (last line %q):\n%s", last, tail(out, 40))
	}
	return out
}

func expectEapolFailure(t *testing.T, r eapolRun) {
	t.Helper()
	last, out := r.wait(t)
	if last != "FAILURE" || !strings.Contains(out, "CTRL-EVENT-EAP-FAILURE") {
		t.Fatalf("eapol_test did not fail with EAP-Failure (last line %q):\n%s", last, tail(out, 40))
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// S8.1, S8.2: eapol_test (wpa_supplicant) logs in over PEAP/GTC, TTLS/PAP
// and TTLS/GTC, TLS 1.2 and 1.3: the push goes out after the inner
// password, approving gives EAP-Success with MS-MPPE keys matching the
// supplicant's.
func TestEAPEapolApproved(t *testing.T) {
	eapolTest(t)
	h, certs := startEAPServer(t, nil)
	for _, m := range eapolMethods {
		t.Run(m.name, func(t *testing.T) {
			user := "eve-" + m.name
			h.AddUser(user, "pw,"+user) // a comma in the password, append mode off
			phone := h.Phone(user)
			run := runEapol(t, h, certs, m, user, "pw,"+user, 20)
			p := NextPush(t, phone)
			if p.User != user || p.Client != "wifi" || p.Agent != "eap" || p.CallingStation != "02-00-00-00-00-42" {
				t.Fatalf("push payload %+v", p)
			}
			if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
				t.Fatal(err)
			}
			out := expectEapolSuccess(t, run)
			version := "SSL: Using TLS version TLSv1.2"
			if m.tls13 {
				version = "SSL: Using TLS version TLSv1.3"
			}
			if !strings.Contains(out, version) {
				t.Fatalf("eapol_test did not say %q", version)
			}
			if rec := h.WaitAudit(user, 1)[0]; rec.Outcome != "accept" || rec.Reason != "approved" || rec.Agent != "eap" {
				t.Fatalf("audit %+v", rec)
			}
		})
	}
}

// S8.2: deny on the phone → EAP-Failure; a wrong password → EAP-Failure
// without a push.
func TestEAPEapolDeniedAndWrongPassword(t *testing.T) {
	eapolTest(t)
	h, certs := startEAPServer(t, nil)
	for _, m := range eapolMethods[:3] {
		t.Run(m.name, func(t *testing.T) {
			user := "dan-" + m.name
			h.AddUser(user, "pw-"+user)
			phone := h.Phone(user)
			run := runEapol(t, h, certs, m, user, "pw-"+user, 20)
			if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Deny); err != nil {
				t.Fatal(err)
			}
			expectEapolFailure(t, run)
			expectEapolFailure(t, runEapol(t, h, certs, m, user, "wrong", 20))
			recs := h.WaitAudit(user, 2)
			reasons := []string{recs[0].Reason, recs[1].Reason}
			if !contains(reasons, "denied") || !contains(reasons, "bad-password") {
				t.Fatalf("audit reasons %q", reasons)
			}
		})
	}
	if n := h.Metric("pushauth_pushes_total", `provider="poll",result="ok"`); n != 3 {
		t.Fatalf("%v pushes, want 3 (none for a wrong password)", n)
	}
}

// S8.3: append mode over TTLS/PAP: "password,passcode" succeeds without
// a push; "password,push" pushes.
func TestEAPEapolAppendMode(t *testing.T) {
	eapolTest(t)
	h, certs := startEAPServer(t, func(c *config.Config) {
		for i := range c.Radius.Clients {
			if c.Radius.Clients[i].Name == "wifi" {
				c.Radius.Clients[i].AppendMode = true
			}
		}
	})
	h.AddUser("ada", "pw-ada")
	phone := h.Phone("ada")
	tok := h.ProgramOATH("ada", "hotp")
	ttlsPAP := eapolMethods[1]
	expectEapolSuccess(t, runEapol(t, h, certs, ttlsPAP, "ada", "pw-ada,"+tok.HOTP(0), 20))
	if rec := h.WaitAudit("ada", 1)[0]; rec.Reason != "passcode" || rec.Token != tok.Serial {
		t.Fatalf("audit %+v", rec)
	}
	run := runEapol(t, h, certs, ttlsPAP, "ada", "pw-ada,push", 20)
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Approve); err != nil {
		t.Fatal(err)
	}
	expectEapolSuccess(t, run)
	if n := h.Metric("pushauth_pushes_total", `provider="poll",result="ok"`); n != 1 {
		t.Fatalf("%v pushes, want 1", n)
	}
}

// goPeer is the project's EAP supplicant (protocol/eap/eaptest), for
// conversations that answer two GTC prompts differently.
func goPeer(certs eapCerts, method eap.Type, inner eaptest.Inner, user string, answers ...string) *eaptest.Peer {
	return eaptest.New(eaptest.Config{Method: method, Inner: inner, Identity: "anonymous", InnerIdentity: user,
		Password: answers[0], Answers: answers, FragmentSize: 400,
		TLS: &tls.Config{RootCAs: certs.roots, ServerName: eapServerName, MinVersion: tls.VersionTLS12}})
}

func eapLogin(t *testing.T, c *radclient.Client, peer *eaptest.Peer) eaptest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := eaptest.Login(ctx, c, []byte(secret), peer, "anonymous", "02-00-00-00-00-43")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// S8.2 with push off: the GTC prompt asks for the passcode at once (no
// GridSure grid for eap, S2.6); the passcode gives EAP-Success with keys.
func TestEAPPushOffPasscode(t *testing.T) {
	h, certs := startEAPServer(t, func(c *config.Config) { c.PushOff = true })
	h.AddUser("gus", "pw-gus")
	h.Phone("gus")
	tok := h.ProgramOATH("gus", "hotp")
	if _, err := h.Admin.ProgramToken(h.ctx(), "gus", apitype.ProgramRequest{Type: "gridsure", PIP: "0,6,12,18"}); err != nil {
		t.Fatal(err)
	}
	for i, m := range []struct {
		method eap.Type
		inner  eaptest.Inner
	}{{eap.TypePEAP, eaptest.GTC}, {eap.TypeTTLS, eaptest.GTC}} {
		peer := goPeer(certs, m.method, m.inner, "gus", "pw-gus", tok.HOTP(uint64(i)))
		defer peer.Close()
		res := eapLogin(t, h.Client(wifiAddr+":0"), peer)
		if res.Code != layeh.CodeAccessAccept || !bytes.Equal(res.Keys.MSK, peer.MSK()) {
			t.Fatalf("%v: %v, keys match %v", m.method, res.Code, bytes.Equal(res.Keys.MSK, peer.MSK()))
		}
		prompts := peer.Prompts()
		if len(prompts) != 2 || !strings.Contains(prompts[1], "passcode") || strings.Contains(prompts[1], "GridSure") {
			t.Fatalf("%v: prompts %q", m.method, prompts)
		}
	}
	// TTLS/PAP cannot show the passcode prompt: Access-Reject.
	peer := goPeer(certs, eap.TypeTTLS, eaptest.PAP, "gus", "pw-gus")
	defer peer.Close()
	if res := eapLogin(t, h.Client(wifiAddr+":0"), peer); res.Code != layeh.CodeAccessReject {
		t.Fatalf("ttls/pap with push off: %v", res.Code)
	}
}

// S8.2 with eapol_test's GTC, which answers every prompt with the stored
// password: after a push timeout that answer asks for another push (not a
// wrong passcode); approving it is EAP-Success.
func TestEAPEapolTimeoutStoredPasswordPushesAgain(t *testing.T) {
	eapolTest(t)
	h, certs := startEAPServer(t, timeout(1))
	h.AddUser("sam", "pw-sam")
	phone := h.Phone("sam")
	for i, m := range []eapolMethod{eapolMethods[0], eapolMethods[2]} {
		run := runEapol(t, h, certs, m, "sam", "pw-sam", 20)
		first := NextPush(t, phone)
		second := NextPush(t, phone, first.Nonce)
		if err := phone.Answer(h.ctx(), second, push.Approve); err != nil {
			t.Fatal(err)
		}
		expectEapolSuccess(t, run)
		if rec := h.WaitAudit("sam", i+1)[0]; rec.Outcome != "accept" || rec.Reason != "approved" {
			t.Fatalf("%s: audit %+v", m.name, rec)
		}
	}
}

// S8.2: after a push timeout the GTC prompt offers push or a passcode;
// "push" sends a second notification, whose approval is EAP-Success.
func TestEAPTimeoutThenPushKeyword(t *testing.T) {
	h, certs := startEAPServer(t, timeout(1))
	h.AddUser("tim", "pw-tim")
	phone := h.Phone("tim")
	peer := goPeer(certs, eap.TypePEAP, eaptest.GTC, "tim", "pw-tim", "push")
	defer peer.Close()
	done := make(chan eaptest.Result, 1)
	c := h.Client(wifiAddr + ":0")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := eaptest.Login(ctx, c, []byte(secret), peer, "anonymous", "")
		if err != nil {
			res.Code = 0
		}
		done <- res
	}()
	first := NextPush(t, phone)
	second := NextPush(t, phone, first.Nonce)
	if err := phone.Answer(h.ctx(), second, push.Approve); err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.Code != layeh.CodeAccessAccept {
		t.Fatalf("got %v", res.Code)
	}
	if prompts := peer.Prompts(); len(prompts) != 2 || !strings.Contains(prompts[1], "type push") {
		t.Fatalf("prompts %q", prompts)
	}
}

// S2.8 over EAP: the NAS retransmits the held request while the phone
// decides; one push, one Access-Accept.
func TestEAPRetransmissionDuringWaitOnePush(t *testing.T) {
	h, certs := startEAPServer(t, nil)
	h.AddUser("rex", "pw-rex")
	phone := h.Phone("rex")
	c := h.Client(wifiAddr + ":0")
	c.Retry = 300 * time.Millisecond
	peer := goPeer(certs, eap.TypeTTLS, eaptest.PAP, "rex", "pw-rex")
	defer peer.Close()
	done := make(chan eaptest.Result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, _ := eaptest.Login(ctx, c, []byte(secret), peer, "anonymous", "")
		done <- res
	}()
	p := NextPush(t, phone)
	checkFor(t, 10*time.Second, func() bool {
		return h.Metric("pushauth_radius_duplicates_total", `state="in-processing"`) >= 3
	}, "three retransmissions")
	if err := phone.Answer(h.ctx(), p, push.Approve); err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.Code != layeh.CodeAccessAccept || !bytes.Equal(res.Keys.MSK, peer.MSK()) {
		t.Fatalf("got %v", res.Code)
	}
	if n := h.Metric("pushauth_pushes_total", `provider="poll",result="ok"`); n != 1 {
		t.Fatalf("%v pushes, want 1", n)
	}
	if n := h.Metric("pushauth_radius_replies_total", `code="Access-Accept"`); n != 1 {
		t.Fatalf("%v accepts, want 1", n)
	}
}

// EAP-Message only from clients of kind eap, and only with a
// Message-Authenticator (RFC 3579 §3.2).
func TestEAPOnlyForEAPClientsWithMessageAuthenticator(t *testing.T) {
	h, certs := startEAPServer(t, func(c *config.Config) {
		for i := range c.Radius.Clients {
			if c.Radius.Clients[i].Name == "wifi" { // PAP requests may omit it; EAP ones never
				c.Radius.Clients[i].RequireMessageAuthenticator = false
			}
		}
	})
	peer := goPeer(certs, eap.TypeTTLS, eaptest.PAP, "x", "x")
	defer peer.Close()
	req := layeh.New(layeh.CodeAccessRequest, []byte(secret))
	_ = rfc2865.UserName_SetString(req, "anonymous")
	eap.AddToPacket(req, peer.IdentityResponse(1))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := h.Client("").Exchange(ctx, req) // the desktop client, kind ddl
	if err != nil {
		t.Fatal(err)
	}
	expectCode(t, resp, layeh.CodeAccessReject)
	resp, err = h.Client(wifiAddr+":0").Exchange(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != layeh.CodeAccessChallenge || !strings.HasPrefix(rfc2865.State_GetString(resp.Packet), "eap-") {
		t.Fatalf("eap client got %v", resp.Code)
	}
	// Without Message-Authenticator: dropped, no reply.
	raw, err := radclient.Encode(req, 7, false)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancelShort()
	if _, err := h.Client(wifiAddr+":0").SendRaw(short, 7, raw); err == nil {
		t.Fatal("eap request without message-authenticator was answered")
	}
}
