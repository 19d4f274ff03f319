package test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/push"
)

// webClient is a browser without a browser: net/http with cookies, not
// following redirects.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newWebClient(t *testing.T, w *WebAgent) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, base: w.URL, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (wc *webClient) get(path string) (int, string) {
	wc.t.Helper()
	resp, err := wc.c.Get(wc.base + path)
	if err != nil {
		wc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(b); m != nil {
		wc.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

func (wc *webClient) post(path string, form url.Values) int {
	wc.t.Helper()
	form.Set("csrf", wc.csrf)
	resp, err := wc.c.PostForm(wc.base+path, form)
	if err != nil {
		wc.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitPage polls the flow page until it contains want.
func (wc *webClient) waitPage(want string) string {
	wc.t.Helper()
	var body string
	checkFor(wc.t, 15*time.Second, func() bool {
		_, body = wc.get("/_pushweb/wait")
		return strings.Contains(body, want)
	}, "page with %q", want)
	return body
}

// RESEND after "Sign in with another option", while the first push is
// still on the phone, joins the waiting login: no second notification,
// and approving the first one signs in (docs/agents.md).
func TestWebResendAfterAnotherOptionJoinsPush(t *testing.T) {
	h, w, phone := webUser(t, 10, "hana")
	wc := newWebClient(t, w)
	wc.get("/_pushweb/login")
	if code := wc.post("/_pushweb/login", url.Values{"username": {"hana"}, "next": {"/x"}}); code != http.StatusSeeOther {
		t.Fatalf("login: %d", code)
	}
	first := NextPush(t, phone)
	wc.waitPage(`id="other"`)
	wc.post("/_pushweb/other", url.Values{})
	wc.waitPage(`id="passcode"`)
	wc.post("/_pushweb/resend", url.Values{})
	checkFor(t, 5*time.Second, func() bool {
		return h.Metric("pushauth_login_joins_total", "") == 1
	}, "RESEND joined the waiting login")
	if err := phone.Answer(h.ctx(), first, push.Approve); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 15*time.Second, func() bool {
		code, _ := wc.get("/_pushweb/wait")
		return code == http.StatusSeeOther
	}, "sign-in after approval")
	if code, body := wc.get("/x"); code != http.StatusOK || !strings.Contains(body, `<strong id="user">hana</strong>`) {
		t.Fatalf("after approval: %d %s", code, body)
	}
	if n := h.Metric("pushauth_pushes_total", `provider="poll",result="ok"`); n != 1 {
		t.Fatalf("%v pushes, want 1", n)
	}
}
