package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// S5.4, S6.9: A user's page says when their pushes are suspended after
// "this wasn't me", and a helpdesk unlock lifts it.
func TestUserPageShowsPushSuspension(t *testing.T) {
	rig := newActionRig(t)
	until := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := rig.srv.Store.SuspendPush(context.Background(), "bob", until, "reported"); err != nil {
		t.Fatal(err)
	}
	ck, csrf := rig.signIn("hugo")
	page := rig.do(ck, http.MethodGet, "/console/users/bob", nil).Body.String()
	if !strings.Contains(page, "suspended until 2031-05-06 07:08:09 UTC (reported)") {
		t.Fatalf("bob's page does not show the suspension:\n%s", page)
	}
	if w := rig.do(ck, http.MethodPost, "/console/users/bob/unlock", url.Values{"csrf": {csrf}}); w.Code >= 400 {
		t.Fatalf("unlock: %d %s", w.Code, w.Body)
	}
	page = rig.do(ck, http.MethodGet, "/console/users/bob", nil).Body.String()
	if !strings.Contains(page, `<dd id="pushes">sent</dd>`) {
		t.Fatalf("bob's pushes after the unlock:\n%s", page)
	}
}
