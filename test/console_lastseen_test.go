package test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/push"
)

// S5.6: the console's user page shows when each device was
// last seen: "never" for a phone that has not polled or answered since
// its activation, then, once it polled, the time of that poll to the
// minute in UTC. Against a real pushauthd, with plain HTTP.
func TestConsoleDeviceLastSeen(t *testing.T) {
	h := StartServer(t, func(c *config.Config) { c.Console.Operators = map[string]string{"olga": "readonly"} })
	h.AddUser("olga", "olga-pw")
	h.AddUser("alice", "alice-pw")
	olga, alice := h.Phone("olga"), h.Phone("alice")

	c := &http.Client{Jar: newJar(t)}
	consoleFormSignIn(t, c, h, "olga", "olga-pw")
	if err := olga.Answer(h.ctx(), NextPush(t, olga), push.Approve); err != nil {
		t.Fatal(err)
	}
	consoleSignedIn(t, c, h)

	page := h.AdminURL + "/console/users/alice"
	if got := lastSeenCell(t, get(t, c, page), alice.Serial()); got != "never" {
		t.Fatalf("last seen of a phone that never polled: %q, want never", got)
	}
	before := time.Now().UTC().Truncate(time.Minute)
	if _, err := alice.Pending(h.ctx(), 0); err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	var shown string
	testwait.For(t, "alice's last seen on her page", func() bool {
		shown = lastSeenCell(t, get(t, c, page), alice.Serial())
		return shown != "never"
	})
	at, err := time.Parse("2006-01-02 15:04 MST", shown)
	if err != nil || at.Before(before) || at.After(after) {
		t.Fatalf("last seen shown %q (%v), want the poll's minute in %s..%s UTC", shown, err, before, after)
	}
}

// lastSeenCell is the text of the user page's last seen cell of the
// token serial; it fails t when the page has none.
func lastSeenCell(t *testing.T, page, serial string) string {
	t.Helper()
	m := regexp.MustCompile(`data-last-seen="` + regexp.QuoteMeta(serial) + `">([^<]*)</td>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the user page has no last seen for %s:\n%s", serial, page)
	}
	return m[1]
}
