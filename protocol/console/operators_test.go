package console

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"
)

// groupsFunc answers InGroups with a function the test changes (the
// directory itself is tested against slapd in test/console_groups_test.go).
type groupsFunc func(user string, dns []string) ([]string, error)

func (f *groupsFunc) InGroups(_ context.Context, user string, dns []string) ([]string, error) {
	return (*f)(user, dns)
}

// S6.8: console.operators win over console.groups; among groups the first
// listed that the user is in gives the role; nobody else is an operator.
func TestRoleOfOperatorsThenFirstGroup(t *testing.T) {
	in := groupsFunc(func(user string, dns []string) ([]string, error) {
		if user == "gail" || user == "olga" {
			return []string{"cn=admins", "cn=helpdesk"}, nil
		}
		return nil, nil
	})
	c := New(Deps{Operators: map[string]string{"olga": "readonly"}, Key: make([]byte, 32), Directory: &in,
		Groups: []GroupRole{{DN: "cn=helpdesk", Role: "helpdesk"}, {DN: "cn=admins", Role: "admin"}}})
	for user, want := range map[string]struct {
		role  string
		group bool
	}{"olga": {"readonly", false}, "gail": {"helpdesk", true}, "mallory": {"", false}} {
		role, group, err := c.roleOf(t.Context(), user)
		if err != nil || role != want.role || group != want.group {
			t.Errorf("%s: role %q group %v err %v, want %+v", user, role, group, err, want)
		}
	}
}

// S6.8: A group operator's membership is asked again after groupRecheck:
// still a member keeps the session; removed from the group, or a
// directory that does not answer, ends it.
func TestGroupOperatorRechecked(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	member := true
	var dirErr error
	asked := 0
	in := groupsFunc(func(string, []string) ([]string, error) {
		asked++
		if member {
			return []string{"cn=helpdesk"}, dirErr
		}
		return nil, dirErr
	})
	c := New(Deps{Key: make([]byte, 32), Directory: &in, Groups: []GroupRole{{DN: "cn=helpdesk", Role: "helpdesk"}},
		SessionIdle: time.Hour, Now: func() time.Time { return now }})
	w := httptest.NewRecorder()
	c.startSession(w, "gail", "helpdesk", true)
	ck := w.Result().Cookies()[0]
	step := func(d time.Duration) *session {
		now = now.Add(d)
		s, w := current(c, ck)
		if cs := w.Result().Cookies(); len(cs) > 0 && cs[0].Value != "" {
			ck = cs[0]
		}
		return s
	}
	if s := step(time.Minute); s == nil || asked != 0 {
		t.Fatalf("within the recheck time: %+v, directory asked %d times", s, asked)
	}
	if s := step(groupRecheck); s == nil || asked != 1 {
		t.Fatalf("still a member: %+v, asked %d", s, asked)
	}
	dirErr = errors.New("directory unavailable")
	if s := step(groupRecheck); s != nil {
		t.Fatal("kept while the directory does not answer")
	}
	dirErr = nil
	if s := step(time.Second); s == nil {
		t.Fatal("not back once the directory answers")
	}
	member = false
	if s := step(groupRecheck); s != nil {
		t.Fatal("kept after removal from the group")
	}
}
