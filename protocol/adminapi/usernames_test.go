package adminapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// Spoofing and path-unsafe names are refused with a 400 that names the
// problem, in the body and in every /v1/users/{name} path.
func TestUserNamesRefused(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	for _, c := range []struct {
		name, problem string
	}{
		{"alice\u202Egnp", "control or invisible formatting character (U+202E)"},
		{"ali\u200Bce", "control or invisible formatting character (U+200B)"},
		{"ali\u200Dce", "control or invisible formatting character (U+200D)"},
		{"\uFEFFalice", "control or invisible formatting character (U+FEFF)"},
		{"\u0430lice", "mixes letters of more than one of the Latin, Cyrillic and Greek scripts (Cyrillic U+0430 and Latin U+006C)"},
		{"alice/../bob", "not safe as a URL path segment"},
		{"alice?x", "not safe as a URL path segment"},
		{"alice#x", "not safe as a URL path segment"},
		{"alice%2F", "not safe as a URL path segment"},
		{"..", "not safe as a URL path segment"},
	} {
		body := `{"name":` + jsonString(t, c.name) + `}`
		msg := do(t, srv, "POST", "/v1/users", body).want(t, 400, "invalid_name").message(t)
		if !strings.HasPrefix(msg, "invalid user name ") || !strings.Contains(msg, c.problem) {
			t.Errorf("create %+q: message %q, want it to name %q", c.name, msg, c.problem)
		}
		if c.name == ".." {
			continue // not a path segment at all: the client refuses it (TestClientPathSegments)
		}
		path := "/v1/users/" + url.PathEscape(c.name)
		for _, r := range []struct{ method, path, body string }{
			{"GET", path, ""},
			{"DELETE", path, ""},
			{"PUT", path + "/password", `{"password":"x"}`},
			{"PUT", path + "/policy", `{"policy":""}`},
			{"POST", path + "/tokens", `{"type":"oath"}`},
			{"POST", path + "/tokens", `{"type":"onelogin","onelogin_user":"4242"}`},
			{"GET", path + "/tokens", ""},
		} {
			msg := do(t, srv, r.method, r.path, r.body).want(t, 400, "invalid_name").message(t)
			if !strings.Contains(msg, c.problem) {
				t.Errorf("%s %s: message %q, want it to name %q", r.method, r.path, msg, c.problem)
			}
		}
	}
	users, err := srv.Store.ListUsers(context.Background())
	if err != nil || len(users) != 1 {
		t.Fatalf("users %+v, %v; want only alice", users, err)
	}
}

// jsonString is s as a JSON string.
func jsonString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Names are stored in normal form, so a fullwidth spelling is the same user.
func TestUserNameNormalized(t *testing.T) {
	srv := start(t, nil)
	u := decoded[apitype.User](t, do(t, srv, "POST", "/v1/users", `{"name":"ａｌｉｃｅ"}`).want(t, 201, ""))
	if u.Name != "alice" {
		t.Errorf("stored as %q, want alice", u.Name)
	}
	do(t, srv, "POST", "/v1/users", `{"name":"alice"}`).want(t, 409, "user_exists")
	u = decoded[apitype.User](t, do(t, srv, "GET", "/v1/users/"+url.PathEscape("ａｌｉｃｅ"), "").want(t, 200, ""))
	if u.Name != "alice" {
		t.Errorf("found %q", u.Name)
	}
	do(t, srv, "POST", "/v1/users/"+url.PathEscape("ａｌｉｃｅ")+"/tokens", `{"type":"oath"}`).want(t, 201, "")
}

// A user stored before the rules under a name they refuse can still be
// seen, have its tokens listed and be deleted, but gets nothing new.
func TestLegacyUserNames(t *testing.T) {
	srv := start(t, nil)
	ctx := context.Background()
	for _, name := range []string{"\u0430lice", `CORP\ann/x`, "Jose\u0301"} {
		legacy := &store.User{Name: name}
		if err := srv.Store.CreateUser(ctx, legacy); err != nil {
			t.Fatal(err)
		}
		path := "/v1/users/" + url.PathEscape(name)
		if u := decoded[apitype.User](t, do(t, srv, "GET", path, "").want(t, 200, "")); u.Name != legacy.Name {
			t.Errorf("GET %s: %q, want %q", path, u.Name, legacy.Name)
		}
		do(t, srv, "GET", path+"/tokens", "").want(t, 200, "")
		if _, err := auth.NormalizeUserName(name); err != nil {
			do(t, srv, "PUT", path+"/password", `{"password":"x"}`).want(t, 400, "invalid_name")
			do(t, srv, "PUT", path+"/policy", `{"policy":""}`).want(t, 400, "invalid_name")
			do(t, srv, "POST", path+"/tokens", `{"type":"oath"}`).want(t, 400, "invalid_name")
		} else { // valid, stored before in another normal form
			do(t, srv, "PUT", path+"/password", `{"password":"x"}`).want(t, 204, "")
		}
		do(t, srv, "DELETE", path, "").want(t, 204, "")
		if _, err := srv.Store.UserByName(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%+q not deleted: %v", name, err)
		}
	}
}

// SPEC S4.6: user names are case-insensitive. A name is stored in lower
// case, and another spelling of a taken name is the 409 a taken name
// gets; every spelling finds the user.
func TestUserNamesIgnoreCase(t *testing.T) {
	srv := start(t, nil)
	mustUser(t, srv, "alice")
	for _, variant := range []string{"Alice", "ALICE", "aLiCe", "ＡＬＩＣＥ"} {
		msg := do(t, srv, "POST", "/v1/users", `{"name":`+jsonString(t, variant)+`}`).want(t, 409, "user_exists").message(t)
		if msg != `user "alice" already exists` {
			t.Errorf("create %q: %q", variant, msg)
		}
		u := decoded[apitype.User](t, do(t, srv, "GET", "/v1/users/"+url.PathEscape(variant), "").want(t, 200, ""))
		if u.Name != "alice" {
			t.Errorf("GET %q found %q", variant, u.Name)
		}
	}
	u := decoded[apitype.User](t, do(t, srv, "POST", "/v1/users", `{"name":"CORP\\Bob Smith"}`).want(t, 201, ""))
	if u.Name != `corp\bob smith` {
		t.Errorf("created %q, want corp\\bob smith", u.Name)
	}
	do(t, srv, "PUT", "/v1/users/"+url.PathEscape(`Corp\BOB SMITH`)+"/password", `{"password":"x"}`).want(t, 204, "")
	do(t, srv, "DELETE", "/v1/users/ALICE", "").want(t, 204, "")
	do(t, srv, "GET", "/v1/users/alice", "").want(t, 404, "user_not_found")
	users, err := srv.Store.ListUsers(context.Background())
	if err != nil || len(users) != 1 || users[0].Name != `corp\bob smith` || users[0].PasswordHash == "" {
		t.Fatalf("users %+v, %v", users, err)
	}
}

// S5.4: a "this wasn't me" deny is visible in the audit listing.
func TestAuditReported(t *testing.T) {
	srv := start(t, nil)
	rec := &store.AuditRecord{LoginID: "L1", Time: testNow, User: "alice", Client: "vpn", Agent: "generic",
		Token: "SOFT-1", Provider: "fcm", Outcome: "reject", Reason: "push denied: reported", Reported: true}
	if err := srv.Store.AppendAudit(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	a := do(t, srv, "GET", "/v1/audit", "").want(t, 200, "")
	if !strings.Contains(a.body, `"reported":true`) {
		t.Errorf("body %s lacks \"reported\":true", a.body)
	}
	records, err := srv.AdminClient().Audit(context.Background(), "alice", 0)
	if err != nil || len(records) != 1 || !records[0].Reported {
		t.Errorf("client audit %+v, %v", records, err)
	}
}
