package actors

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// fakeEncode stands in for radattr's Encode: "Bad: …" entries fail, the
// others encode as their text.
func fakeEncode(entries []string) ([]byte, error) {
	var b []byte
	for _, e := range entries {
		if strings.HasPrefix(e, "Bad") {
			return nil, errors.New("unknown attribute Bad")
		}
		b = append(b, e...)
	}
	return b, nil
}

// givePolicy gives user a policy with the reply attributes attrs.
func (r *rig) givePolicy(user string, attrs ...string) {
	p := store.DefaultPolicy()
	p.Name, p.ReplyAttributes = "vpn-"+user, attrs
	r.store.Mu.Lock()
	defer r.store.Mu.Unlock()
	r.store.Policies[p.Name] = &p
	r.store.Users[user].Policy = p.Name
}

// The accept carries the policy's reply attributes; rejects and
// challenges never do.
func TestAcceptCarriesReplyAttributes(t *testing.T) {
	r := newRig(t, func(d *Deps) { d.ReplyAttributes = fakeEncode })
	r.user("alice", phoneToken("d1"), oathToken())
	r.givePolicy("alice", "Class: a;", "Filter-Id: b")
	q := r.send("alice", "pw-alice", "", "")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.answer(n, push.Approve)
	if rep := q.expect(t, Accept); !bytes.Equal(rep.Attributes, []byte("Class: a;Filter-Id: b")) {
		t.Fatalf("accept attributes %q", rep.Attributes)
	}
	// After a challenge: the passcode's accept carries them too, the
	// challenge does not.
	r.user("bob", phoneToken("d2"), oathToken())
	r.givePolicy("bob", "Class: c;")
	q = r.send("bob", "pw-bob", "", "")
	n = r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	r.clock.Advance(r.set.NotificationTimeout)
	rep := q.expect(t, Challenge)
	if rep.Attributes != nil {
		t.Fatalf("challenge attributes %q", rep.Attributes)
	}
	q = r.send("bob", auth.HOTP(oathSeed, 0, 6), rep.State, "")
	if rep := q.expect(t, Accept); !bytes.Equal(rep.Attributes, []byte("Class: c;")) {
		t.Fatalf("accept after challenge: attributes %q", rep.Attributes)
	}
	q = r.send("bob", "wrong", "", "")
	if rep := q.expect(t, Reject); rep.Attributes != nil {
		t.Fatalf("reject attributes %q", rep.Attributes)
	}
}

// Attributes this node cannot encode reject the login (no push is sent):
// an accept without them could give the user the gateway's default access.
func TestUnencodableReplyAttributesReject(t *testing.T) {
	for name, encode := range map[string]func([]string) ([]byte, error){"bad entry": fakeEncode, "no encoder": nil} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, func(d *Deps) { d.ReplyAttributes = encode })
			r.user("carol", phoneToken("d1"))
			r.givePolicy("carol", "Bad: x")
			r.send("carol", "pw-carol", "", "").expect(t, Reject)
			r.noPush()
			if rec := r.audits(1)[0]; rec.Reason != auth.ReasonReplyAttributes {
				t.Fatalf("audit %+v", rec)
			}
		})
	}
}
