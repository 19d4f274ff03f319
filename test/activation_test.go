package test

import (
	"context"
	"crypto/sha256"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/store"
)

// Opening an activation link in a desktop browser shows the QR code of
// the link and the code; once the phone has used it, or when it has
// expired, the page says so (SPEC S4.1, issue 11 item 3).
func TestActivationPageInBrowser(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("alice", "pw")
	res, err := h.Admin.ProgramToken(h.ctx(), "alice", apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBrowser(t, true)
	b.Do("open the activation link", chromedp.Navigate(res.ActivationURL))
	b.WaitFor("qr")
	loaded := run(b, "QR image decoded", chromedp.Poll[bool](
		`(() => { const i = document.getElementById("qr"); return i.complete && i.naturalWidth === 256 && i.naturalHeight === 256; })()`,
		chromedp.WithPollingTimeout(stepTimeout)))
	if !loaded {
		t.Fatal("QR image not decoded")
	}
	code := strings.ReplaceAll(b.Text("code"), " ", "")
	if want := res.ActivationCode; code != want {
		t.Fatalf("page shows code %q, want %q", code, want)
	}
	if steps := b.Text("steps-android") + b.Text("steps-ios"); !strings.Contains(steps, "Open in the pushauth app") ||
		!strings.Contains(steps, "Add to Home Screen") {
		t.Fatalf("instructions %q", steps)
	}
	b.Screenshot("activation-page.png")

	// The page consumed nothing: the phone activates with the link.
	if _, err := deviceclient.Activate(h.ctx(), res.ActivationURL,
		deviceclient.Options{Platform: "android", OSVersion: "14", PushKind: "poll"}); err != nil {
		t.Fatalf("activate after the page: %v", err)
	}
	b.Do("open the used link", chromedp.Navigate(res.ActivationURL))
	b.WaitFor("message")
	if got := b.Text("title"); got != "Activation code expired or used" {
		t.Fatalf("used code page %q", got)
	}

	expired := expiredActivation(t, h, "alice")
	b.Do("open an expired link", chromedp.Navigate(expired))
	b.WaitFor("message")
	if got := b.Text("message"); !strings.Contains(got, "Ask your administrator for a new one") {
		t.Fatalf("expired code page %q", got)
	}
	b.Screenshot("activation-expired.png")
}

// expiredActivation gives the user's soft token an activation code that
// expired a minute ago (straight in the store: the admin API issues codes
// valid for ten minutes) and returns its link.
func expiredActivation(t *testing.T, h *Harness, user string) string {
	t.Helper()
	ctx := context.Background()
	res, err := h.Admin.ProgramToken(h.ctx(), user, apitype.ProgramRequest{Type: "softtoken"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := h.Server.Store().TokenBySerial(ctx, res.Serial)
	if err != nil {
		t.Fatal(err)
	}
	const code = "EXPIREDCODE23456"
	sum := sha256.Sum256([]byte(code))
	if err := h.Server.Store().CreateActivation(ctx, &store.Activation{CodeHash: sum[:], TokenID: tok.ID,
		ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return h.DeviceURL + "/v1/activate?code=" + url.QueryEscape(code)
}
