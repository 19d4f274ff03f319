package test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/directory/slapdtest"
	"github.com/pushauth/pushauth/internal/testwait"
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
	m := consoleCSRF.FindStringSubmatch(get(t, c, h.AdminURL+"/console/signin"))
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	resp, err := c.PostForm(h.AdminURL+"/console/signin", url.Values{"user": {user}, "password": {password}, "csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// consoleSignedIn polls the sign-in's status until it is accepted (the
// answer carries the session cookie).
func consoleSignedIn(t *testing.T, c *http.Client, h *Harness) {
	t.Helper()
	testwait.Within(t, 20*time.Second, "the console sign-in to be accepted", func() bool {
		resp, err := c.Get(h.AdminURL + "/console/signin/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct{ Step, Next string }
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		if st.Step == "refused" {
			t.Fatal("the sign-in was refused")
		}
		return st.Next != ""
	})
}
