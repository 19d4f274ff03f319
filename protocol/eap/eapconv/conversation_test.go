package eapconv

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eaptest"
	"github.com/pushauth/pushauth/push"
)

const testEAPIdle = 10 * time.Second

type eapRig struct {
	*rig
	eap   *Keeper
	certs eaptest.Certs
}

func newEAPRig(t *testing.T, tune ...func(*Config)) *eapRig {
	t.Helper()
	r := newRig(t)
	certs, err := eaptest.NewCerts()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := eap.NewServer(eap.Config{TLS: certs.ServerTLS(), FragmentSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.config(srv)
	cfg.IdleTimeout = testEAPIdle
	for _, f := range tune {
		f(&cfg)
	}
	e, err := Start(r.sys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &eapRig{rig: r, eap: e, certs: certs}
}

var eapClient = &actors.Client{Name: "wlc", Kind: "eap"}

// round sends one EAP packet as the NAS would and returns where the
// reply arrives.
func (r *eapRig) round(state string, msg []byte) chan *Reply {
	ch := make(chan *Reply, 1)
	r.eap.Submit(&Request{State: state, Message: msg, Client: eapClient, CallingStation: "aa-bb",
		Received: time.Now()}, func(rep *Reply) { ch <- rep })
	return ch
}

func waitReply(t *testing.T, ch chan *Reply) *Reply {
	t.Helper()
	select {
	case rep := <-ch:
		return rep
	case <-time.After(waitFor):
		t.Fatal("no eap reply")
		return nil
	}
}

// converse runs a peer's conversation in the background until the
// server's last reply; rounds held by a login wait as long as it takes.
func (r *eapRig) converse(peer *eaptest.Peer) <-chan *Reply {
	out := make(chan *Reply, 1)
	go func() {
		msg, state := peer.IdentityResponse(1), ""
		for {
			rep := <-r.round(state, msg)
			if rep.Code != actors.Challenge {
				_, _ = peer.Respond(rep.EAPMessage)
				out <- rep
				return
			}
			var err error
			if msg, err = peer.Respond(rep.EAPMessage); err != nil {
				out <- &Reply{Code: actors.Drop, Message: err.Error()}
				return
			}
			state = rep.State
		}
	}()
	return out
}

func finalReply(t *testing.T, ch <-chan *Reply, want actors.ReplyCode) *Reply {
	t.Helper()
	select {
	case rep := <-ch:
		if rep.Code != want {
			t.Fatalf("conversation ended with %v (%q), want %v", rep.Code, rep.Message, want)
		}
		return rep
	case <-time.After(waitFor):
		t.Fatal("conversation did not end")
		return nil
	}
}

func (r *eapRig) peer(method eap.Type, inner eaptest.Inner, user, password string, answers ...string) *eaptest.Peer {
	p := eaptest.New(eaptest.Config{Method: method, Inner: inner, Identity: "anonymous", InnerIdentity: user,
		Password: password, Answers: answers, TLS: r.certs.ClientTLS(0), FragmentSize: 300})
	r.t.Cleanup(p.Close)
	return p
}

// S8.2: the push goes out after the inner password; approve → EAP-Success
// with the keys the peer derived too.
func TestEAPTTLSPAPPushApproved(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	peer := r.peer(eap.TypeTTLS, eaptest.PAP, "pia", "pw-pia")
	done := r.converse(peer)
	n := r.nextPush()
	if n.Payload.User != "pia" || n.Payload.Agent != "eap" {
		t.Fatalf("push for %q agent %q", n.Payload.User, n.Payload.Agent)
	}
	r.answer(n, push.Approve)
	rep := finalReply(t, done, actors.Accept)
	if !bytes.Equal(rep.Keys.MSK, peer.MSK()) || len(rep.Keys.MSK) != 64 {
		t.Fatal("server and peer keys differ")
	}
	if ok, success := peer.Result(); !ok || !success {
		t.Fatal("peer did not see EAP-Success")
	}
	if recs := r.audits(1); recs[0].Outcome != "accept" || recs[0].Agent != "eap" {
		t.Fatalf("audit %+v", recs[0])
	}
}

// S8.2: a timeout brings the GTC prompt for push or a passcode; the
// passcode answer is checked by the same login (its State).
func TestEAPPEAPGTCTimeoutThenPasscode(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	peer := r.peer(eap.TypePEAP, eaptest.GTC, "pia", "", "pw-pia", hotp0)
	done := r.converse(peer)
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, "waiting")
	r.clock.Advance(r.set.NotificationTimeout)
	finalReply(t, done, actors.Accept)
	prompts := peer.Prompts()
	if len(prompts) != 2 || prompts[0] != msgEAPPassword || prompts[1] != msgPushOrCode {
		t.Fatalf("prompts %q", prompts)
	}
	if recs := r.audits(1); recs[0].Reason != "timeout-then-passcode" {
		t.Fatalf("audit reason %q", recs[0].Reason)
	}
}

// S8.2, S3.1: "push" at the GTC prompt sends another push; a deny ends
// the conversation with EAP-Failure.
func TestEAPTTLSGTCPushAgainThenDeny(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	peer := r.peer(eap.TypeTTLS, eaptest.GTC, "pia", "", "pw-pia", "push")
	done := r.converse(peer)
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, "waiting")
	r.clock.Advance(r.set.NotificationTimeout)
	n2 := r.nextPush()
	r.answer(n2, push.Deny)
	rep := finalReply(t, done, actors.Reject)
	if rep.Message != msgDenied {
		t.Fatalf("reply message %q", rep.Message)
	}
	if ok, success := peer.Result(); !ok || success {
		t.Fatal("peer did not see EAP-Failure")
	}
}

// A supplicant that answers every GTC prompt with its stored password
// asks for another push at the prompt after a timeout, not a passcode.
func TestEAPStoredPasswordAtPromptIsPush(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	peer := r.peer(eap.TypePEAP, eaptest.GTC, "pia", "pw-pia") // every answer: the password
	done := r.converse(peer)
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, "waiting")
	r.clock.Advance(r.set.NotificationTimeout)
	r.answer(r.nextPush(), push.Approve)
	finalReply(t, done, actors.Accept)
	if recs := r.audits(1); recs[0].Reason != "approved" {
		t.Fatalf("audit reason %q", recs[0].Reason)
	}
}

// S8.2: TTLS/PAP cannot show a prompt: a timeout is Access-actors.Reject.
func TestEAPTTLSPAPTimeoutRejects(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	done := r.converse(r.peer(eap.TypeTTLS, eaptest.PAP, "pia", "pw-pia"))
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, "waiting")
	r.clock.Advance(r.set.NotificationTimeout)
	if rep := finalReply(t, done, actors.Reject); rep.Message != msgEAPNoAnswer {
		t.Fatalf("reply message %q", rep.Message)
	}
}

// New conversations beyond MaxConversations are rejected.
func TestEAPConversationCap(t *testing.T) {
	r := newRig(t)
	certs, err := eaptest.NewCerts()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := eap.NewServer(eap.Config{TLS: certs.ServerTLS()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.config(srv)
	cfg.MaxConversations = 1
	e, err := Start(r.sys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	er := &eapRig{rig: r, eap: e, certs: certs}
	id := eaptest.New(eaptest.Config{Identity: "anonymous"}).IdentityResponse(1)
	if rep := waitReply(t, er.round("", id)); rep.Code != actors.Challenge {
		t.Fatalf("first conversation got %v", rep.Code)
	}
	if rep := waitReply(t, er.round("", id)); rep.Code != actors.Reject {
		t.Fatalf("second conversation got %v", rep.Code)
	}
}

// S2.2 inside the tunnel: a wrong password is EAP-Failure, no push.
func TestEAPWrongPassword(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	finalReply(t, r.converse(r.peer(eap.TypePEAP, eaptest.GTC, "pia", "wrong")), actors.Reject)
	r.noPush()
}

// S8.3: append mode over TTLS/PAP: "password,passcode" logs in without a
// push.
func TestEAPAppendModePasscode(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	old := eapClient
	eapClient = &actors.Client{Name: "wlc", Kind: "eap", AppendMode: true}
	t.Cleanup(func() { eapClient = old })
	finalReply(t, r.converse(r.peer(eap.TypeTTLS, eaptest.PAP, "pia", "pw-pia,"+hotp0)), actors.Accept)
	r.noPush()
}

// The conversation is freed when the NAS stops sending (an abandoned
// supplicant), also in the middle of the TLS handshake.
func TestEAPIdleConversationFreed(t *testing.T) {
	r := newEAPRig(t)
	peer := r.peer(eap.TypeTTLS, eaptest.PAP, "pia", "pw-pia")
	msg, rep := peer.IdentityResponse(1), &Reply{}
	// identity → PEAP start; Nak → TTLS start; ClientHello fragments →
	// acknowledgements, then the server's first flight (TLS data).
	for len(rep.EAPMessage) <= 6 {
		rep = waitReply(t, r.round(rep.State, msg))
		if rep.Code != actors.Challenge || !IsState(rep.State) {
			t.Fatalf("got %v state %q", rep.Code, rep.State)
		}
		var err error
		if msg, err = peer.Respond(rep.EAPMessage); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.conversations(); n != 1 {
		t.Fatalf("%d conversations, want 1", n)
	}
	peer.Close() // the supplicant walks away; its own handshake goroutine ends
	waitHandshakes(t, func(n int) bool { return n == 1 }, "the server's handshake goroutine")
	r.clock.Advance(testEAPIdle)
	r.waitConversations(0)
	waitHandshakes(t, func(n int) bool { return n == 0 }, "no handshake goroutine")
	late := waitReply(t, r.round(rep.State, msg))
	if late.Code != actors.Reject || !bytes.Equal(late.EAPMessage[:1], []byte{byte(eap.CodeFailure)}) {
		t.Fatalf("request for a freed conversation got %v", late.Code)
	}
}

// Routing is by State: an unknown State is Access-actors.Reject with
// EAP-Failure; two conversations run side by side.
func TestEAPRoutingByState(t *testing.T) {
	r := newEAPRig(t)
	rep := waitReply(t, r.round(StatePrefix+"00000000000000000000000000000000", []byte{2, 7, 0, 6, 21, 0}))
	if rep.Code != actors.Reject || rep.EAPMessage[0] != byte(eap.CodeFailure) || rep.EAPMessage[1] != 7 {
		t.Fatalf("unknown state got %v %x", rep.Code, rep.EAPMessage)
	}
	r.user("pia", phoneToken("d1"), oathToken())
	r.user("quentin", phoneToken("d2"), oathToken())
	a := r.converse(r.peer(eap.TypeTTLS, eaptest.PAP, "pia", "pw-pia"))
	b := r.converse(r.peer(eap.TypePEAP, eaptest.GTC, "quentin", "pw-quentin"))
	for range 2 {
		n := r.nextPush()
		if n.Payload.User == "quentin" {
			r.answer(n, push.Deny)
		} else {
			r.answer(n, push.Approve)
		}
	}
	finalReply(t, a, actors.Accept)
	finalReply(t, b, actors.Reject)
	r.waitConversations(0)
}

// A supplicant's repeated response under a new RADIUS request gets the
// same reply; while the login decides, the repeat takes the held
// request's place (one push, one reply).
func TestEAPRepeatedResponse(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	peer := r.peer(eap.TypeTTLS, eaptest.PAP, "pia", "pw-pia")
	first := peer.IdentityResponse(1)
	rep := waitReply(t, r.round("", first))
	hello, err := peer.Respond(rep.EAPMessage)
	if err != nil {
		t.Fatal(err)
	}
	a := waitReply(t, r.round(rep.State, hello))
	b := waitReply(t, r.round(rep.State, hello))
	if !bytes.Equal(a.EAPMessage, b.EAPMessage) {
		t.Fatal("repeated response got a different reply")
	}
	msg, state := hello, rep.State
	for rep = a; ; {
		if msg, err = peer.Respond(rep.EAPMessage); err != nil {
			t.Fatal(err)
		}
		held := r.round(state, msg)
		select {
		case rep = <-held:
			continue
		case n := <-r.pusher.Sent: // the password went to the login
			again := r.round(state, msg)
			if rep := waitReply(t, held); rep.Code != actors.Drop {
				t.Fatalf("replaced request got %v", rep.Code)
			}
			r.answer(n, push.Approve)
			if rep := waitReply(t, again); rep.Code != actors.Accept {
				t.Fatalf("got %v", rep.Code)
			}
			r.noPush()
			return
		case <-time.After(waitFor):
			t.Fatal("no reply and no push")
		}
	}
}

// Messages reaching the EAP keeper and its conversations are either
// protobuf or node-local by design: Request carries the function that
// sends its RADIUS reply, eapLoginReply wraps the login's (protobuf)
// Reply for the conversation, eapIdle and eapConvDone are the
// conversation's own timer and end, eapCount a local question. A
// conversation's TLS state cannot leave its node, so none of these ever
// needs to.
func TestEAPMessagesAreProtobufOrNodeLocal(t *testing.T) {
	local := map[string]bool{
		"*eapconv.Request": true, "*eapconv.eapLoginReply": true, "*eapconv.eapIdle": true,
		"*eapconv.eapConvDone": true, "*eapconv.eapCount": true,
		"*actor.Started": true, "*actor.Stopping": true, "*actor.Stopped": true, "*actor.Restarting": true,
		"*actor.PoisonPill": true,
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	r := newEAPRig(t, func(c *Config) {
		c.receiveHook = func(m any) {
			mu.Lock()
			defer mu.Unlock()
			typ := fmt.Sprintf("%T", m)
			if _, ok := m.(proto.Message); !ok && !local[typ] {
				seen[typ] = true
			}
		}
	})
	r.user("pia", phoneToken("d1"), oathToken())
	done := r.converse(r.peer(eap.TypeTTLS, eaptest.PAP, "pia", "pw-pia"))
	r.answer(r.nextPush(), push.Approve)
	finalReply(t, done, actors.Accept)
	r.waitConversations(0)
	mu.Lock()
	defer mu.Unlock()
	for typ := range seen {
		t.Errorf("%s reaches an actor and is neither protobuf nor listed as node-local", typ)
	}
}

// waitHandshakes polls the goroutine dump until the number of TLS
// handshake goroutines (protocol/eap.Tunnel) satisfies ok.
func waitHandshakes(t *testing.T, ok func(int) bool, what string) {
	t.Helper()
	testwait.Within(t, waitFor, "handshake goroutines: "+what, func() bool {
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
			t.Fatal(err)
		}
		return ok(bytes.Count(buf.Bytes(), []byte("eap.(*Tunnel).Handshake.func")))
	})
}

func (r *eapRig) conversations() int {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	n, err := r.eap.Conversations(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r *eapRig) waitConversations(want int) {
	r.t.Helper()
	testwait.Within(r.t, waitFor, fmt.Sprintf("%d eap conversations", want), func() bool {
		return r.conversations() == want
	})
}

// S10.3 over PEAP/GTC: the GTC prompt after the password shows the number;
// the supplicant's empty answer is held for the phone, whose right pick
// ends in EAP-Success.
func TestEAPNumberMatchingOverGTC(t *testing.T) {
	r := newEAPRig(t)
	r.user("pia", phoneToken("d1"), oathToken())
	r.numberMatchingFor("pia")
	peer := r.peer(eap.TypePEAP, eaptest.GTC, "pia", "", "pw-pia", "")
	msg, state := peer.IdentityResponse(1), ""
	var held chan *Reply
	for held == nil { // rounds in this goroutine, so the peer's prompts can be read between them
		ch := r.round(state, msg)
		if len(peer.Prompts()) == 2 {
			held = ch // the answer to the number prompt: the login holds it
			break
		}
		rep := waitReply(t, ch)
		if rep.Code != actors.Challenge {
			t.Fatalf("conversation ended early: %v %q", rep.Code, rep.Message)
		}
		var err error
		if msg, err = peer.Respond(rep.EAPMessage); err != nil {
			t.Fatal(err)
		}
		state = rep.State
	}
	number, ok := push.ShownNumber(peer.Prompts()[1])
	if !ok {
		t.Fatalf("second prompt %q shows no number", peer.Prompts()[1])
	}
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, "waiting")
	if len(held) != 0 {
		t.Fatal("the answer to the number prompt was not held for the phone")
	}
	if st := r.pick(n, number); st != actors.AnswerAccepted {
		t.Fatalf("pick: %v", st)
	}
	rep := waitReply(t, held)
	for rep.Code == actors.Challenge { // PEAPv0's result exchange
		msg, err := peer.Respond(rep.EAPMessage)
		if err != nil {
			t.Fatal(err)
		}
		rep = waitReply(t, r.round(rep.State, msg))
	}
	if rep.Code != actors.Accept {
		t.Fatalf("reply %v %q, want actors.Accept", rep.Code, rep.Message)
	}
	if _, err := peer.Respond(rep.EAPMessage); err != nil {
		t.Fatal(err)
	}
	if ok, success := peer.Result(); !ok || !success {
		t.Fatal("peer did not see EAP-Success")
	}
}
