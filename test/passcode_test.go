package test

import (
	"context"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// login sends user/password with radclient and returns the reply.
func (h *Harness) radLogin(user, password, state string) RadReply {
	attrs := map[string]string{
		"User-Name":             quote(user),
		"User-Password":         quote(password),
		"Message-Authenticator": "0x00",
	}
	if state != "" {
		attrs["State"] = state
	}
	return h.Radclient(attrs, secret, 5)
}

// S2.2, S2.7, S3.2, S2.1: password then passcode → Accept, through radclient.
func TestPasscodeLoginWithRadclient(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("alice", "correct horse")
	tok := h.ProgramOATH("alice", "hotp")

	r := h.radLogin("alice", "correct horse", "")
	if r.Code != "Access-Challenge" || r.State() == "" {
		t.Fatalf("want Access-Challenge with State, got %+v", r)
	}
	if !strings.Contains(strings.ToLower(r.Attrs["Reply-Message"]), "passcode") {
		t.Fatalf("Reply-Message does not ask for the passcode: %q", r.Attrs["Reply-Message"])
	}
	r = h.radLogin("alice", tok.HOTP(0), r.State())
	if r.Code != "Access-Accept" {
		t.Fatalf("want Access-Accept, got %+v", r)
	}
	recs := h.WaitAudit("alice", 1)
	if recs[0].Outcome != "accept" || recs[0].Token != tok.Serial || recs[0].Client != "desktop" {
		t.Fatalf("audit record %+v", recs[0])
	}
	if strings.Contains(h.Logs.String(), "correct horse") || strings.Contains(h.Logs.String(), tok.HOTP(0)) {
		t.Fatal("a password or passcode reached the logs")
	}
}

// S3.2: a wrong passcode gets a new challenge until the attempt limit, then Reject.
func TestWrongPasscodeChallengesThenRejects(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("strict", map[string]string{"attempt_limit": "2"})
	h.AddUser("bob", "pw-bob")
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "bob", "strict"); err != nil {
		t.Fatal(err)
	}
	h.ProgramOATH("bob", "hotp")

	r := h.radLogin("bob", "pw-bob", "")
	if r.Code != "Access-Challenge" {
		t.Fatalf("first reply %+v", r)
	}
	r = h.radLogin("bob", "000000", r.State())
	if r.Code != "Access-Challenge" || r.State() == "" {
		t.Fatalf("after one wrong passcode want a new challenge, got %+v", r)
	}
	r = h.radLogin("bob", "000001", r.State())
	if r.Code != "Access-Reject" {
		t.Fatalf("at the attempt limit want Access-Reject, got %+v", r)
	}
	if rec := h.WaitAudit("bob", 1)[0]; rec.Reason != "attempt-limit" {
		t.Fatalf("audit reason %q", rec.Reason)
	}
}

// S3.2: a passcode is accepted once, also across a restart of the login.
func TestReusedPasscodeRejected(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("once", map[string]string{"attempt_limit": "1"})
	h.AddUser("carol", "pw-carol")
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "carol", "once"); err != nil {
		t.Fatal(err)
	}
	tok := h.ProgramOATH("carol", "totp")
	code := tok.TOTP(time.Now())

	r := h.radLogin("carol", "pw-carol", "")
	if r = h.radLogin("carol", code, r.State()); r.Code != "Access-Accept" {
		t.Fatalf("first use: %+v", r)
	}
	r = h.radLogin("carol", "pw-carol", "")
	if r.Code != "Access-Challenge" {
		t.Fatalf("second login: %+v", r)
	}
	if r = h.radLogin("carol", code, r.State()); r.Code != "Access-Reject" {
		t.Fatalf("reused passcode: want Access-Reject, got %+v", r)
	}
}

// S2.1: missing Message-Authenticator or a wrong shared secret → no reply.
func TestNoReplyWithoutValidMessageAuthenticator(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("dave", "pw")
	h.ProgramOATH("dave", "hotp")

	noMA := h.Radclient(map[string]string{"User-Name": quote("dave"), "User-Password": quote("pw")}, secret, 1)
	if noMA.Code != "" {
		t.Fatalf("reply to a request without Message-Authenticator: %+v", noMA)
	}
	wrong := h.Radclient(map[string]string{"User-Name": quote("dave"), "User-Password": quote("pw"), "Message-Authenticator": "0x00"}, "not-the-secret", 1)
	if wrong.Code != "" {
		t.Fatalf("reply to a request with the wrong secret: %+v", wrong)
	}
	if n := h.Metric("pushauth_radius_dropped_total", `reason="missing-message-authenticator"`); n != 1 {
		t.Fatalf("missing-MA drops = %v", n)
	}
	if n := h.Metric("pushauth_radius_dropped_total", `reason="bad-message-authenticator"`); n != 1 {
		t.Fatalf("bad-MA drops = %v", n)
	}
}

// S2.1: a client that does not require the attribute may omit it.
func TestLegacyClientWithoutMessageAuthenticator(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("erin", "pw")
	c := h.Client("127.0.0.4:0")
	raw, err := radclient.Encode(radclient.NewAccessRequest([]byte(secret), "erin", "wrong", "", ""), 9, false)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := c.SendRaw(h.ctx(), 9, raw)
	if err != nil || layeh.Code(reply[0]) != layeh.CodeAccessReject {
		t.Fatalf("legacy client: reply %v err %v", reply, err)
	}
	if reply[20] != 80 {
		t.Fatal("reply lacks a leading Message-Authenticator")
	}
}

// S2.8: the same request sent twice after the reply gets byte-identical
// replies and leaves one audit record.
func TestRetransmissionAfterReply(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("frank", "pw-frank")
	raw, err := radclient.Encode(radclient.NewAccessRequest([]byte(secret), "frank", "bad password", "", ""), 42, true)
	if err != nil {
		t.Fatal(err)
	}
	c := h.Client("")
	first, err := c.SendRaw(h.ctx(), 42, raw)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.SendRaw(h.ctx(), 42, raw)
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(second) || layeh.Code(first[0]) != layeh.CodeAccessReject {
		t.Fatalf("replies differ or not a reject: %x vs %x", first, second)
	}
	h.WaitAudit("frank", 1)
	if n := h.Metric("pushauth_radius_duplicates_total", `state="answered"`); n != 1 {
		t.Fatalf("answered duplicates = %v", n)
	}
	if recs := h.Audit("frank"); len(recs) != 1 {
		t.Fatalf("%d audit records, want 1", len(recs))
	}
}

// S2.1: an unknown client address gets no reply and is counted.
func TestUnknownClientDropped(t *testing.T) {
	h := StartServer(t, nil)
	c := h.Client("127.0.0.9:0")
	raw, err := radclient.Encode(radclient.NewAccessRequest([]byte(secret), "x", "y", "", ""), 1, true)
	if err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if reply, err := c.SendRaw(ctx, 1, raw); err == nil {
			t.Fatalf("unknown client got a reply: %x", reply)
		}
		return h.Metric("pushauth_radius_dropped_total", `reason="unknown-client"`) >= 1
	}, "unknown-client drop")
	if n := h.Metric("pushauth_radius_requests_total", `client="desktop"`); n != 0 {
		t.Fatalf("request from an unknown client was processed: %v", n)
	}
}

// S2.2: unknown user and wrong password get the same reply.
func TestUnknownUserAndWrongPasswordLookAlike(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("gina", "pw-gina")
	h.ProgramOATH("gina", "hotp")
	c := h.Client("")
	wrong, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "gina", "nope", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "nobody", "nope", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if wrong.Code != layeh.CodeAccessReject || unknown.Code != layeh.CodeAccessReject {
		t.Fatalf("codes %v %v", wrong.Code, unknown.Code)
	}
	if rfc2865.ReplyMessage_GetString(wrong.Packet) != rfc2865.ReplyMessage_GetString(unknown.Packet) {
		t.Fatal("reply messages differ between unknown user and wrong password")
	}
	if rec := h.WaitAudit("nobody", 1)[0]; rec.Reason != "unknown-user" {
		t.Fatalf("audit reason %q", rec.Reason)
	}
}

// S2.7: a user without any token is rejected after the password.
func TestNoTokenRejected(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("hank", "pw-hank")
	resp, err := h.Client("").Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "hank", "pw-hank", "", ""))
	if err != nil || resp.Code != layeh.CodeAccessReject {
		t.Fatalf("resp %v err %v", resp, err)
	}
	if rec := h.WaitAudit("hank", 1)[0]; !strings.HasPrefix(rec.Reason, "no-token") {
		t.Fatalf("audit reason %q", rec.Reason)
	}
}

// S3.4: unknown or foreign State → Access-Reject.
func TestUnknownAndForeignStateRejected(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("ivy", "pw-ivy")
	h.AddUser("jack", "pw-jack")
	tok := h.ProgramOATH("ivy", "hotp")
	c := h.Client("")
	bogus, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "ivy", "123456", "not-a-login", ""))
	if err != nil || bogus.Code != layeh.CodeAccessReject {
		t.Fatalf("unknown State: %v %v", bogus, err)
	}
	ch, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "ivy", "pw-ivy", "", ""))
	if err != nil || ch.Code != layeh.CodeAccessChallenge {
		t.Fatalf("challenge: %v %v", ch, err)
	}
	state := rfc2865.State_GetString(ch.Packet)
	foreign, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "jack", tok.HOTP(0), state, ""))
	if err != nil || foreign.Code != layeh.CodeAccessReject {
		t.Fatalf("foreign State: %v %v", foreign, err)
	}
	ok, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "ivy", tok.HOTP(0), state, ""))
	if err != nil || ok.Code != layeh.CodeAccessAccept {
		t.Fatalf("the login's own answer after a foreign attempt: %v %v", ok, err)
	}
}

// Policy lockout: after lockout_failures failed logins the user is locked
// even with the right password.
func TestLockout(t *testing.T) {
	h := StartServer(t, nil)
	h.SetPolicy("lock2", map[string]string{"lockout_failures": "2", "lockout_seconds": "300"})
	h.AddUser("kim", "pw-kim")
	if _, err := h.Admin.SetUserPolicy(h.ctx(), "kim", "lock2"); err != nil {
		t.Fatal(err)
	}
	h.ProgramOATH("kim", "hotp")
	c := h.Client("")
	for i := range 2 {
		r, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "kim", "bad", "", ""))
		if err != nil || r.Code != layeh.CodeAccessReject {
			t.Fatalf("failure %d: %v %v", i, r, err)
		}
		h.WaitAudit("kim", i+1)
	}
	r, err := c.Exchange(h.ctx(), radclient.NewAccessRequest([]byte(secret), "kim", "pw-kim", "", ""))
	if err != nil || r.Code != layeh.CodeAccessReject {
		t.Fatalf("locked user: %v %v", r, err)
	}
	if rec := h.WaitAudit("kim", 3)[0]; rec.Reason != "locked-out" {
		t.Fatalf("audit reason %q", rec.Reason)
	}
}
