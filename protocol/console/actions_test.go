package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// The actions of the user page against a real admin API on a SQLite
// store, with a login core that the test answers (fakeLogins); the
// browser tests in test/console_actions_browser_test.go run them through
// pushauthd and a phone.

// fakeLogins keeps the attempts the console submits; the test answers them.
type fakeLogins struct {
	mu       sync.Mutex
	attempts []*actors.Attempt
	sends    []func(*actors.Reply)
}

func (f *fakeLogins) Submit(a *actors.Attempt, send func(*actors.Reply)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, a)
	f.sends = append(f.sends, send)
}

func (f *fakeLogins) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.attempts)
}

// answer replies to attempt i with code.
func (f *fakeLogins) answer(i int, code actors.ReplyCode) {
	f.mu.Lock()
	send := f.sends[i]
	f.mu.Unlock()
	send(&actors.Reply{Code: code})
}

// actionRig is a console over a real admin API, with users bob and carol.
type actionRig struct {
	t      *testing.T
	c      *Console
	logins *fakeLogins
	api    *adminclient.Client
	srv    *adminapitest.Server
	logs   *logbuf.Buffer
	now    time.Time
}

func newActionRig(t *testing.T) *actionRig {
	t.Helper()
	srv := adminapitest.Start(t, nil)
	rig := &actionRig{t: t, logins: &fakeLogins{}, api: srv.AdminClient(), srv: srv, logs: &logbuf.Buffer{},
		now: time.Now()}
	rig.c = New(Deps{Admin: srv.Config.Handler, Logins: rig.logins,
		Operators: map[string]string{"ada": "admin", "hugo": "helpdesk", "olga": "readonly"},
		Key:       []byte("0123456789abcdef0123456789abcdef"), Log: zerolog.New(rig.logs),
		Now: func() time.Time { return rig.now }})
	for _, name := range []string{"bob", "carol"} {
		if _, err := rig.api.CreateUser(context.Background(), name, name+"-pw"); err != nil {
			t.Fatal(err)
		}
	}
	return rig
}

// signIn is a session of op: its cookie and CSRF token.
func (rig *actionRig) signIn(op string) (*http.Cookie, string) {
	ck := sessionFrom(rig.c, op, rig.c.deps.Operators[op])
	s, _ := current(rig.c, ck)
	return ck, s.CSRF
}

// do sends method path (a form for POST) with the session cookie.
func (rig *actionRig) do(ck *http.Cookie, method, path string, form url.Values) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(ck)
	w := httptest.NewRecorder()
	rig.c.ServeHTTP(w, r)
	return w
}

// exists tells whether the user name is still there.
func (rig *actionRig) exists(name string) bool {
	_, err := rig.api.User(context.Background(), name)
	return err == nil
}

func (rig *actionRig) bypassCodes(name string) int {
	codes, err := rig.api.BypassCodes(context.Background(), name)
	if err != nil {
		rig.t.Fatal(err)
	}
	return len(codes)
}

// S6.9: Every action's form is refused without the session's CSRF token
// (none, or another session's), before the admin API is called: nothing
// changes and no push starts.
func TestActionCSRFRefused(t *testing.T) {
	rig := newActionRig(t)
	ck, _ := rig.signIn("ada")
	_, otherCSRF := rig.signIn("hugo")
	posts := map[string]url.Values{
		"/delete": {}, "/revoke": {"all": {"1"}}, "/unlock": {}, "/bypass-codes": {}, "/policy": {"policy": {"default"}},
		"/tokens": {"type": {"softtoken"}}, "/activation": {"serial": {"x"}}, "/bypass-codes/revoke": {"id": {"1"}},
	}
	for path, form := range posts {
		for _, token := range []string{"", otherCSRF} {
			form.Set("csrf", token)
			if w := rig.do(ck, http.MethodPost, "/console/users/bob"+path, form); w.Code != http.StatusForbidden {
				t.Errorf("%s with token %q: %d", path, token, w.Code)
			}
		}
	}
	u, err := rig.api.User(context.Background(), "bob")
	if err != nil || u.Policy != "" {
		t.Fatalf("bob after forged posts: %+v, %v", u, err)
	}
	if toks, _ := rig.api.Tokens(context.Background(), "bob"); len(toks) != 0 || rig.bypassCodes("bob") != 0 {
		t.Fatalf("tokens %v or bypass codes after forged posts", toks)
	}
	if n := rig.logins.count(); n != 0 {
		t.Fatalf("%d logins started by forged posts", n)
	}
}

// S6.9: The console has no role rules of its own: a readonly operator
// posting a helpdesk action, or a helpdesk operator an admin one, gets the
// admin API's 403 and message, and nothing changes; a destructive action
// beyond the role is refused before any push.
func TestActionRoleGating(t *testing.T) {
	rig := newActionRig(t)
	olga, olgaCSRF := rig.signIn("olga")
	w := rig.do(olga, http.MethodPost, "/console/users/bob/bypass-codes", url.Values{"csrf": {olgaCSRF}})
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "needs role helpdesk") {
		t.Fatalf("readonly issuing a bypass code: %d %s", w.Code, w.Body)
	}
	if n := rig.bypassCodes("bob"); n != 0 {
		t.Fatalf("%d bypass codes after a readonly post", n)
	}
	hugo, hugoCSRF := rig.signIn("hugo")
	w = rig.do(hugo, http.MethodPost, "/console/users/bob/policy", url.Values{"csrf": {hugoCSRF}, "policy": {"default"}})
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "needs role admin") {
		t.Fatalf("helpdesk setting a policy: %d %s", w.Code, w.Body)
	}
	w = rig.do(hugo, http.MethodPost, "/console/users/bob/delete", url.Values{"csrf": {hugoCSRF}})
	if w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), `id="confirm"`) {
		t.Fatalf("helpdesk deleting: %d %s", w.Code, w.Body)
	}
	if u, err := rig.api.User(context.Background(), "bob"); err != nil || u.Policy != "" || rig.logins.count() != 0 {
		t.Fatalf("bob after refused posts: %+v, %v; %d logins", u, err, rig.logins.count())
	}
	// The helpdesk's own action goes through, audited with the operator's name.
	w = rig.do(hugo, http.MethodPost, "/console/users/bob/bypass-codes", url.Values{"csrf": {hugoCSRF}})
	if w.Code != http.StatusOK || rig.bypassCodes("bob") != 1 {
		t.Fatalf("helpdesk issuing a bypass code: %d", w.Code)
	}
	recs, err := rig.api.AuditOf(context.Background(), "admin", "bob", 10)
	if err != nil || len(recs) != 2 || recs[0].Admin != "console:hugo" {
		t.Fatalf("audit of the change: %+v, %v", recs, err)
	}
}

// S6.9: A secret is shown once, in the POST's own answer: no redirect, not
// stored (no-store), never logged; the QR code is a data: PNG.
func TestProgramSoftTokenShownOnce(t *testing.T) {
	rig := newActionRig(t)
	ck, csrf := rig.signIn("ada")
	w := rig.do(ck, http.MethodPost, "/console/users/bob/tokens", url.Values{"csrf": {csrf}, "type": {"softtoken"}})
	body := w.Body.String()
	if w.Code != http.StatusOK || w.Header().Get("Location") != "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("program: %d, headers %v", w.Code, w.Header())
	}
	code := regexp.MustCompile(`id="code" class="code">([^<]+)<`).FindStringSubmatch(body)
	if code == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("no QR code or activation code in %s", body)
	}
	plain := strings.ReplaceAll(code[1], " ", "")
	for _, c := range w.Result().Cookies() {
		if strings.Contains(c.Value, plain) {
			t.Fatalf("the code is in cookie %s", c.Name)
		}
	}
	if strings.Contains(rig.logs.String(), plain) {
		t.Fatal("the activation code was logged")
	}
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "img-src 'self' data:") {
		t.Fatalf("the CSP does not allow the QR image: %s", w.Header().Get("Content-Security-Policy"))
	}
}

var confirmAction = regexp.MustCompile(`action="(/console/users/[^/]+/confirm/[^"]+)"`)

// askDelete posts ada's delete of user and returns the confirmation's path.
func (rig *actionRig) askDelete(ck *http.Cookie, csrf, user string) string {
	rig.t.Helper()
	w := rig.do(ck, http.MethodPost, "/console/users/"+user+"/delete", url.Values{"csrf": {csrf}})
	m := confirmAction.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil {
		rig.t.Fatalf("delete %s: %d %s", user, w.Code, w.Body)
	}
	return m[1]
}

// step is the confirmation's status.
func (rig *actionRig) step(ck *http.Cookie, path string) string {
	w := rig.do(ck, http.MethodGet, path+"/status", nil)
	return w.Body.String()
}

// S6.9: A pending destructive action is bound to its session and target
// and used once: another session, or the same id under another user's
// path, can neither confirm nor run it; the operator's password starts one
// login of the operator as the console's client; the approval performs
// the action once.
func TestReauthBoundAndSingleUse(t *testing.T) {
	rig := newActionRig(t)
	ck, csrf := rig.signIn("ada")
	path := rig.askDelete(ck, csrf, "bob")
	other, otherCSRF := rig.signIn("ada") // another session of the same operator
	carolPath := strings.Replace(path, "/users/bob/", "/users/carol/", 1)
	for name, w := range map[string]*httptest.ResponseRecorder{
		"another session": rig.do(other, http.MethodPost, path, url.Values{"csrf": {otherCSRF}, "password": {"pw"}}),
		"another target":  rig.do(ck, http.MethodPost, carolPath, url.Values{"csrf": {csrf}, "password": {"pw"}}),
	} {
		if w.Code != http.StatusForbidden {
			t.Fatalf("%s confirmed: %d", name, w.Code)
		}
	}
	if n := rig.logins.count(); n != 0 {
		t.Fatalf("%d logins from refused confirmations", n)
	}
	if w := rig.do(ck, http.MethodPost, path, url.Values{"csrf": {csrf}, "password": {"ada-pw"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	if w := rig.do(ck, http.MethodPost, path, url.Values{"csrf": {csrf}, "password": {"ada-pw"}}); w.Code != http.StatusForbidden {
		t.Fatalf("a second password for the same action: %d", w.Code)
	}
	a := rig.logins.attempts[0]
	if rig.logins.count() != 1 || a.User != "ada" || a.Password != "ada-pw" || a.Client.Name != ClientName || a.Client.Kind != ClientKind {
		t.Fatalf("attempts %d, first %+v", rig.logins.count(), a)
	}
	if st := rig.step(ck, path); !strings.Contains(st, `"step":"waiting"`) || !rig.exists("bob") {
		t.Fatalf("before the answer: %s", st)
	}
	rig.logins.answer(0, actors.Accept)
	for name, st := range map[string]string{"another session": rig.step(other, path), "another target": rig.step(ck, carolPath)} {
		if !strings.Contains(st, `"step":"refused"`) || !rig.exists("bob") || !rig.exists("carol") {
			t.Fatalf("%s ran the action: %s", name, st)
		}
	}
	if st := rig.step(ck, path); !strings.Contains(st, `"next":"/console/users/bob?done=deleted"`) || rig.exists("bob") {
		t.Fatalf("after the approval: %s; bob exists %v", st, rig.exists("bob"))
	}
	if st := rig.step(ck, path); !strings.Contains(st, `"step":"refused"`) {
		t.Fatalf("the action again: %s", st)
	}
	recs, err := rig.api.AuditOf(context.Background(), "admin", "bob", 10)
	if err != nil || len(recs) != 2 || recs[0].Admin != "console:ada" || recs[0].Action != "DELETE /v1/users/{name}" {
		t.Fatalf("audit of the delete: %+v, %v", recs, err)
	}
}

// S6.9: A deny, or an approval after the confirmation's few minutes,
// performs nothing.
func TestReauthDenyOrLatePerformsNothing(t *testing.T) {
	rig := newActionRig(t)
	ck, csrf := rig.signIn("ada")
	denied := rig.askDelete(ck, csrf, "bob")
	rig.do(ck, http.MethodPost, denied, url.Values{"csrf": {csrf}, "password": {"ada-pw"}})
	rig.logins.answer(0, actors.Reject)
	if st := rig.step(ck, denied); !strings.Contains(st, `"step":"refused"`) || !rig.exists("bob") {
		t.Fatalf("after a deny: %s", st)
	}
	late := rig.askDelete(ck, csrf, "bob")
	rig.do(ck, http.MethodPost, late, url.Values{"csrf": {csrf}, "password": {"ada-pw"}})
	rig.now = rig.now.Add(reauthTTL + time.Second) // the session's idle time is longer
	rig.logins.answer(1, actors.Accept)
	if st := rig.step(ck, late); !strings.Contains(st, `"step":"refused"`) || !rig.exists("bob") {
		t.Fatalf("after a late approval: %s", st)
	}
}

// S6.9: The user page shows each action to the roles that may take it,
// and the policy with where it comes from.
func TestUserPageActionsByRole(t *testing.T) {
	rig := newActionRig(t)
	if _, err := rig.api.SetUserPolicy(context.Background(), "carol", "default"); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{ // operator → the ids the page shows, of all below
		"olga": {},
		"hugo": {`id="unlock"`, `id="issue-bypass"`},
		"ada":  {`id="unlock"`, `id="issue-bypass"`, `id="set-policy"`, `id="delete-user"`, `id="program-softtoken"`, `id="program-oath"`, `id="program-gridsure"`},
	}
	all := want["ada"]
	for op, shown := range want {
		ck, _ := rig.signIn(op)
		w := rig.do(ck, http.MethodGet, "/console/users/carol", nil)
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, "</html>") {
			t.Fatalf("%s: %d %s", op, w.Code, body)
		}
		for _, id := range all {
			if strings.Contains(body, id) != slices.Contains(shown, id) {
				t.Errorf("%s: %s shown %v", op, id, strings.Contains(body, id))
			}
		}
		if !strings.Contains(body, "from user: set on the user") {
			t.Errorf("%s: no policy origin in %s", op, body)
		}
	}
	// A policy the user names that no longer exists is said to give the
	// default (the API refuses to name one, the store can hold one).
	if err := rig.srv.Store.SetUserPolicy(context.Background(), "bob", "gone"); err != nil {
		t.Fatal(err)
	}
	ck, _ := rig.signIn("olga")
	if body := rig.do(ck, http.MethodGet, "/console/users/bob", nil).Body.String(); !strings.Contains(body, "no such policy") {
		t.Errorf("a missing policy: %s", body)
	}
}

// S6.9, S4.2, S4.3: An OTP token's answer shows the otpauth URI as a QR
// code and its secret; a GridSure PIP the API refuses is shown with the
// API's message and status, and no token is made.
func TestProgramOATHAndGridSure(t *testing.T) {
	rig := newActionRig(t)
	ck, csrf := rig.signIn("ada")
	w := rig.do(ck, http.MethodPost, "/console/users/bob/tokens", url.Values{"csrf": {csrf}, "type": {"hotp"}})
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "otpauth://hotp/") || !strings.Contains(body, `id="otp-secret"`) ||
		!strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("OTP token: %d %s", w.Code, body)
	}
	w = rig.do(ck, http.MethodPost, "/console/users/bob/tokens", url.Values{"csrf": {csrf}, "type": {"gridsure"}, "pip": {"0,1"}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `class="error"`) {
		t.Fatalf("a short PIP: %d %s", w.Code, w.Body)
	}
	w = rig.do(ck, http.MethodPost, "/console/users/bob/tokens", url.Values{"csrf": {csrf}, "type": {"gridsure"}, "pip": {"0,6,12,18"}})
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "0,6,12,18") {
		t.Fatalf("GridSure: %d %s", w.Code, w.Body)
	}
	toks, err := rig.api.Tokens(context.Background(), "bob")
	if err != nil || len(toks) != 2 || toks[0].Type == toks[1].Type {
		t.Fatalf("bob's tokens %+v, %v", toks, err)
	}
}

// S6.9: "Revoke all tokens" revokes the tokens listed when it was asked
// for, once confirmed: a token programmed meanwhile stays.
func TestRevokeAllBoundToListedTokens(t *testing.T) {
	rig := newActionRig(t)
	ctx := context.Background()
	ck, csrf := rig.signIn("ada")
	for range 2 {
		if _, err := rig.api.ProgramToken(ctx, "bob", apitype.ProgramRequest{Type: "oath"}); err != nil {
			t.Fatal(err)
		}
	}
	w := rig.do(ck, http.MethodPost, "/console/users/bob/revoke", url.Values{"csrf": {csrf}, "all": {"1"}})
	m := confirmAction.FindStringSubmatch(w.Body.String())
	if m == nil || !strings.Contains(w.Body.String(), "Revoke all 2 tokens of bob") {
		t.Fatalf("revoke all: %d %s", w.Code, w.Body)
	}
	later, err := rig.api.ProgramToken(ctx, "bob", apitype.ProgramRequest{Type: "oath"})
	if err != nil {
		t.Fatal(err)
	}
	rig.do(ck, http.MethodPost, m[1], url.Values{"csrf": {csrf}, "password": {"ada-pw"}})
	rig.logins.answer(0, actors.Accept)
	if st := rig.step(ck, m[1]); !strings.Contains(st, "done=revoked") {
		t.Fatalf("after the approval: %s", st)
	}
	toks, err := rig.api.Tokens(ctx, "bob")
	if err != nil || len(toks) != 1 || toks[0].Serial != later.Serial {
		t.Fatalf("bob's tokens after revoke all: %+v, %v", toks, err)
	}
}
