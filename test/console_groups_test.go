package test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/protocol/console/consoletest"
	"github.com/pushauth/pushauth/push"
)

// S6.8: Members of a directory group in console.groups sign in with that
// group's role (the first listed group they are in); console.operators
// win over groups; a directory user in no such group is refused before
// any login starts. Against slapd, signing in with plain HTTP the way
// the sign-in page's script does.
func TestConsoleDirectoryGroupOperators(t *testing.T) {
	groups := []slapdtest.Group{{CN: "ops", Members: []string{"alice"}}, {CN: "audit", Members: []string{"alice", "bob"}}}
	h, _ := startDirectoryWith(t, groups, func(c *config.Config) {
		c.Console.Groups = []config.ConsoleGroup{
			{DN: slapdtest.GroupDN("ops"), Role: "helpdesk"},
			{DN: slapdtest.GroupDN("audit"), Role: "readonly"},
		}
	})
	alice, bob := h.Phone("alice"), h.Phone("bob")

	c := &http.Client{Jar: newJar(t)}
	consoleFormSignIn(t, c, h, "alice", "alice-dir-pw")
	if err := alice.Answer(h.ctx(), NextPush(t, alice), push.Approve); err != nil {
		t.Fatal(err)
	}
	consoleSignedIn(t, c, h)
	if page := get(t, c, h.AdminURL+"/console/users"); !strings.Contains(page, "alice (helpdesk)") {
		t.Fatalf("alice's Users page does not name her role:\n%s", page)
	}

	b := &http.Client{Jar: newJar(t)}
	consoleFormSignIn(t, b, h, "bob", "bob-dir-pw")
	if err := bob.Answer(h.ctx(), NextPush(t, bob), push.Approve); err != nil {
		t.Fatal(err)
	}
	consoleSignedIn(t, b, h)
	if page := get(t, b, h.AdminURL+"/console/users"); !strings.Contains(page, "bob (readonly)") {
		t.Fatalf("bob's Users page does not name his role:\n%s", page)
	}

	if page := consoleFormSignIn(t, &http.Client{Jar: newJar(t)}, h, "carol", "carol-dir-pw"); !strings.Contains(page, "Sign-in refused.") {
		t.Fatalf("carol (in no group) was not refused:\n%s", page)
	}
	if recs := h.Audit("carol"); len(recs) != 0 {
		t.Fatalf("a login started for carol: %+v", recs)
	}
}

// consoleFormSignIn posts the sign-in form as user and returns the page
// the post ends on.
func consoleFormSignIn(t *testing.T, c *http.Client, h *Harness, user, password string) string {
	t.Helper()
	page, err := consoletest.SignIn(h.ctx(), c, h.AdminURL, user, password)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// consoleSignedIn waits until the sign-in is accepted (the answer carries
// the session cookie).
func consoleSignedIn(t *testing.T, c *http.Client, h *Harness) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := consoletest.WaitSignedIn(ctx, c, h.AdminURL); err != nil {
		t.Fatal(err)
	}
}
