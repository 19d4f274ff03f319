package test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// appUser creates user with a password and opens the app with one token of
// theirs, added from the activation link as a phone would: the link's page
// offers "Open in the pushauth app", the app's add screen has the code.
func appUser(t *testing.T, h *Harness, user string, sub *Subscription) *App {
	t.Helper()
	h.AddUser(user, "pw-"+user)
	app := OpenApp(t, h, sub)
	act := h.Program(user)
	app.Do("open the activation link", chromedp.Navigate(act.ActivationURL))
	app.WaitFor("open-app")
	app.Click("open-app")
	app.Until("the app's add screen with the code", `document.getElementById("add-code")?.value === `+jsString(act.ActivationCode))
	app.Click("add-submit")
	if title, text := app.Result(); title != "Token added" {
		t.Fatalf("add token: %q %q", title, text)
	}
	return app
}

// S5.3 through the app: a login whose notification never came is listed
// by the app (pending list) and approved there; radclient gets
// Access-Accept.
func TestAppApproveFromPendingList(t *testing.T) {
	h := StartServer(t, timeout(20))
	app := appUser(t, h, "alice", nil)
	login := h.StartRadLogin("alice", "pw-alice", "198.51.100.7", "")
	app.OpenRequest("alice")
	for id, want := range map[string]string{"login-client": "desktop", "login-station": "198.51.100.7", "login-agent": "computer sign-in"} {
		if got := app.Text(id); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	app.Click("approve")
	if title, _ := app.Result(); title != "Approved" {
		t.Fatalf("result %q", title)
	}
	if r := login.Wait(t); r.Code != "Access-Accept" {
		t.Fatalf("radclient: %+v", r)
	}
}
