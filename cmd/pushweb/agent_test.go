package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/internal/testwait"
)

func accept(seenRequest) (layeh.Code, string, string) { return layeh.CodeAccessAccept, "", "" }

// A visitor without a session is sent to page 1 with where they were
// going; the whole approve path ends on that page, signed in.
func TestApproveSignsInAndRedirects(t *testing.T) {
	rad := startRADIUS(t, accept)
	ta := startAgent(t, testConfig(rad.addr))
	c := ta.client
	r := ta.get(c, "/reports?q=1")
	if r.status != http.StatusSeeOther || r.location != prefix+"login?next=%2Freports%3Fq%3D1" {
		t.Fatalf("unauthenticated GET: %d %q", r.status, r.location)
	}
	ta.login(c, "alice", "/reports?q=1")
	ta.waitReady(c)
	r = ta.get(c, prefix+"wait")
	if r.status != http.StatusSeeOther || r.location != "/reports?q=1" {
		t.Fatalf("after approval: %d %q", r.status, r.location)
	}
	var session *http.Cookie
	for _, sc := range (&http.Response{Header: r.header}).Cookies() {
		if sc.Name == cookieSession {
			session = sc
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie %+v", session)
	}
	r = ta.get(c, "/reports?q=1")
	if r.status != http.StatusOK || !strings.Contains(r.body, `<strong id="user">alice</strong>`) {
		t.Fatalf("demo page: %d\n%s", r.status, r.body)
	}
	req := rad.requests()
	if len(req) != 1 || req[0].user != "alice" || req[0].password != "" || req[0].state != "" || req[0].station != "127.0.0.1" {
		t.Fatalf("RADIUS requests %+v", req)
	}
}

// Forms without the token, with another browser's token, or from another
// site are refused, and nothing is sent to pushauthd.
func TestFormsNeedCSRFTokenAndSameOrigin(t *testing.T) {
	rad := startRADIUS(t, accept)
	ta := startAgent(t, testConfig(rad.addr))
	token := csrf(t, ta.get(ta.client, prefix+"login").body)
	other := newClient(t, ta.srv)
	otherToken := csrf(t, ta.get(other, prefix+"login").body)
	for name, form := range map[string]url.Values{
		"missing":         {"username": {"alice"}},
		"another browser": {"username": {"alice"}, "csrf": {otherToken}},
		"forged":          {"username": {"alice"}, "csrf": {"AAAA"}},
	} {
		if r := ta.do(ta.client, http.MethodPost, prefix+"login", form); r.status != http.StatusForbidden {
			t.Errorf("%s token: %d", name, r.status)
		}
	}
	r := ta.do(ta.client, http.MethodPost, prefix+"login", url.Values{"username": {"alice"}, "csrf": {token}},
		"Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden {
		t.Errorf("cross-site form: %d", r.status)
	}
	if n := len(rad.requests()); n != 0 {
		t.Fatalf("%d RADIUS requests after refused forms", n)
	}
}

// Deny → the denial page; its OK goes back to page 1 for the same
// destination; the flow is over.
func TestDenyShowsDenialPage(t *testing.T) {
	rad := startRADIUS(t, func(seenRequest) (layeh.Code, string, string) {
		return layeh.CodeAccessReject, "The sign-in was denied on your device; this login is cancelled.", ""
	})
	ta := startAgent(t, testConfig(rad.addr))
	ta.login(ta.client, "bob", "/wiki")
	ta.waitReady(ta.client)
	r := ta.get(ta.client, prefix+"wait")
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="denied"`) || !strings.Contains(r.body, `action="/_pushweb/login"`) ||
		!strings.Contains(r.body, `name="next" value="/wiki"`) {
		t.Fatalf("denial page: %d\n%s", r.status, r.body)
	}
	if r = ta.get(ta.client, prefix+"wait"); r.status != http.StatusSeeOther || r.location != prefix+"login" {
		t.Fatalf("after the denial page: %d %q", r.status, r.location)
	}
}

// Timeout → RESEND sends the challenge's State with an empty answer; a
// passcode goes with the State too; "push" typed is a RESEND.
func TestTimeoutResendAndPasscodeUseState(t *testing.T) {
	rad := startRADIUS(t, func(r seenRequest) (layeh.Code, string, string) {
		switch {
		case r.password == "123456":
			return layeh.CodeAccessAccept, "", ""
		default:
			return layeh.CodeAccessChallenge, "No answer from your device. Submit an empty answer or type push to send another notification, or enter a passcode.\nOr enter your GridSure PIP from this grid:\n1 2 3 4 5", "st-1"
		}
	})
	ta := startAgent(t, testConfig(rad.addr))
	c := ta.client
	token := ta.login(c, "carol", "/")
	ta.waitReady(c)
	r := ta.get(c, prefix+"wait")
	if !strings.Contains(r.body, `id="timed-out"`) || !strings.Contains(r.body, `id="resend"`) ||
		!strings.Contains(r.body, "1 2 3 4 5") {
		t.Fatalf("timeout page:\n%s", r.body)
	}
	ta.do(c, http.MethodPost, prefix+"resend", url.Values{"csrf": {token}})
	ta.waitReady(c)
	ta.do(c, http.MethodPost, prefix+"passcode", url.Values{"csrf": {token}, "passcode": {" PUSH "}})
	ta.waitReady(c)
	r = ta.do(c, http.MethodPost, prefix+"passcode", url.Values{"csrf": {token}, "passcode": {"123456"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("passcode: %d", r.status)
	}
	if r = ta.get(c, prefix+"wait"); r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("after the passcode: %d %q\n%s", r.status, r.location, r.body)
	}
	got := rad.requests()
	want := []seenRequest{{"carol", "", "", "127.0.0.1"}, {"carol", "", "st-1", "127.0.0.1"},
		{"carol", "", "st-1", "127.0.0.1"}, {"carol", "123456", "st-1", "127.0.0.1"}}
	if len(got) != len(want) {
		t.Fatalf("requests %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// "Sign in with another option" while pushauthd holds the request shows
// the passcode page at once; the passcode goes as a new Access-Request
// (no State yet) and its Accept signs in, whatever the held request later
// brings.
func TestAnotherOptionWhileWaiting(t *testing.T) {
	release := make(chan struct{})
	rad := startRADIUS(t, func(r seenRequest) (layeh.Code, string, string) {
		if r.password == "" {
			<-release // the phone never answers while the test runs
			return layeh.CodeAccessChallenge, "No answer from your device. Type push.", "st-9"
		}
		return layeh.CodeAccessAccept, "", ""
	})
	t.Cleanup(func() { close(release) })
	ta := startAgent(t, testConfig(rad.addr))
	c := ta.client
	token := ta.login(c, "dora", "/inbox")
	if r := ta.get(c, prefix+"status"); !strings.Contains(r.body, `"waiting"`) {
		t.Fatalf("status %s", r.body)
	}
	page := ta.get(c, prefix+"wait").body
	if !strings.Contains(page, `<noscript><meta http-equiv="refresh" content="2"></noscript>`) || !strings.Contains(page, `id="other"`) {
		t.Fatalf("waiting page:\n%s", page)
	}
	// The held first request is recorded by the RADIUS server's handler
	// goroutine: wait for it, so the passcode's request is the second.
	testwait.For(t, "the first request to reach the RADIUS server", func() bool { return len(rad.requests()) == 1 })
	ta.do(c, http.MethodPost, prefix+"other", url.Values{"csrf": {token}})
	if r := ta.get(c, prefix+"wait"); !strings.Contains(r.body, `id="passcode"`) || strings.Contains(r.body, `id="timed-out"`) {
		t.Fatalf("another option page:\n%s", r.body)
	}
	ta.do(c, http.MethodPost, prefix+"passcode", url.Values{"csrf": {token}, "passcode": {"654321"}})
	if r := ta.get(c, prefix+"wait"); r.status != http.StatusSeeOther || r.location != "/inbox" {
		t.Fatalf("after the passcode: %d %q", r.status, r.location)
	}
	got := rad.requests()
	if len(got) != 2 || got[1].password != "654321" || got[1].state != "" {
		t.Fatalf("requests %+v", got)
	}
}

// An unknown user (Access-Reject at once) sees the passcode page, as a
// user without a push token would, and any passcode gets the same notice
// as a wrong one.
func TestUnknownUserLooksLikePasscodeUser(t *testing.T) {
	rad := startRADIUS(t, func(seenRequest) (layeh.Code, string, string) {
		return layeh.CodeAccessReject, "Authentication failed.", ""
	})
	ta := startAgent(t, testConfig(rad.addr))
	c := ta.client
	token := ta.login(c, "nobody", "/")
	ta.waitReady(c)
	r := ta.get(c, prefix+"wait")
	if !strings.Contains(r.body, `id="passcode"`) || strings.Contains(r.body, "failed") {
		t.Fatalf("page for an unknown user:\n%s", r.body)
	}
	ta.do(c, http.MethodPost, prefix+"passcode", url.Values{"csrf": {token}, "passcode": {"111111"}})
	r = ta.get(c, prefix+"wait")
	if !strings.Contains(r.body, noticeRefused) {
		t.Fatalf("after a passcode:\n%s", r.body)
	}
}

// Form posts are limited per client address.
func TestRateLimitPerAddress(t *testing.T) {
	rad := startRADIUS(t, accept)
	cfg := testConfig(rad.addr)
	cfg.rate = 1
	ta := startAgent(t, cfg)
	token := csrf(t, ta.get(ta.client, prefix+"login").body)
	var limited bool
	for i := 0; i <= defaultBurst; i++ {
		r := ta.do(ta.client, http.MethodPost, prefix+"login", url.Values{"csrf": {token}, "username": {""}})
		limited = r.status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatalf("post %d from one address was not limited", defaultBurst+1)
	}
}

// At most max-logins logins are held; one more is refused with 503.
func TestBoundedLogins(t *testing.T) {
	release := make(chan struct{})
	rad := startRADIUS(t, func(seenRequest) (layeh.Code, string, string) {
		<-release
		return layeh.CodeAccessReject, "", ""
	})
	t.Cleanup(func() { close(release) })
	cfg := testConfig(rad.addr)
	cfg.maxLogins = 2
	ta := startAgent(t, cfg)
	ta.login(newClient(t, ta.srv), "u1", "/")
	ta.login(newClient(t, ta.srv), "u2", "/")
	c := newClient(t, ta.srv)
	token := csrf(t, ta.get(c, prefix+"login").body)
	r := ta.do(c, http.MethodPost, prefix+"login", url.Values{"csrf": {token}, "username": {"u3"}})
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("third login: %d", r.status)
	}
	if n := ta.agent.flows.size(); n != 2 {
		t.Fatalf("%d flows held", n)
	}
}

// Signed-in requests reach the upstream with X-Pushauth-User (the
// browser's own value is replaced) and without pushweb's cookies.
func TestUpstreamGetsUserNotCookies(t *testing.T) {
	seen := make(chan *http.Request, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Clone(r.Context())
		_, _ = w.Write([]byte("upstream " + r.URL.RequestURI()))
	}))
	defer up.Close()
	rad := startRADIUS(t, accept)
	cfg := testConfig(rad.addr)
	cfg.upstream, _ = url.Parse(up.URL)
	ta := startAgent(t, cfg)
	ta.login(ta.client, "erin", "/app/x")
	ta.waitReady(ta.client)
	ta.get(ta.client, prefix+"wait")
	u, _ := url.Parse(ta.srv.URL)
	ta.client.Jar.SetCookies(u, []*http.Cookie{{Name: "app", Value: "keep"}})
	r := ta.do(ta.client, http.MethodGet, "/app/x", nil, userHeader, "mallory")
	if r.body != "upstream /app/x" {
		t.Fatalf("upstream answer %d %q", r.status, r.body)
	}
	got := <-seen
	if got.Header.Get(userHeader) != "erin" || len(got.Header.Values(userHeader)) != 1 {
		t.Errorf("X-Pushauth-User %q", got.Header.Values(userHeader))
	}
	if ck := got.Header.Get("Cookie"); strings.Contains(ck, "pushweb_") || !strings.Contains(ck, "app=keep") {
		t.Errorf("upstream got cookies %q", ck)
	}
}

// A session expires, and a tampered one is refused.
func TestSessionCookie(t *testing.T) {
	k := newKeys([]byte(strings.Repeat("x", 32)))
	now := time.Unix(1_700_000_000, 0)
	v := k.encodeSession(session{user: "ann.o'neil", expires: now.Add(time.Hour)})
	s, err := k.decodeSession(v, now)
	if err != nil || s.user != "ann.o'neil" {
		t.Fatalf("decode: %+v %v", s, err)
	}
	if _, err := k.decodeSession(v, now.Add(time.Hour)); err == nil {
		t.Error("expired session accepted")
	}
	other := newKeys([]byte(strings.Repeat("y", 32)))
	forged := other.encodeSession(session{user: "root", expires: now.Add(time.Hour)})
	for _, bad := range []string{forged, v[:len(v)-2] + "AA", strings.Replace(v, "v1.", "v2.", 1), "", "a.b"} {
		if _, err := k.decodeSession(bad, now); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b?c=d":            "/a/b?c=d",
		"":                    "/",
		"https://evil.test/":  "/",
		"//evil.test/":        "/",
		"/\\evil.test":        "/",
		"/_pushweb/login":     "/",
		"relative":            "/",
		"/ok#frag":            "/ok#frag",
		"/x\r\nSet-Cookie: a": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestApplyReply(t *testing.T) {
	const pushMsg = "No answer from your device. Submit an empty answer or type push to send another notification, or enter a passcode."
	cases := []struct {
		kind  exchangeKind
		r     reply
		err   error
		step  step
		state string
	}{
		{kindFirst, reply{code: layeh.CodeAccessAccept}, nil, stepAccepted, ""},
		{kindFirst, reply{code: layeh.CodeAccessReject, message: "The sign-in was denied on your device"}, nil, stepDenied, ""},
		{kindFirst, reply{code: layeh.CodeAccessReject, message: "Authentication failed."}, nil, stepPasscode, ""},
		{kindFirst, reply{code: layeh.CodeAccessChallenge, message: pushMsg, state: "s"}, nil, stepTimedOut, "s"},
		{kindFirst, reply{code: layeh.CodeAccessChallenge, message: "Enter your passcode.", state: "s"}, nil, stepPasscode, "s"},
		{kindFirst, reply{code: layeh.CodeAccessChallenge, message: pushMsg}, nil, stepUnavailable, ""},
		{kindResend, reply{code: layeh.CodeAccessReject, message: "This login is over. Start again."}, nil, stepFailed, ""},
		{kindPasscode, reply{code: layeh.CodeAccessChallenge, message: "Wrong passcode. Try again.", state: "s2"}, nil, stepPasscode, "s2"},
		{kindPasscode, reply{code: layeh.CodeAccessReject, message: "Authentication failed."}, nil, stepPasscode, ""},
		{kindFirst, reply{}, errBusy, stepUnavailable, ""},
	}
	for i, c := range cases {
		f := flow{state: "old", notice: "old"}
		f.apply(c.kind, c.r, c.err)
		if f.step != c.step || f.state != c.state {
			t.Errorf("case %d: step %v state %q, want %v %q", i, f.step, f.state, c.step, c.state)
		}
		if wantNotice := c.kind == kindPasscode && c.step == stepPasscode; (f.notice != "") != wantNotice {
			t.Errorf("case %d: notice %q", i, f.notice)
		}
	}
}

func TestFlowsExpireAndStayBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	fs := newFlows(2, time.Minute, func() time.Time { return now })
	a, _ := fs.add(flow{user: "a"})
	if _, err := fs.add(flow{user: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.add(flow{user: "c"}); err != errFull {
		t.Fatalf("third flow: %v", err)
	}
	now = now.Add(time.Minute)
	if _, ok := fs.get(a); ok {
		t.Fatal("expired flow returned")
	}
	if _, err := fs.add(flow{user: "c"}); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netipPrefix{mustPrefix("10.0.0.0/8")}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.1.1.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.7, 10.2.2.2")
	if got := clientAddr(r, trusted).String(); got != "198.51.100.7" {
		t.Errorf("behind trusted proxies: %s", got)
	}
	if got := clientAddr(r, nil).String(); got != "10.1.1.1" {
		t.Errorf("no trusted proxies: %s", got)
	}
}
