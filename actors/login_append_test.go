package actors

import (
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/push"
)

// hotp0 is RFC 4226's first HOTP value for oathSeed.
const hotp0 = "755224"

// S8.3 over plain RADIUS: append mode tries the whole password first (a
// comma may belong to it), then "password,push" and
// "password,passcode".
func TestAppendMode(t *testing.T) {
	r := newRig(t)
	r.user("co,ma", phoneToken("d1"), oathToken()) // password "pw-co,ma"
	appendClient := &Client{Name: "vpn", Kind: "generic", AppendMode: true}
	send := func(user, password string, c *Client) request {
		ch := make(request, 1)
		r.sys.Submit(&Attempt{User: user, Password: password, Client: c, CallingStation: "s",
			ReceivedUnixNano: time.Now().UnixNano()}, func(rep *Reply) { ch <- rep })
		return ch
	}
	q := send("co,ma", "pw-co,ma", appendClient) // the comma belongs to the password
	r.answer(r.nextPush(), push.Approve)
	q.expect(t, Accept)
	q = send("co,ma", "pw-co,ma,push", appendClient)
	r.answer(r.nextPush(), push.Approve)
	q.expect(t, Accept)
	send("co,ma", "pw-co,ma,"+hotp0, appendClient).expect(t, Accept)
	r.noPush()
	q = send("co,ma", "pw-co,ma,000000", appendClient) // wrong passcode: challenged, no push
	if rep := q.reply(t); rep.Code != Challenge || !strings.Contains(rep.Message, msgWrong) {
		t.Fatalf("got %v %q", rep.Code, rep.Message)
	}
	// Without append mode the suffix is part of a wrong password.
	send("co,ma", "pw-co,ma,"+hotp0, &Client{Name: "vpn2", Kind: "generic"}).expect(t, Reject)
	r.noPush()
}
