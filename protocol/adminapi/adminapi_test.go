package adminapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radattr"
	"github.com/pushauth/pushauth/store"
)

const password = "correct-Horse-battery-9"

// The actor system is what the daemon passes as Deps.Logins.
var _ adminapi.LoginLister = (*actors.System)(nil)

var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// start runs the API with a fixed clock.
func start(t *testing.T, edit func(*adminapi.Deps)) *adminapitest.Server {
	t.Helper()
	return adminapitest.Start(t, func(d *adminapi.Deps) {
		d.Now = func() time.Time { return testNow }
		if edit != nil {
			edit(d)
		}
	})
}

type answer struct {
	status int
	header http.Header
	body   string
}

// call sends body (empty: none) with token and returns the answer.
func call(t *testing.T, srv *adminapitest.Server, token, method, path, body string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

// do calls with the right token.
func do(t *testing.T, srv *adminapitest.Server, method, path, body string) answer {
	t.Helper()
	return call(t, srv, adminapitest.Token, method, path, body)
}

// want checks the status and, for errors, that the body is the JSON error
// with code.
func (a answer) want(t *testing.T, status int, code string) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
	if code == "" {
		return a
	}
	var e apitype.ErrorBody
	if err := json.Unmarshal([]byte(a.body), &e); err != nil || e.Code != code || e.Error == "" {
		t.Fatalf("body %s, want a JSON error with code %q", a.body, code)
	}
	return a
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

// decoded returns the answer's body decoded into a fresh T.
func decoded[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	a.decode(t, &v)
	return v
}

func (a answer) message(t *testing.T) string {
	t.Helper()
	var e apitype.ErrorBody
	a.decode(t, &e)
	return e.Error
}

func mustUser(t *testing.T, srv *adminapitest.Server, name string) {
	t.Helper()
	do(t, srv, "POST", "/v1/users", `{"name":"`+name+`","password":"`+password+`"}`).want(t, 201, "")
}

func TestNoTokenConfigured(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) { d.Token = "" })
	for _, token := range []string{"", "anything"} {
		a := call(t, srv, token, "GET", "/v1/users", "").want(t, 503, "no_token_configured")
		if got := a.message(t); got != "admin API has no token configured" {
			t.Errorf("message %q", got)
		}
	}
}

func TestBearerAuth(t *testing.T) {
	srv := start(t, nil)
	a := call(t, srv, "", "GET", "/v1/users", "").want(t, 401, "unauthorized")
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
	}
	call(t, srv, "wrong", "GET", "/v1/users", "").want(t, 401, "unauthorized")
	call(t, srv, adminapitest.Token+"x", "GET", "/v1/users", "").want(t, 401, "unauthorized")
	// Unknown paths are not revealed before authentication.
	call(t, srv, "wrong", "GET", "/v1/nothing", "").want(t, 401, "unauthorized")

	req, _ := http.NewRequest("GET", srv.URL+"/v1/users", nil)
	req.SetBasicAuth("admin", adminapitest.Token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("basic auth: status %d, want 401", resp.StatusCode)
	}
	do(t, srv, "GET", "/v1/users", "").want(t, 200, "")
}

func TestRoutingErrorsAreJSON(t *testing.T) {
	srv := start(t, nil)
	do(t, srv, "GET", "/v1/nothing", "").want(t, 404, "not_found")
	a := do(t, srv, "PATCH", "/v1/users", "").want(t, 405, "method_not_allowed")
	if allow := a.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q", allow)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestBadBodies(t *testing.T) {
	srv := start(t, nil)
	huge := `{"name":"` + strings.Repeat("a", 70<<10) + `"}`
	do(t, srv, "POST", "/v1/users", huge).want(t, 413, "body_too_large")
	do(t, srv, "POST", "/v1/users", "").want(t, 400, "invalid_json")
	do(t, srv, "POST", "/v1/users", "{").want(t, 400, "invalid_json")
	do(t, srv, "POST", "/v1/users", `{"name":"a"} {}`).want(t, 400, "invalid_json")
	a := do(t, srv, "POST", "/v1/users", `{"name":"a","pasword":"x"}`).want(t, 400, "invalid_json")
	if !strings.Contains(a.message(t), "pasword") {
		t.Errorf("message %q does not name the unknown field", a.message(t))
	}
}

func TestUsers(t *testing.T) {
	srv := start(t, nil)
	a := do(t, srv, "POST", "/v1/users", `{"name":"alice","password":"`+password+`"}`).want(t, 201, "")
	var u apitype.User
	a.decode(t, &u)
	if u.Name != "alice" || !u.HasPassword || !u.CreatedAt.Equal(testNow) {
		t.Errorf("created %+v", u)
	}
	if strings.Contains(a.body, password) || strings.Contains(a.body, "argon2") {
		t.Errorf("create answer shows the password or its hash: %s", a.body)
	}
	stored, err := srv.Store.UserByName(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := srv.Passwords.Verify(context.Background(), stored.PasswordHash, password); !ok || err != nil {
		t.Errorf("stored hash does not verify the password: %v %v", ok, err)
	}

	do(t, srv, "POST", "/v1/users", `{"name":"alice","password":"x"}`).want(t, 409, "user_exists")
	do(t, srv, "POST", "/v1/users", `{"name":"bob"}`).want(t, 201, "")
	for _, bad := range []string{`""`, `" alice"`, `"a\u0000b"`, `"` + strings.Repeat("x", 254) + `"`} {
		do(t, srv, "POST", "/v1/users", `{"name":`+bad+`}`).want(t, 400, "invalid_name")
	}
	long := strings.Repeat("p", 129)
	do(t, srv, "POST", "/v1/users", `{"name":"carol","password":"`+long+`"}`).want(t, 400, "invalid_password")

	var list struct{ Users []apitype.User }
	do(t, srv, "GET", "/v1/users", "").want(t, 200, "").decode(t, &list)
	if len(list.Users) != 2 || list.Users[0].Name != "alice" || list.Users[1].HasPassword {
		t.Errorf("users %+v", list.Users)
	}
	do(t, srv, "GET", "/v1/users/alice", "").want(t, 200, "")
	nf := do(t, srv, "GET", "/v1/users/nobody", "").want(t, 404, "user_not_found")
	if got := nf.message(t); got != `user "nobody" not found` {
		t.Errorf("message %q", got)
	}

	do(t, srv, "PUT", "/v1/users/bob/password", `{"password":"`+password+`"}`).want(t, 204, "")
	do(t, srv, "GET", "/v1/users/bob", "").want(t, 200, "").decode(t, &u)
	if !u.HasPassword {
		t.Error("bob has no password after set")
	}
	do(t, srv, "PUT", "/v1/users/nobody/password", `{"password":"x"}`).want(t, 404, "user_not_found")

	do(t, srv, "DELETE", "/v1/users/bob", "").want(t, 204, "")
	do(t, srv, "DELETE", "/v1/users/bob", "").want(t, 404, "user_not_found")
}

// A domain name with a backslash and a realm works in every user path.
func TestUserNameWithDomainAndRealm(t *testing.T) {
	srv := start(t, nil)
	c := srv.AdminClient()
	ctx := context.Background()
	const name = `CORP\ann.lee-2@example.com`
	if _, err := c.CreateUser(ctx, name, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.User(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPassword(ctx, name, password); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ProgramToken(ctx, name, apitype.ProgramRequest{Type: apitype.TypeOATH}); err != nil {
		t.Fatal(err)
	}
	if tokens, err := c.Tokens(ctx, name); err != nil || len(tokens) != 1 {
		t.Fatalf("tokens %v, %v", tokens, err)
	}
	if err := c.DeleteUser(ctx, name); err != nil {
		t.Fatal(err)
	}
}

func TestUserLockShown(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	lockAlice(t, srv)
	var got apitype.User
	do(t, srv, "GET", "/v1/users/alice", "").want(t, 200, "").decode(t, &got)
	if got.LockedUntil == nil || !got.LockedUntil.Equal(testNow.Add(time.Minute)) || got.Failures != 1 {
		t.Errorf("failures %d, locked_until %v", got.Failures, got.LockedUntil)
	}
}

// lockAlice counts one failure for alice that locks her for a minute.
func lockAlice(t *testing.T, srv *adminapitest.Server) {
	t.Helper()
	u, _ := srv.Store.UserByName(context.Background(), "alice")
	_, err := srv.Store.RecordFailure(context.Background(), u.ID, func(c store.LoginCounter) (store.LoginCounter, error) {
		return store.LoginCounter{Failures: c.Failures + 1, LastFailure: testNow, LockedUntil: testNow.Add(time.Minute)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// SPEC S2.9: the helpdesk unlocks a locked-out user.
func TestUnlockUser(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	lockAlice(t, srv)
	var got apitype.User
	do(t, srv, "POST", "/v1/users/alice/unlock", "").want(t, 200, "").decode(t, &got)
	if got.LockedUntil != nil || got.Failures != 0 {
		t.Fatalf("after unlock: failures %d, locked_until %v", got.Failures, got.LockedUntil)
	}
	do(t, srv, "POST", "/v1/users/nobody/unlock", "").want(t, 404, "")
}

func TestSetUserPolicy(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	do(t, srv, "PUT", "/v1/users/alice/policy", `{"policy":"strict"}`).want(t, 404, "policy_not_found")
	do(t, srv, "PUT", "/v1/policies/strict", `{"settings":{"attempt_limit":"2"}}`).want(t, 200, "")
	var u apitype.User
	do(t, srv, "PUT", "/v1/users/alice/policy", `{"policy":"strict"}`).want(t, 200, "").decode(t, &u)
	if u.Policy != "strict" {
		t.Errorf("policy %q", u.Policy)
	}
	do(t, srv, "PUT", "/v1/users/alice/policy", `{"policy":"default"}`).want(t, 200, "")
	u = decoded[apitype.User](t, do(t, srv, "PUT", "/v1/users/alice/policy", `{"policy":""}`).want(t, 200, ""))
	if u.Policy != "" {
		t.Errorf("policy %q after clearing", u.Policy)
	}
	do(t, srv, "PUT", "/v1/users/nobody/policy", `{"policy":"strict"}`).want(t, 404, "user_not_found")
}

// seedOf returns the secret in an otpauth URI.
func seedOf(t *testing.T, uri string) []byte {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil || len(seed) != auth.SeedLen {
		t.Fatalf("secret of %s: %v", uri, err)
	}
	return seed
}

func TestProgramOATH(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	a := do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"oath"}`).want(t, 201, "")
	var res apitype.ProgramResult
	a.decode(t, &res)
	if !strings.HasPrefix(res.Serial, "OATH-") || len(res.Serial) != 13 || res.Algorithm != "totp" ||
		res.Digits != 6 || res.Period != 30 || res.User != "alice" {
		t.Errorf("result %+v", res)
	}
	if !strings.HasPrefix(res.OTPAuthURI, "otpauth://totp/pushauth:alice?") {
		t.Errorf("uri %s", res.OTPAuthURI)
	}
	seed := seedOf(t, res.OTPAuthURI)
	tok, err := srv.Store.TokenBySerial(context.Background(), res.Serial)
	if err != nil {
		t.Fatal(err)
	}
	if string(tok.Seed) != string(seed) || tok.Type != store.TokenOATH || tok.PushOn {
		t.Errorf("stored token %+v does not match the URI", tok)
	}
	code := auth.HOTP(seed, uint64(auth.TOTPStep(time.Now(), 30)), 6)
	if _, ok := auth.VerifyOTP(tok.Seed, auth.OTPSpec{Algorithm: "totp", LastStep: -1}, code, time.Now()); !ok {
		t.Error("a code from the URI's secret does not verify")
	}
	assertSeedHidden(t, srv, "alice", seed)

	var hotp apitype.ProgramResult
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"OATH","algorithm":"hotp","serial":"HW-1"}`).
		want(t, 201, "").decode(t, &hotp)
	if hotp.Serial != "HW-1" || !strings.HasPrefix(hotp.OTPAuthURI, "otpauth://hotp/") ||
		!strings.Contains(hotp.OTPAuthURI, "counter=0") || hotp.Period != 0 {
		t.Errorf("hotp result %+v", hotp)
	}
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"oath","serial":"HW-1"}`).want(t, 409, "token_exists")
}

// assertSeedHidden checks that the token list shows no form of seed.
func assertSeedHidden(t *testing.T, srv *adminapitest.Server, user string, seed []byte) {
	t.Helper()
	a := do(t, srv, "GET", "/v1/users/"+user+"/tokens", "").want(t, 200, "")
	b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seed)
	for _, form := range []string{b32, string(seed), "secret", "otpauth"} {
		if strings.Contains(a.body, form) {
			t.Errorf("token list shows the seed (%q): %s", form, a.body)
		}
	}
}

func TestProgramErrors(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	cases := []struct{ body, code string }{
		{`{}`, "invalid_token_type"},
		{`{"type":"bogus"}`, "invalid_token_type"},
		{`{"type":"onelogin"}`, "invalid_onelogin_user"},
		{`{"type":"oath","onelogin_user":"1"}`, "invalid_onelogin_user"},
		{`{"type":"oath","algorithm":"md5"}`, "invalid_algorithm"},
		{`{"type":"softtoken","algorithm":"hotp"}`, "invalid_algorithm"},
		{`{"type":"oath","pip":"0,1,2,3"}`, "invalid_pip"},
		{`{"type":"gridsure"}`, "invalid_pip"},
		{`{"type":"gridsure","pip":"0,0,1,2"}`, "invalid_pip"},
		{`{"type":"gridsure","pip":"0,1,2,25"}`, "invalid_pip"},
		{`{"type":"oath","serial":"has space"}`, "invalid_serial"},
		{`{"type":"oath","serial":".."}`, "invalid_serial"}, // could never be deleted by path
		{`{"type":"oath","serial":"."}`, "invalid_serial"},
	}
	for _, c := range cases {
		do(t, srv, "POST", "/v1/users/alice/tokens", c.body).want(t, 400, c.code)
	}
	do(t, srv, "POST", "/v1/users/nobody/tokens", `{"type":"oath"}`).want(t, 404, "user_not_found")
	do(t, srv, "GET", "/v1/users/nobody/tokens", "").want(t, 404, "user_not_found")
}

func TestProgramSoftToken(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) { d.ActivationTTL = 5 * time.Minute })
	mustUser(t, srv, "alice")
	var res apitype.ProgramResult
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"softtoken"}`).want(t, 201, "").decode(t, &res)
	if !strings.HasPrefix(res.Serial, "SOFT-") || res.Type != "softtoken" || res.OTPAuthURI != "" {
		t.Errorf("result %+v", res)
	}
	if len(res.ActivationCode) != 16 || res.ActivationURL != "http://device.example:8080/v1/activate?code="+res.ActivationCode {
		t.Errorf("code %q url %q", res.ActivationCode, res.ActivationURL)
	}
	if res.ActivationExpiresAt == nil || !res.ActivationExpiresAt.Equal(testNow.Add(5*time.Minute)) {
		t.Errorf("expires %v", res.ActivationExpiresAt)
	}
	tok, err := srv.Store.TokenBySerial(context.Background(), res.Serial)
	if err != nil || !tok.PushOn || len(tok.Seed) != auth.SeedLen || tok.Algorithm != "totp" {
		t.Fatalf("stored soft token %+v, %v", tok, err)
	}
	assertCodeHashedAtRest(t, srv, res.ActivationCode)

	// A new code replaces the first one.
	var again apitype.ProgramResult
	do(t, srv, "POST", "/v1/tokens/"+res.Serial+"/activation", "").want(t, 201, "").decode(t, &again)
	if again.ActivationCode == "" || again.ActivationCode == res.ActivationCode || again.Serial != res.Serial {
		t.Errorf("new activation %+v", again)
	}
	if _, err := activate(srv, res.ActivationCode); !errors.Is(err, store.ErrActivation) {
		t.Errorf("old code still activates: %v", err)
	}
	if _, err := activate(srv, again.ActivationCode); err != nil {
		t.Fatalf("new code does not activate: %v", err)
	}

	var list struct{ Tokens []apitype.Token }
	a := do(t, srv, "GET", "/v1/users/alice/tokens", "").want(t, 200, "")
	a.decode(t, &list)
	d := list.Tokens[0].Device
	if d == nil || d.Platform != "android" || d.OSVersion != "14" || d.PushKind != "fcm" ||
		d.PushDisabled != "unregistered" || !d.ActivatedAt.Equal(testNow) || !list.Tokens[0].PushOn {
		t.Errorf("token list %s", a.body)
	}
	if strings.Contains(a.body, "fcm-registration") || strings.Contains(a.body, "dev-1") {
		t.Errorf("token list shows the push token or device id: %s", a.body)
	}
	assertSeedHidden(t, srv, "alice", tok.Seed)
}

func activate(srv *adminapitest.Server, code string) (*store.Token, error) {
	sum := sha256.Sum256([]byte(code))
	dev := &store.Device{ID: "dev-1", Platform: "android", OSVersion: "14", PushKind: store.PushFCM,
		PushToken: "fcm-registration", PushDisabled: "unregistered", PublicKey: []byte{1, 2, 3}}
	return srv.Store.Activate(context.Background(), sum[:], dev, testNow)
}

// assertCodeHashedAtRest checks that the database files hold the code's
// SHA-256 and not the code.
func assertCodeHashedAtRest(t *testing.T, srv *adminapitest.Server, code string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(srv.Dir, "pushauth.db*"))
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	sum := sha256.Sum256([]byte(code))
	if strings.Contains(string(all), code) {
		t.Error("the activation code is in the database files")
	}
	if !strings.Contains(string(all), string(sum[:])) {
		t.Error("the activation code's hash is not in the database files")
	}
}

func TestNewActivationErrors(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"oath","serial":"O1"}`).want(t, 201, "")
	do(t, srv, "POST", "/v1/tokens/O1/activation", "").want(t, 400, "not_softtoken")
	do(t, srv, "POST", "/v1/tokens/NOPE/activation", "").want(t, 404, "token_not_found")
}

func TestProgramWithoutDeviceAPIURL(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) { d.DeviceAPIURL = "" })
	mustUser(t, srv, "alice")
	var res apitype.ProgramResult
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"softtoken"}`).want(t, 201, "").decode(t, &res)
	if res.ActivationCode == "" || res.ActivationURL != "" {
		t.Errorf("result %+v", res)
	}
}

func TestProgramGridSure(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	a := do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"gridsure","pip":"0, 6,12,18"}`).want(t, 201, "")
	var res apitype.ProgramResult
	a.decode(t, &res)
	// The PIP never comes back (the random serial may contain any digits,
	// so look for the PIP's cells as written, and for a "pip" field).
	if !strings.HasPrefix(res.Serial, "GRID-") || res.Type != "gridsure" ||
		strings.Contains(a.body, "12,18") || strings.Contains(a.body, `"pip"`) {
		t.Errorf("result %s", a.body)
	}
	tok, err := srv.Store.TokenBySerial(context.Background(), res.Serial)
	if err != nil || string(tok.Seed) != "0,6,12,18" || tok.PushOn {
		t.Fatalf("stored %+v %v", tok, err)
	}
	list := do(t, srv, "GET", "/v1/users/alice/tokens", "").want(t, 200, "")
	if strings.Contains(list.body, "0,6,12,18") || !strings.Contains(list.body, res.Serial) {
		t.Errorf("token list %s", list.body)
	}
}

func TestDeleteToken(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"oath","serial":"T1"}`).want(t, 201, "")
	do(t, srv, "DELETE", "/v1/tokens/T1", "").want(t, 204, "")
	a := do(t, srv, "DELETE", "/v1/tokens/T1", "").want(t, 404, "token_not_found")
	if a.message(t) != `token "T1" not found` {
		t.Errorf("message %q", a.message(t))
	}
}

func TestPolicies(t *testing.T) {
	srv := start(t, nil)
	var list struct{ Policies []apitype.Policy }
	do(t, srv, "GET", "/v1/policies", "").want(t, 200, "").decode(t, &list)
	if len(list.Policies) != 1 || list.Policies[0].Name != "default" || !list.Policies[0].Builtin {
		t.Fatalf("policies %+v", list.Policies)
	}
	var p apitype.Policy
	do(t, srv, "GET", "/v1/policies/default", "").want(t, 200, "").decode(t, &p)
	if !p.Builtin || p.Method != "password+token" || !p.Push {
		t.Errorf("default %+v", p)
	}
	do(t, srv, "GET", "/v1/policies/strict", "").want(t, 404, "policy_not_found")

	body := `{"settings":{"attempt_limit":2,"push":false,"method":"token","LOCKOUT_SECONDS":"60"}}`
	p = decoded[apitype.Policy](t, do(t, srv, "PUT", "/v1/policies/strict", body).want(t, 200, ""))
	want := apitype.Policy{Name: "strict", Push: false, Method: "token", AttemptLimit: 2,
		LockoutFailures: 5, LockoutSeconds: 60, PushesPerMinute: 5, NewUser: "reject", SelfEnrollment: "off"}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("set %+v, want %+v", p, want)
	}
	do(t, srv, "PUT", "/v1/policies/strict", `{"settings":{"pushes_per_minute":"10"}}`).want(t, 200, "").decode(t, &p)
	if p.PushesPerMinute != 10 || p.AttemptLimit != 2 {
		t.Errorf("update %+v did not start from the stored policy", p)
	}

	for key, value := range map[string]string{"colour": `"red"`, "attempt_limit": `"abc"`, "push": `null`, "method": `2.5`} {
		a := do(t, srv, "PUT", "/v1/policies/strict", `{"settings":{"lockout_seconds":"1","`+key+`":`+value+`}}`).
			want(t, 400, "invalid_policy_setting")
		if !strings.Contains(a.message(t), key) {
			t.Errorf("message %q does not name %s", a.message(t), key)
		}
	}
	stored, err := srv.Store.PolicyByName(context.Background(), "strict")
	if err != nil || stored.LockoutSeconds != 60 {
		t.Errorf("a refused update changed the policy: %+v %v", stored, err)
	}

	do(t, srv, "PUT", "/v1/policies/default", `{"settings":{"push":"off"}}`).want(t, 200, "")
	list = decoded[struct{ Policies []apitype.Policy }](t, do(t, srv, "GET", "/v1/policies", "").want(t, 200, ""))
	if len(list.Policies) != 2 || list.Policies[0].Name != "default" || list.Policies[0].Builtin || list.Policies[0].Push {
		t.Errorf("policies %+v", list.Policies)
	}
}

// Reply attributes are checked against the server's dictionaries, the
// same check --check-config and the logins make: a bad entry, a wrong
// type or too many octets change nothing and answer 400 naming the entry.
func TestPolicyReplyAttributes(t *testing.T) {
	dict, err := radattr.Load([]string{"../radius/radattr/testdata/vendors.dictionary"})
	if err != nil {
		t.Fatal(err)
	}
	srv := start(t, func(d *adminapi.Deps) { d.Dictionary = dict })
	body := `{"settings":{"reply_attributes":["Class: OU=VPN-Admins;", " Fortinet-Group-Name: admins ", ""]}}`
	p := decoded[apitype.Policy](t, do(t, srv, "PUT", "/v1/policies/vpn", body).want(t, 200, ""))
	want := []string{"Class: OU=VPN-Admins;", "Fortinet-Group-Name: admins"}
	if !reflect.DeepEqual(p.ReplyAttributes, want) {
		t.Fatalf("reply attributes %q, want %q", p.ReplyAttributes, want)
	}
	big, _ := json.Marshal(slices.Repeat([]string{"Class: " + strings.Repeat("x", 253)}, 16))
	for _, c := range []struct{ value, msg string }{
		{`["Class: ok", "Nope-Thing: 1"]`, `reply_attributes[1] "Nope-Thing: 1": unknown attribute Nope-Thing`},
		{`["Session-Timeout: an hour"]`, `reply_attributes[0] "Session-Timeout: an hour": Session-Timeout is of type integer`},
		{`["Framed-IP-Address: 10.1"]`, "not an IP address"},
		{`["Service-Type: Root"]`, "VALUE name of Service-Type"},
		{string(big), "more than 3936 octets"},
		{`[1]`, "item 0 is not a string"},
		{`{"Class":"x"}`, "want a list"},
	} {
		a := do(t, srv, "PUT", "/v1/policies/vpn", `{"settings":{"reply_attributes":`+c.value+`}}`).
			want(t, 400, "invalid_policy_setting")
		if !strings.Contains(a.message(t), c.msg) {
			t.Errorf("%s: message %q, want %q", c.value, a.message(t), c.msg)
		}
	}
	stored, err := srv.Store.PolicyByName(context.Background(), "vpn")
	if err != nil || !reflect.DeepEqual(stored.ReplyAttributes, want) {
		t.Errorf("a refused update changed the policy: %+v %v", stored, err)
	}
	// The built-in dictionary alone knows no vendor attribute.
	plain := start(t, nil)
	do(t, plain, "PUT", "/v1/policies/vpn", `{"settings":{"reply_attributes":"Fortinet-Group-Name: admins"}}`).
		want(t, 400, "invalid_policy_setting")
	p = decoded[apitype.Policy](t, do(t, srv, "PUT", "/v1/policies/vpn", `{"settings":{"reply_attributes":[]}}`).want(t, 200, ""))
	if p.ReplyAttributes != nil {
		t.Errorf("cleared: %q", p.ReplyAttributes)
	}
}

func TestAudit(t *testing.T) {
	srv := start(t, nil)
	ctx := context.Background()
	for i, user := range []string{"alice", "bob", "alice"} {
		r := &store.AuditRecord{LoginID: "L" + string(rune('0'+i)), Time: testNow.Add(time.Duration(i) * time.Second),
			User: user, Client: "vpn", Agent: "generic", Token: "SOFT-1", Provider: "fcm", Outcome: "accept",
			Reason: "push approved", DurationMS: 1500}
		if err := srv.Store.AppendAudit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var list struct{ Records []apitype.AuditRecord }
	do(t, srv, "GET", "/v1/audit", "").want(t, 200, "").decode(t, &list)
	if len(list.Records) != 3 || list.Records[0].LoginID != "L2" || list.Records[0].DurationMS != 1500 ||
		list.Records[0].Provider != "fcm" {
		t.Errorf("records %+v", list.Records)
	}
	a := do(t, srv, "GET", "/v1/audit", "")
	if strings.Contains(a.body, `"reported"`) {
		t.Errorf("unreported records show \"reported\": %s", a.body)
	}
	if strings.Contains(a.body, `"node"`) {
		t.Errorf("records of a single node show \"node\": %s", a.body)
	}
	// Issue 8: a cluster node's records name it.
	if err := srv.Store.AppendAudit(ctx, &store.AuditRecord{LoginID: "L3", Time: testNow.Add(5 * time.Second),
		User: "carl", Outcome: "accept", Node: "node-b"}); err != nil {
		t.Fatal(err)
	}
	a = do(t, srv, "GET", "/v1/audit?user=carl", "").want(t, 200, "")
	a.decode(t, &list)
	if len(list.Records) != 1 || list.Records[0].Node != "node-b" || !strings.Contains(a.body, `"node":"node-b"`) {
		t.Errorf("carl's %s", a.body)
	}
	do(t, srv, "GET", "/v1/audit?user=alice&limit=1", "").want(t, 200, "").decode(t, &list)
	if len(list.Records) != 1 || list.Records[0].LoginID != "L2" {
		t.Errorf("filtered %+v", list.Records)
	}
	do(t, srv, "GET", "/v1/audit?user=bob", "").want(t, 200, "").decode(t, &list)
	if len(list.Records) != 1 || list.Records[0].User != "bob" {
		t.Errorf("bob's %+v", list.Records)
	}
	for _, bad := range []string{"0", "-1", "x", "10001"} {
		do(t, srv, "GET", "/v1/audit?limit="+bad, "").want(t, 400, "invalid_limit")
	}
}

type fakeLogins struct {
	logins []actors.LoginInfo
	err    error
}

func (f fakeLogins) Logins(context.Context) ([]actors.LoginInfo, error) { return f.logins, f.err }

func TestLogins(t *testing.T) {
	lister := fakeLogins{logins: []actors.LoginInfo{
		{ID: "abc", User: "alice", Client: "vpn", State: "waiting", Started: testNow.Add(-3 * time.Second)},
		{ID: "def", User: "bob", Client: "wifi", State: "challenged", Started: testNow.Add(-1 * time.Second)},
	}}
	srv := start(t, func(d *adminapi.Deps) { d.Logins = lister })
	var list struct{ Logins []apitype.Login }
	do(t, srv, "GET", "/v1/logins", "").want(t, 200, "").decode(t, &list)
	if len(list.Logins) != 2 || list.Logins[0].AgeMS != 3000 || list.Logins[0].State != "waiting" ||
		list.Logins[1].User != "bob" || list.Logins[1].AgeMS != 1000 {
		t.Errorf("logins %+v", list.Logins)
	}
	var page apitype.LoginPage
	do(t, srv, "GET", "/v1/logins?limit=1", "").want(t, 200, "").decode(t, &page)
	if page.Total != 2 || page.States["waiting"] != 1 || page.States["challenged"] != 1 ||
		len(page.Logins) != 1 || page.Logins[0].ID != "abc" {
		t.Errorf("limit=1: %+v", page)
	}
	page = apitype.LoginPage{}
	do(t, srv, "GET", "/v1/logins?limit=0", "").want(t, 200, "").decode(t, &page)
	if page.Total != 2 || len(page.States) != 2 || page.Logins == nil || len(page.Logins) != 0 {
		t.Errorf("limit=0: %+v", page)
	}
	for _, bad := range []string{"-1", "x", "1.5"} {
		do(t, srv, "GET", "/v1/logins?limit="+bad, "").want(t, 400, "invalid_limit")
	}
	empty := start(t, func(d *adminapi.Deps) { d.Logins = fakeLogins{} })
	list.Logins = nil
	do(t, empty, "GET", "/v1/logins", "").want(t, 200, "").decode(t, &list)
	if list.Logins == nil || len(list.Logins) != 0 {
		t.Errorf("no logins: %#v, want an empty list", list.Logins)
	}

	none := start(t, nil)
	do(t, none, "GET", "/v1/logins", "").want(t, 503, "logins_unavailable")

	failing := start(t, func(d *adminapi.Deps) { d.Logins = fakeLogins{err: errors.New("router timeout")} })
	do(t, failing, "GET", "/v1/logins", "").want(t, 500, "internal")
	failing.Close()
	if !strings.Contains(failing.Logs.String(), "router timeout") {
		t.Errorf("the internal error is not logged: %s", failing.Logs.String())
	}
}

// TestNoSecretsInLogs programs every kind of secret and checks that the log
// holds none of them (SPEC S4.5, S6.2).
func TestNoSecretsInLogs(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	do(t, srv, "PUT", "/v1/users/alice/password", `{"password":"`+password+`-2"}`).want(t, 204, "")
	do(t, srv, "POST", "/v1/users", `{"name":"x","password":"`+password+`","bad":1}`).want(t, 400, "invalid_json")
	var oath, soft apitype.ProgramResult
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"oath"}`).want(t, 201, "").decode(t, &oath)
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"softtoken"}`).want(t, 201, "").decode(t, &soft)
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"gridsure","pip":"3,9,14,22"}`).want(t, 201, "")
	do(t, srv, "POST", "/v1/users/alice/tokens", `{"type":"gridsure","pip":"3,9,14,x22"}`).want(t, 400, "invalid_pip")
	srv.Close()

	logs := srv.Logs.String()
	if !strings.Contains(logs, "user created") || !strings.Contains(logs, "token programmed") {
		t.Fatalf("logs not captured: %s", logs)
	}
	secret := url.Values{}
	if u, err := url.Parse(oath.OTPAuthURI); err == nil {
		secret = u.Query()
	}
	for _, s := range []string{password, secret.Get("secret"), soft.ActivationCode, "3,9,14", "x22", "argon2"} {
		if s == "" || strings.Contains(logs, s) {
			t.Errorf("logs contain secret %q:\n%s", s, logs)
		}
	}
}
