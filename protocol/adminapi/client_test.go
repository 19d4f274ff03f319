package adminapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

func TestClientRoundTrip(t *testing.T) {
	srv := start(t, func(d *adminapi.Deps) {
		d.Logins = fakeLogins{logins: []actors.LoginInfo{{ID: "1", User: "alice", State: "waiting", Started: testNow}}}
	})
	c, ctx := srv.AdminClient(), context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	u, err := c.CreateUser(ctx, "alice", password)
	must(err)
	if !u.HasPassword {
		t.Errorf("user %+v", u)
	}
	must(c.SetPassword(ctx, "alice", "other"))
	_, err = c.SetPolicy(ctx, "strict", map[string]any{"attempt_limit": "2"})
	must(err)
	u, err = c.SetUserPolicy(ctx, "alice", "strict")
	must(err)
	if u.Policy != "strict" {
		t.Errorf("policy %q", u.Policy)
	}
	res, err := c.ProgramToken(ctx, "alice", apitype.ProgramRequest{Type: apitype.TypeSoftToken})
	must(err)
	again, err := c.NewActivation(ctx, res.Serial)
	must(err)
	if again.ActivationCode == "" || again.ActivationCode == res.ActivationCode {
		t.Errorf("activation %+v", again)
	}
	tokens, err := c.Tokens(ctx, "alice")
	must(err)
	users, err := c.Users(ctx)
	must(err)
	policies, err := c.Policies(ctx)
	must(err)
	p, err := c.Policy(ctx, "strict")
	must(err)
	records, err := c.Audit(ctx, "alice", 5)
	must(err)
	actions, err := c.AuditOf(ctx, "admin", "alice", 10)
	must(err)
	if len(actions) != 5 || actions[0].Action != "POST /v1/tokens/{serial}/activation" {
		t.Errorf("admin actions %+v", actions)
	}
	logins, err := c.Logins(ctx)
	must(err)
	page, err := c.LoginPage(ctx, 0)
	must(err)
	if len(tokens) != 1 || len(users) != 1 || len(policies) != 2 || p.AttemptLimit != 2 ||
		len(records) != 0 || records == nil || len(logins) != 1 {
		t.Errorf("tokens %v users %v policies %v policy %v records %v logins %v", tokens, users, policies, p, records, logins)
	}
	if page.Total != 1 || page.States["waiting"] != 1 || len(page.Logins) != 0 {
		t.Errorf("login page %+v", page)
	}
	must(c.DeleteToken(ctx, res.Serial))
	must(c.DeleteUser(ctx, "alice"))
}

func TestClientErrors(t *testing.T) {
	srv := start(t, nil)
	_, err := srv.AdminClient().User(context.Background(), "bob")
	var ae *adminclient.Error
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != "user_not_found" || err.Error() != `user "bob" not found` {
		t.Errorf("error %#v", err)
	}

	bad := adminclient.New(srv.URL, "wrong", nil)
	if err := bad.DeleteUser(context.Background(), "bob"); !errors.As(err, &ae) || ae.Code != "unauthorized" {
		t.Errorf("wrong token: %v", err)
	}

	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer proxy.Close()
	_, err = adminclient.New(proxy.URL, adminapitest.Token, nil).Users(context.Background())
	if !errors.As(err, &ae) || ae.Status != 502 || err.Error() != "admin API answered 502 Bad Gateway" {
		t.Errorf("non-JSON error: %v", err)
	}

	proxy.Close()
	_, err = adminclient.New(proxy.URL, adminapitest.Token, nil).Users(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach the admin API at "+proxy.URL+": ") {
		t.Errorf("unreachable: %v", err)
	}
}
