package eap_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eaptest"
)

// drive takes a new Session to some point of a conversation and returns
// it; it is called memorySessions times per scenario.
type drive func(t *testing.T, srv *eap.Server) (*eap.Session, func())

const memorySessions = 300

// measure runs a scenario memorySessions times and returns what each
// Session holds on average (measured) and the average of its
// MemoryEstimate and MemoryReserve.
func measure(t *testing.T, srv *eap.Server, d drive) (measured, estimate, reserve int64) {
	t.Helper()
	sessions := make([]*eap.Session, 0, memorySessions)
	var cleanups []func()
	// The peers are part of the test, not of the server's memory: the
	// drive functions keep theirs alive until cleanup, so build one
	// scenario first to warm up caches (certificate parsing, pools).
	s, done := d(t, srv)
	s.Close()
	done()
	before := eaptest.MemoryInUse()
	for range memorySessions {
		s, done := d(t, srv)
		sessions = append(sessions, s)
		cleanups = append(cleanups, done)
	}
	for _, done := range cleanups {
		done() // the peers go before measuring
	}
	after := eaptest.MemoryInUse()
	for _, s := range sessions {
		estimate += int64(s.MemoryEstimate())
		reserve += int64(s.MemoryReserve())
	}
	for _, s := range sessions {
		s.Close()
	}
	runtime.KeepAlive(sessions)
	n := int64(memorySessions)
	return (after - before) / n, estimate / n, reserve / n
}

// handshakeRounds drives a real peer through the identity and rounds
// responses (0: only the Start sent); -1 runs until the server's step
// needs an instruction (the inner password or identity).
func handshakeRounds(method eap.Type, inner eaptest.Inner, client *tls.Config, rounds int) drive {
	return func(t *testing.T, srv *eap.Server) (*eap.Session, func()) {
		t.Helper()
		p := eaptest.New(eaptest.Config{Method: method, Inner: inner, Identity: "anonymous", InnerIdentity: "alice",
			Password: password, TLS: client})
		s := srv.NewSession()
		step, err := s.Handle(p.IdentityResponse(1))
		for i := 0; err == nil && step.Reply != nil && (rounds < 0 || i < rounds); i++ {
			var resp []byte
			if resp, err = p.Respond(step.Reply); err == nil {
				step, err = s.Handle(resp)
			}
		}
		if err != nil || step.Done {
			t.Fatalf("drive: step %+v, err %v", step, err)
		}
		return s, p.Close
	}
}

// oversizedFragments is an attacker that announces a 64 KiB TLS message
// and sends fragments of it up to almost all of it, so the Session holds
// a partly reassembled message.
func oversizedFragments(t *testing.T, srv *eap.Server) (*eap.Session, func()) {
	t.Helper()
	s := srv.NewSession()
	step, err := s.Handle(identity(1))
	if err != nil {
		t.Fatal(err)
	}
	const total, frag = eap.DefaultMaxTLSMessage, 2000
	sent := 0
	for sent+frag < total-frag {
		d := eap.TLSData{Flags: eap.FlagMore, Data: make([]byte, frag)}
		if sent == 0 {
			d.Flags |= eap.FlagLength
			d.Total = total
		}
		if step, err = s.Handle(response(t, step.Reply, d)); err != nil || step.Done {
			t.Fatalf("fragment at %d: step %+v, err %v", sent, step, err)
		}
		sent += frag
	}
	return s, func() {}
}

// partialClientHello is an attacker whose complete TLS message is the
// start of a ClientHello announced as almost 64 KiB: crypto/tls keeps
// what it got and its handshake waits for the rest.
func partialClientHello(t *testing.T, srv *eap.Server) (*eap.Session, func()) {
	t.Helper()
	s := srv.NewSession()
	step, err := s.Handle(identity(1))
	if err != nil {
		t.Fatal(err)
	}
	const helloLen = 60 << 10
	var msg []byte
	body := make([]byte, 0, helloLen)
	body = append(body, 1, 0, 0, 0) // ClientHello header
	body[1], body[2], body[3] = helloLen>>16, helloLen>>8&0xff, helloLen&0xff
	body = append(body, make([]byte, 40<<10)...) // part of it
	for len(body) > 0 {
		n := min(len(body), 16<<10)
		rec := []byte{22, 3, 1, 0, 0} // handshake record
		binary.BigEndian.PutUint16(rec[3:], uint16(n))
		msg = append(append(msg, rec...), body[:n]...)
		body = body[n:]
	}
	const frag = 2000
	for off := 0; off < len(msg); off += frag {
		d := eap.TLSData{Data: msg[off:min(off+frag, len(msg))]}
		if off == 0 {
			d.Flags, d.Total = eap.FlagLength, uint32(len(msg))
		}
		if off+frag < len(msg) {
			d.Flags |= eap.FlagMore
		}
		if step, err = s.Handle(response(t, step.Reply, d)); err != nil || step.Done {
			t.Fatalf("fragment at %d: step %+v, err %v", off, step, err)
		}
	}
	return s, func() {}
}

func identity(id uint8) []byte {
	b, _ := eap.Packet{Code: eap.CodeResponse, ID: id, Type: eap.TypeIdentity, Data: []byte("anonymous")}.Marshal()
	return b
}

// response answers the EAP-Request req with TLS data of its method.
func response(t *testing.T, req []byte, d eap.TLSData) []byte {
	t.Helper()
	p, err := eap.Parse(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := eap.Packet{Code: eap.CodeResponse, ID: p.ID, Type: p.Type, Data: d.Marshal()}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rsaCerts is a server certificate with an RSA-2048 key, sent with a
// chain of three certificates (a larger flight and costlier signatures
// than the P-256 test certificate), and a client config that accepts it.
func rsaCerts(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: eaptest.ServerName},
		DNSNames: []string{eaptest.ServerName}, NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der, der, der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}},
		&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12} // the peer is not under test
}

// withVersion is cfg limited to one TLS version.
func withVersion(cfg *tls.Config, version uint16) *tls.Config {
	c := cfg.Clone()
	c.MinVersion, c.MaxVersion = version, version
	return c
}

// TestMemoryEstimateCoversMeasured: at every point of ordinary
// conversations and under attackers holding large buffers, what a Session
// says it holds (MemoryEstimate) is at least what the Go heap and stacks
// grew by per Session; and an ordinary conversation never goes beyond the
// reserve it is charged while its handshake runs, so admitting it leaves
// room for all of it.
func TestMemoryEstimateCoversMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	c := certs(t)
	rsaServer, rsaClient := rsaCerts(t)
	newServer := func(cfg *tls.Config, m eap.Type) *eap.Server {
		srv, err := eap.NewServer(eap.Config{TLS: cfg, Methods: []eap.Type{m}})
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	ttls, peap := eap.TypeTTLS, eap.TypePEAP
	ttlsP256, peapP256, ttlsRSA := newServer(c.ServerTLS(), ttls), newServer(c.ServerTLS(), peap), newServer(rsaServer, ttls)
	tls13, tls12, any := c.ClientTLS(tls.VersionTLS13), c.ClientTLS(tls.VersionTLS12), c.ClientTLS(0)
	rsa13, rsa12 := withVersion(rsaClient, tls.VersionTLS13), withVersion(rsaClient, tls.VersionTLS12)
	cases := []struct {
		name     string
		srv      *eap.Server
		drive    drive
		ordinary bool
	}{
		// Rounds count the peer's responses after its identity (a TLS 1.3
		// ClientHello comes in two fragments, for its key shares; the
		// server's flight goes out in fragments of 1024 octets), so the
		// cases stop at points before, in and after the handshake.
		{"start", ttlsP256, handshakeRounds(ttls, eaptest.PAP, any, 0), true},
		{"TLS 1.3 round 2", ttlsP256, handshakeRounds(ttls, eaptest.PAP, tls13, 2), true},
		{"TLS 1.3 round 3", ttlsP256, handshakeRounds(ttls, eaptest.PAP, tls13, 3), true},
		{"TLS 1.2 round 1", ttlsP256, handshakeRounds(ttls, eaptest.PAP, tls12, 1), true},
		{"TLS 1.2 round 2", ttlsP256, handshakeRounds(ttls, eaptest.PAP, tls12, 2), true},
		{"RSA TLS 1.3 round 2", ttlsRSA, handshakeRounds(ttls, eaptest.PAP, rsa13, 2), true},
		{"RSA TLS 1.3 round 5", ttlsRSA, handshakeRounds(ttls, eaptest.PAP, rsa13, 5), true},
		{"RSA TLS 1.2 round 1", ttlsRSA, handshakeRounds(ttls, eaptest.PAP, rsa12, 1), true},
		{"RSA TLS 1.2 round 4", ttlsRSA, handshakeRounds(ttls, eaptest.PAP, rsa12, 4), true},
		{"TTLS/PAP waiting on the login", ttlsP256, handshakeRounds(ttls, eaptest.PAP, any, -1), true},
		{"RSA TTLS/PAP waiting on the login", ttlsRSA, handshakeRounds(ttls, eaptest.PAP, rsaClient, -1), true},
		{"PEAP/GTC identity", peapP256, handshakeRounds(peap, eaptest.GTC, any, -1), true},
		{"PEAP TLS 1.2 identity", peapP256, handshakeRounds(peap, eaptest.GTC, tls12, -1), true},
		{"oversized fragments", ttlsP256, oversizedFragments, false},
		{"partial 60 KiB client hello", ttlsP256, partialClientHello, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			measured, estimate, reserve := measure(t, tc.srv, tc.drive)
			t.Logf("measured %d B, estimate %d B, reserve %d B per session", measured, estimate, reserve)
			if estimate < measured {
				t.Errorf("estimate %d B below the measured %d B", estimate, measured)
			}
			if tc.ordinary && reserve > 0 && estimate > reserve {
				t.Errorf("an ordinary handshake's estimate %d B exceeds its reserve %d B", estimate, reserve)
			}
		})
	}
	if r := ttlsRSA.HandshakeReserve(); r > 128<<10 {
		t.Errorf("handshake reserve %d B: the budget would admit few conversations", r)
	}
}
