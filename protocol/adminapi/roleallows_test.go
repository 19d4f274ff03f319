package adminapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
)

// S6.7, S6.9: RoleAllowsAs answers as ServeAs would, without calling: the
// role table decides, the refusal names the role needed, and an unknown
// role is refused.
func TestRoleAllowsAs(t *testing.T) {
	h := adminapitest.Start(t, nil).Config.Handler
	for _, c := range []struct {
		method, path, role string
		need               string // "" when allowed
	}{
		{http.MethodDelete, "/v1/users/bob", "admin", ""},
		{http.MethodDelete, "/v1/users/bob", "helpdesk", `console operator "ada" has role helpdesk; DELETE /v1/users/{name} needs role admin`},
		{http.MethodDelete, "/v1/tokens/SOFT-1", "helpdesk", "needs role admin"},
		{http.MethodPost, "/v1/users/bob/unlock", "helpdesk", ""},
		{http.MethodPost, "/v1/users/bob/unlock", "readonly", "needs role helpdesk"},
		{http.MethodGet, "/v1/users/bob", "readonly", ""},
		{http.MethodGet, "/v1/users/bob", "root", "no known role"},
	} {
		err := adminapi.RoleAllowsAs(h, c.method, c.path, "ada", c.role)
		switch {
		case c.need == "" && err != nil:
			t.Errorf("%s %s as %s: %v", c.method, c.path, c.role, err)
		case c.need != "" && (err == nil || !strings.Contains(err.Error(), c.need)):
			t.Errorf("%s %s as %s: %v, want %q", c.method, c.path, c.role, err, c.need)
		}
	}
}
