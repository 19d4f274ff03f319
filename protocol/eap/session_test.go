package eap_test

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"testing"

	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eaptest"
)

const (
	secret       = "testing123"
	password     = "correct horse"
	promptPass   = "Password: "
	promptRetry  = "Type push, or enter a passcode: "
	smallFragent = 300
)

func certs(t testing.TB) eaptest.Certs {
	t.Helper()
	c, err := eaptest.NewCerts()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newSession(t testing.TB, c eaptest.Certs, methods ...eap.Type) *eap.Session {
	t.Helper()
	s, err := eap.NewSession(eap.Config{TLS: c.ServerTLS(), Methods: methods, FragmentSize: smallFragent})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// viaRADIUS carries an EAP packet through EAP-Message attributes and back,
// as the NAS and the server would.
func viaRADIUS(t testing.TB, msg []byte) []byte {
	t.Helper()
	attrs := append([]byte{1, 7, 'a', 'l', 'i', 'c', 'e'}, eap.AppendEAPMessage(nil, msg)...)
	attrs = append(attrs, 80, 18)
	attrs = append(attrs, make([]byte, 16)...)
	got, ok, err := eap.ExtractEAPMessage(attrs)
	if err != nil || !ok {
		t.Fatalf("eap-message round trip: ok=%v err=%v", ok, err)
	}
	return got
}

// decider plays the login actor: it answers each event.
type decider func(s *eap.Session, ev eap.Event) (eap.Step, error)

// converse drives a whole conversation and returns the server's last step.
func converse(t *testing.T, s *eap.Session, p *eaptest.Peer, decide decider) (eap.Step, int) {
	t.Helper()
	step, err := s.Handle(viaRADIUS(t, p.IdentityResponse(1)))
	if err != nil {
		t.Fatalf("identity: %v", err)
	}
	rounds := 0
	for {
		rounds++
		if rounds > 200 {
			t.Fatal("conversation does not end")
		}
		if step.Reply == nil {
			if step.Event.Kind == eap.EventNone {
				t.Fatal("step with neither reply nor event")
			}
			if step, err = decide(s, step.Event); err != nil {
				t.Fatalf("decide %+v: %v", step.Event, err)
			}
			continue
		}
		resp, err := p.Respond(viaRADIUS(t, step.Reply))
		if err != nil {
			t.Fatalf("peer: %v", err)
		}
		if step.Done {
			if resp != nil {
				t.Fatal("peer answered the last packet")
			}
			return step, rounds
		}
		if step, err = s.Handle(viaRADIUS(t, resp)); err != nil {
			t.Fatalf("server: %v", err)
		}
	}
}

// pushFlow accepts the password, then asks for "push" once, then accepts.
func pushFlow(t *testing.T) decider {
	return func(s *eap.Session, ev eap.Event) (eap.Step, error) {
		switch ev.Kind {
		case eap.EventIdentity:
			if ev.Identity != "alice" {
				t.Errorf("inner identity %q", ev.Identity)
			}
			return s.Prompt(promptPass)
		case eap.EventPassword:
			if ev.Identity != "alice" || ev.Secret != password {
				return s.Fail()
			}
			return s.Succeed()
		case eap.EventAnswer:
			switch ev.Secret {
			case password:
				return s.Prompt(promptRetry)
			case "push":
				return s.Succeed()
			}
			return s.Fail()
		}
		return eap.Step{}, fmt.Errorf("event %v", ev.Kind)
	}
}

func checkKeys(t *testing.T, step eap.Step, p *eaptest.Peer) {
	t.Helper()
	if len(step.Keys.MSK) != 64 || !bytes.Equal(step.Keys.MSK, p.MSK()) {
		t.Fatalf("server msk %x, peer msk %x", step.Keys.MSK, p.MSK())
	}
	var auth [16]byte
	if _, err := rand.Read(auth[:]); err != nil {
		t.Fatal(err)
	}
	recv, send, err := eap.MPPEAttributes(step.Keys, []byte(secret), auth, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		attr []byte
		typ  byte
		want []byte
	}{{recv, eap.VendorTypeRecvKey, p.MSK()[:32]}, {send, eap.VendorTypeSendKey, p.MSK()[32:]}} {
		if c.attr[3] != 0x37 || c.attr[4] != c.typ || int(c.attr[5]) != len(c.attr)-4 {
			t.Fatalf("vendor attribute header % x", c.attr[:6])
		}
		key, err := eap.DecryptMPPEKey(c.attr[6:], []byte(secret), auth)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(key, c.want) {
			t.Fatalf("mppe key type %d: got %x want %x", c.typ, key, c.want)
		}
	}
	if bytes.Equal(recv[6:8], send[6:8]) {
		t.Fatal("both keys use the same salt")
	}
}

var versions = []struct {
	name string
	v    uint16
}{{"tls1.2", tls.VersionTLS12}, {"tls1.3", tls.VersionTLS13}}

func TestTTLSPAP(t *testing.T) {
	c := certs(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			s := newSession(t, c, eap.TypeTTLS)
			p := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Inner: eaptest.PAP, Identity: "anonymous",
				InnerIdentity: "alice", Password: password, TLS: c.ClientTLS(v.v), FragmentSize: smallFragent})
			step, _ := converse(t, s, p, pushFlow(t))
			if done, ok := p.Result(); !done || !ok || !step.Success {
				t.Fatalf("peer done=%v success=%v, server %+v", done, ok, step)
			}
			if s.OuterIdentity() != "anonymous" || s.Identity() != "alice" || s.Inner() != eap.InnerPAP {
				t.Fatalf("outer %q inner %q method %v", s.OuterIdentity(), s.Identity(), s.Inner())
			}
			checkKeys(t, step, p)
		})
	}
}

func TestTTLSPAPWrongPasswordFails(t *testing.T) {
	c := certs(t)
	s := newSession(t, c, eap.TypeTTLS)
	p := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Inner: eaptest.PAP, Identity: "anonymous",
		InnerIdentity: "alice", Password: "wrong", TLS: c.ClientTLS(0)})
	step, _ := converse(t, s, p, pushFlow(t))
	if done, ok := p.Result(); !done || ok || step.Success || step.Err != nil {
		t.Fatalf("peer done=%v success=%v, server %+v", done, ok, step)
	}
}

func TestGTCPushFlow(t *testing.T) {
	c := certs(t)
	for _, m := range []eap.Type{eap.TypePEAP, eap.TypeTTLS} {
		for _, v := range versions {
			t.Run(m.String()+"/"+v.name, func(t *testing.T) {
				s := newSession(t, c, m)
				p := eaptest.New(eaptest.Config{Method: m, Inner: eaptest.GTC, Identity: "anonymous", InnerIdentity: "alice",
					Answers: []string{password, "push"}, TLS: c.ClientTLS(v.v), FragmentSize: smallFragent})
				step, rounds := converse(t, s, p, pushFlow(t))
				if done, ok := p.Result(); !done || !ok || !step.Success {
					t.Fatalf("peer done=%v success=%v, server %+v", done, ok, step)
				}
				if got := p.Prompts(); len(got) != 2 || got[0] != promptPass || got[1] != promptRetry {
					t.Fatalf("prompts %q", got)
				}
				if s.Inner() != eap.InnerGTC || s.Method() != m {
					t.Fatalf("inner %v method %v", s.Inner(), s.Method())
				}
				if rounds < 8 {
					t.Fatalf("%d rounds: fragments were not exercised", rounds)
				}
				checkKeys(t, step, p)
			})
		}
	}
}

func TestGTCDenyFails(t *testing.T) {
	c := certs(t)
	for _, m := range []eap.Type{eap.TypePEAP, eap.TypeTTLS} {
		t.Run(m.String(), func(t *testing.T) {
			s := newSession(t, c, m)
			p := eaptest.New(eaptest.Config{Method: m, Inner: eaptest.GTC, Identity: "anonymous", InnerIdentity: "alice",
				Answers: []string{"nope"}, TLS: c.ClientTLS(0)})
			step, _ := converse(t, s, p, pushFlow(t))
			if done, ok := p.Result(); !done || ok || step.Success {
				t.Fatalf("peer done=%v success=%v, server %+v", done, ok, step)
			}
		})
	}
}

func TestNakToOtherOfferedMethod(t *testing.T) {
	c := certs(t)
	s := newSession(t, c) // PEAP first
	p := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Inner: eaptest.PAP, Identity: "anonymous",
		InnerIdentity: "alice", Password: password, TLS: c.ClientTLS(0)})
	step, _ := converse(t, s, p, pushFlow(t))
	if !step.Success || s.Method() != eap.TypeTTLS {
		t.Fatalf("server %+v, method %v", step, s.Method())
	}
	checkKeys(t, step, p)
}

func TestNakToUnsupportedMethodFails(t *testing.T) {
	c := certs(t)
	for _, tc := range []struct {
		name    string
		methods []eap.Type
		peer    eaptest.Config
	}{
		{"mschapv2", nil, eaptest.Config{Method: eap.TypePEAP, NakTo: []eap.Type{26}}},
		{"not allowed for the client", []eap.Type{eap.TypePEAP}, eaptest.Config{Method: eap.TypeTTLS}},
		{"no alternative", nil, eaptest.Config{Method: eap.TypePEAP, NakTo: []eap.Type{0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, c, tc.methods...)
			tc.peer.TLS = c.ClientTLS(0)
			if tc.peer.NakTo != nil {
				tc.peer.Method = eap.TypeTTLS // so the PEAP start gets a Nak
			}
			p := eaptest.New(tc.peer)
			step, _ := converse(t, s, p, pushFlow(t))
			if step.Success || !errors.Is(step.Err, eap.ErrUnsupported) {
				t.Fatalf("server %+v", step)
			}
		})
	}
}

func TestInstructionsOutOfStateRefused(t *testing.T) {
	c := certs(t)
	s := newSession(t, c, eap.TypeTTLS)
	if _, err := s.Prompt("x"); !errors.Is(err, eap.ErrState) {
		t.Fatalf("prompt before identity: %v", err)
	}
	if _, err := s.Succeed(); !errors.Is(err, eap.ErrState) {
		t.Fatalf("succeed before identity: %v", err)
	}
	p := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Inner: eaptest.PAP, Identity: "anonymous",
		InnerIdentity: "alice", Password: password, TLS: c.ClientTLS(0)})
	step, _ := converse(t, s, p, func(s *eap.Session, ev eap.Event) (eap.Step, error) {
		if _, err := s.Prompt("Password: "); !errors.Is(err, eap.ErrState) {
			t.Errorf("prompt under ttls/pap: %v", err)
		}
		return s.Succeed()
	})
	if !step.Success {
		t.Fatalf("server %+v", step)
	}
	if _, err := s.Fail(); !errors.Is(err, eap.ErrDone) {
		t.Fatalf("fail after the end: %v", err)
	}
	if _, err := s.Handle(p.IdentityResponse(1)); !errors.Is(err, eap.ErrDone) {
		t.Fatalf("handle after the end: %v", err)
	}
}

func TestSucceedNeedsAnAnswer(t *testing.T) {
	c := certs(t)
	s := newSession(t, c, eap.TypePEAP)
	p := eaptest.New(eaptest.Config{Method: eap.TypePEAP, Inner: eaptest.GTC, Identity: "anonymous",
		InnerIdentity: "alice", Password: password, TLS: c.ClientTLS(0)})
	step, _ := converse(t, s, p, func(s *eap.Session, ev eap.Event) (eap.Step, error) {
		if ev.Kind == eap.EventIdentity {
			if _, err := s.Succeed(); !errors.Is(err, eap.ErrState) {
				t.Errorf("succeed on identity alone: %v", err)
			}
			return s.Prompt(promptPass)
		}
		return s.Succeed()
	})
	if !step.Success {
		t.Fatalf("server %+v", step)
	}
}

func TestMalformedResponsesDiscarded(t *testing.T) {
	c := certs(t)
	s := newSession(t, c, eap.TypePEAP)
	first, err := s.Handle(eaptest.New(eaptest.Config{Identity: "anonymous"}).IdentityResponse(7))
	if err != nil {
		t.Fatal(err)
	}
	id := first.Reply[1]
	for name, b := range map[string][]byte{
		"empty":            {},
		"short":            {2, id, 0},
		"length too long":  {2, id, 0, 9, 25, 0},
		"length too short": {2, id, 0, 5, 25, 0},
		"request":          {1, id, 0, 6, 25, 0},
		"success":          {3, id, 0, 4},
		"unknown code":     {9, id, 0, 4},
		"wrong id":         {2, id + 1, 0, 6, 25, 0},
		"no type":          {2, id, 0, 4},
	} {
		if _, err := s.Handle(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if s.Done() {
		t.Fatal("discarded packets ended the conversation")
	}
	// A TLS packet with a bad length ends it with a Failure.
	step, err := s.Handle([]byte{2, id, 0, 8, 25, 0x80, 0, 0})
	if err != nil || !step.Done || step.Reply[0] != byte(eap.CodeFailure) || !errors.Is(step.Err, eap.ErrShort) {
		t.Fatalf("bad L length: %+v %v", step, err)
	}
}

func TestExpandedNakFails(t *testing.T) {
	c := certs(t)
	s := newSession(t, c)
	first, err := s.Handle(eaptest.New(eaptest.Config{Identity: "x"}).IdentityResponse(1))
	if err != nil {
		t.Fatal(err)
	}
	step, err := s.Handle([]byte{2, first.Reply[1], 0, 13, 254, 0, 0, 0, 0, 0, 0, 3, 0})
	if err != nil || !step.Done || !errors.Is(step.Err, eap.ErrExpanded) {
		t.Fatalf("expanded nak: %+v %v", step, err)
	}
}

func TestCloseMidHandshake(t *testing.T) {
	c := certs(t)
	s := newSession(t, c, eap.TypeTTLS)
	p := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Identity: "x", TLS: c.ClientTLS(0), FragmentSize: smallFragent})
	defer p.Close()
	step, err := s.Handle(p.IdentityResponse(1))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // start, client hello, first server fragment
		resp, err := p.Respond(step.Reply)
		if err != nil {
			t.Fatal(err)
		}
		if step, err = s.Handle(resp); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // returns only once the handshake goroutine has
	if !s.Done() {
		t.Fatal("not done after close")
	}
}

func TestNewSessionRefusesBadConfig(t *testing.T) {
	c := certs(t)
	for name, cfg := range map[string]eap.Config{
		"no tls":      {},
		"no cert":     {TLS: &tls.Config{}},
		"eap-tls":     {TLS: c.ServerTLS(), Methods: []eap.Type{13}},
		"max tls 1.1": {TLS: &tls.Config{Certificates: c.ServerTLS().Certificates, MaxVersion: tls.VersionTLS11}},
		"fragment 10": {TLS: c.ServerTLS(), FragmentSize: 10},
		"fragment 5k": {TLS: c.ServerTLS(), FragmentSize: 5000},
	} {
		if _, err := eap.NewSession(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTLSBelow12Refused(t *testing.T) {
	c := certs(t)
	s := newSession(t, c, eap.TypeTTLS)
	cfg := c.ClientTLS(0)
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	p := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Identity: "x", TLS: cfg})
	defer p.Close()
	step, err := s.Handle(p.IdentityResponse(1))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Respond(step.Reply)
	if err != nil {
		t.Fatal(err)
	}
	if step, err = s.Handle(resp); err != nil {
		t.Fatal(err)
	}
	if !step.Done || step.Success || step.Err == nil {
		t.Fatalf("tls 1.1 client: %+v", step)
	}
}

func TestPEAPPeerFailureResult(t *testing.T) {
	// A peer whose Result TLV says failure ends the conversation with
	// EAP-Failure even after the caller chose success.
	c := certs(t)
	s := newSession(t, c, eap.TypePEAP)
	p := eaptest.New(eaptest.Config{Method: eap.TypePEAP, Inner: eaptest.GTC, Identity: "anonymous",
		InnerIdentity: "alice", Password: password, TLS: c.ClientTLS(0), RefuseResult: true})
	step, _ := converse(t, s, p, func(s *eap.Session, ev eap.Event) (eap.Step, error) {
		if ev.Kind == eap.EventIdentity {
			return s.Prompt(promptPass)
		}
		return s.Succeed()
	})
	if done, ok := p.Result(); !done || ok || step.Success || step.Err == nil {
		t.Fatalf("peer done=%v success=%v, server %+v", done, ok, step)
	}
}
