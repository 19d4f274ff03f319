package actors

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// fakeDirectory is a directory password source (PasswordChecker): entries
// by name; local records come from the rig's store. down makes every call
// fail as the real directory does when no server answers.
type fakeDirectory struct {
	local *fakeStore

	mu      sync.Mutex
	entries map[string]fakeEntry
	down    bool
	downAt  string // "identify" or "check": where the directory goes down
}

type fakeEntry struct {
	password, groupPolicy string
	refused               auth.Reason
}

func (f *fakeDirectory) failing(step string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down || f.downAt == step {
		return fmt.Errorf("connect to ldap://dc1: %w", auth.ErrDirectoryUnavailable)
	}
	return nil
}

func (f *fakeDirectory) entry(name string) (fakeEntry, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.entries[name]
	return e, ok
}

func (f *fakeDirectory) Identify(ctx context.Context, name string) (*auth.Identity, error) {
	if err := f.failing("identify"); err != nil {
		return nil, err
	}
	e, ok := f.entry(name)
	if !ok {
		return &auth.Identity{Source: auth.SourceDirectory}, nil
	}
	u, err := f.local.UserByName(ctx, name)
	if err != nil {
		u = nil
	}
	return &auth.Identity{User: u, Source: auth.SourceDirectory, DN: "uid=" + name, GroupPolicy: e.groupPolicy, Refused: e.refused}, nil
}

func (f *fakeDirectory) Check(_ context.Context, id *auth.Identity, password string) (auth.Reason, error) {
	if err := f.failing("check"); err != nil {
		return "", err
	}
	e, ok := f.entry(id.DN[min(len(id.DN), 4):])
	switch {
	case id.DN == "" || !ok:
		return auth.ReasonUnknownUser, nil
	case id.Refused != "":
		return id.Refused, nil
	case password == "" || password != e.password:
		return auth.ReasonBadPassword, nil
	}
	return "", nil
}

// directoryRig is a rig whose password source is a fakeDirectory with
// alice (a phone), bob (no local record) and carol (disabled).
func directoryRig(t *testing.T) (*rig, *fakeDirectory) {
	t.Helper()
	dir := &fakeDirectory{entries: map[string]fakeEntry{
		"alice": {password: "alice-dir-pw"},
		"bob":   {password: "bob-dir-pw"},
		"carol": {password: "carol-dir-pw", refused: "account-disabled"},
	}}
	r := newRig(t, func(d *Deps) { d.PasswordChecker = dir })
	dir.local = r.store
	r.user("alice", phoneToken("d1"), oathToken())
	r.user("carol", phoneToken("d3"))
	return r, dir
}

// SPEC S9.1: the directory's password, then the push → Accept; the local
// hash is not used.
func TestDirectoryPasswordThenPush(t *testing.T) {
	r, _ := directoryRig(t)
	r.send("alice", "pw-alice", "", "").expect(t, Reject) // the local hash's password
	q := r.send("alice", "alice-dir-pw", "", "")
	n := r.nextPush()
	r.waitState(n.Payload.LoginID, stateWaiting)
	if st := r.answer(n, push.Approve); st != AnswerAccepted {
		t.Fatalf("answer: %v", st)
	}
	q.expect(t, Accept)
	recs := r.audits(2)
	if recs[0].Reason != "bad-password" || recs[1].Reason != "approved" {
		t.Fatalf("audit %+v / %+v", recs[0], recs[1])
	}
}

// SPEC S2.2 with the directory: wrong password, unknown user, a directory
// user without a local record and a disabled account all get the same
// Reply-Message; each has its own audit reason; only a wrong password
// counts toward the lockout.
func TestDirectoryRejectsLookAlike(t *testing.T) {
	r, _ := directoryRig(t)
	cases := []struct{ user, password, reason string }{
		{"alice", "wrong", "bad-password"},
		{"mallory", "whatever", "unknown-user"},
		{"bob", "bob-dir-pw", "no-token"},
		{"carol", "carol-dir-pw", "account-disabled"},
		{"alice", "", "bad-password"},
	}
	var msgs []string
	for _, c := range cases {
		msgs = append(msgs, r.send(c.user, c.password, "", "").expect(t, Reject).Message)
	}
	recs := r.audits(len(cases))
	for i, c := range cases {
		if msgs[i] != msgs[0] {
			t.Errorf("%s: Reply-Message %q differs from %q", c.reason, msgs[i], msgs[0])
		}
		if recs[i].Reason != c.reason {
			t.Errorf("record %d: reason %q, want %q", i, recs[i].Reason, c.reason)
		}
	}
	r.noPush()
}

// SPEC S9.1: a directory that cannot answer rejects with reason
// directory-unavailable, never accepts: at the lookup, at the bind, and
// for a token-only (isapi) login that checks no password.
func TestDirectoryUnavailableRejects(t *testing.T) {
	r, dir := directoryRig(t)
	for _, step := range []string{"identify", "check"} {
		dir.mu.Lock()
		dir.downAt = step
		dir.mu.Unlock()
		r.send("alice", "alice-dir-pw", "", "").expect(t, Reject)
	}
	r.store.Mu.Lock()
	r.store.Policies["web"] = &store.Policy{Name: "web", Method: "token", PushEnabled: true, AttemptLimit: 3}
	r.store.Mu.Unlock()
	dir.mu.Lock()
	dir.downAt, dir.down = "", true
	dir.mu.Unlock()
	q := make(request, 1)
	r.sys.Submit(&Attempt{User: "alice", Client: &Client{Name: "web", Kind: "isapi", Policy: "web"},
		ReceivedUnixNano: time.Now().UnixNano()}, func(rep *Reply) { q <- rep })
	q.expect(t, Reject)
	for i, rec := range r.audits(3) {
		if rec.Reason != "directory-unavailable" || rec.Outcome != "reject" {
			t.Fatalf("record %d: %+v", i, rec)
		}
	}
	r.noPush()
	if n := r.store.FailuresOf(1); n != 0 {
		t.Fatalf("an unavailable directory counted %d failures toward alice's lockout", n)
	}
}

// SPEC S9.2: the policy the directory groups select applies, unless the
// user's record names one.
func TestDirectoryGroupPolicy(t *testing.T) {
	r, dir := directoryRig(t)
	r.store.Mu.Lock()
	r.store.Policies["no-push"] = &store.Policy{Name: "no-push", Method: "password+token", PushEnabled: false, AttemptLimit: 3}
	r.store.Mu.Unlock()
	dir.mu.Lock()
	dir.entries["alice"] = fakeEntry{password: "alice-dir-pw", groupPolicy: "no-push"}
	dir.mu.Unlock()
	rep := r.send("alice", "alice-dir-pw", "", "").expect(t, Challenge)
	r.noPush()
	r.send("alice", auth.HOTP(oathSeed, 0, 6), rep.State, "").expect(t, Accept)

	r.store.Mu.Lock()
	r.store.Users["alice"].Policy = "default-push"
	r.store.Policies["default-push"] = &store.Policy{Name: "default-push", Method: "password+token", PushEnabled: true, AttemptLimit: 3}
	r.store.Mu.Unlock()
	r.send("alice", "alice-dir-pw", "", "")
	if n := r.nextPush(); n.Payload.User != "alice" {
		t.Fatalf("push %+v", n.Payload)
	}
}
