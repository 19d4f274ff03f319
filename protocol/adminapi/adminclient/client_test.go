package adminclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// The client sends every name as exactly one escaped path segment and
// refuses names that cannot be one, without calling the server.
func TestClientPathSegments(t *testing.T) {
	var got []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.EscapedPath())
		w.WriteHeader(http.StatusNoContent)
	}))
	defer fake.Close()
	c, ctx := adminclient.New(fake.URL, "t", fake.Client()), context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.DeleteUser(ctx, "a/../b?c#d%e f"))
	must(c.SetPassword(ctx, `CORP\ann`, "x"))
	must(c.DeleteToken(ctx, "../x"))
	_, err := c.ProgramToken(ctx, "a/b", apitype.ProgramRequest{Type: apitype.TypeOATH})
	must(err)
	want := []string{
		"DELETE /v1/users/a%2F..%2Fb%3Fc%23d%25e%20f",
		"PUT /v1/users/CORP%5Cann/password",
		"DELETE /v1/tokens/..%2Fx",
		"POST /v1/users/a%2Fb/tokens",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = nil
	for _, bad := range []string{"", ".", ".."} {
		if err := c.DeleteUser(ctx, bad); err == nil || !strings.Contains(err.Error(), "cannot be a URL path segment") {
			t.Errorf("DeleteUser(%q): %v", bad, err)
		}
		if _, err := c.Tokens(ctx, bad); err == nil {
			t.Errorf("Tokens(%q) sent", bad)
		}
		if err := c.DeleteToken(ctx, bad); err == nil {
			t.Errorf("DeleteToken(%q) sent", bad)
		}
		if _, err := c.Policy(ctx, bad); err == nil {
			t.Errorf("Policy(%q) sent", bad)
		}
	}
	if len(got) != 0 {
		t.Errorf("requests sent for unusable segments: %v", got)
	}
}
