package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// userView is the user page's own data (pageData.Page).
type userView struct {
	Path     string // the page's path, which its forms post under
	Bypass   []apitype.BypassCode
	Policies []apitype.Policy // the policy select's choices
	Policy   policyOrigin
}

// policyOrigin is the policy a user's logins get and where it comes from
// (SPEC S4.4: the user's own, else the directory group's, else the
// client's, else the default).
type policyOrigin struct {
	Name string // "" when the user has none of their own
	From string
}

// doneNotice is the notice of ?done=code after an action: fixed texts,
// so that a URL never carries a message of its own.
func doneNotice(code string) string {
	switch code {
	case "unlocked":
		return "User unlocked."
	case "policy":
		return "Policy set."
	case "bypass-revoked":
		return "Bypass code revoked."
	case "revoked":
		return "Tokens revoked."
	case "deleted":
		return "User deleted."
	}
	return ""
}

// userPath is the console path of the user page of name.
func userPath(name string) string { return "/console/users/" + url.PathEscape(name) }

// apiUserPath is the admin API path of the user of the request's {name}.
func apiUserPath(r *http.Request) string { return "/v1/users/" + url.PathEscape(r.PathValue("name")) }

// showUser renders the user page of the request's {name}; failed, when
// not nil, is an action's refusal, shown with the admin API's message
// and status.
func (c *Console) showUser(w http.ResponseWriter, r *http.Request, s *session, failed error) {
	name := r.PathValue("name")
	v := &userView{Path: userPath(name)}
	d := pageData{Session: s, CSRF: s.CSRF, User: &apitype.User{}, Tokens: &apitype.TokenList{}, Audit: &apitype.AuditList{},
		Notice: doneNotice(r.URL.Query().Get("done")), Page: v}
	err := c.loadUser(r.Context(), s, r, &d, v)
	switch {
	case failed != nil:
		d.Error = failed.Error()
		c.renderStatus(w, statusOfError(failed), "user", d)
		return
	case err != nil:
		d.Error = err.Error()
	}
	c.render(w, "user", d)
}

// loadUser reads what the user page shows through the admin API.
func (c *Console) loadUser(ctx context.Context, s *session, r *http.Request, d *pageData, v *userView) error {
	base := apiUserPath(r)
	if err := c.adminGet(ctx, s, base, d.User); err != nil {
		return err
	}
	var bypass apitype.BypassCodeList
	for _, get := range []struct {
		path string
		out  any
	}{
		{base + "/tokens", d.Tokens},
		{base + "/bypass-codes", &bypass},
		{"/v1/audit?limit=20&user=" + url.QueryEscape(d.User.Name), d.Audit},
	} {
		if err := c.adminGet(ctx, s, get.path, get.out); err != nil {
			return err
		}
	}
	v.Bypass = bypass.BypassCodes
	var list apitype.PolicyList
	if err := c.adminGet(ctx, s, "/v1/policies", &list); err != nil {
		return err
	}
	v.Policies = list.Policies
	v.Policy = c.policyOrigin(ctx, s, d.User)
	if v.Policy.Name != "" && !slices.ContainsFunc(v.Policies, func(p apitype.Policy) bool { return p.Name == v.Policy.Name }) {
		v.Policy.From += "; no such policy: its logins get the default policy"
	}
	return nil
}

// policyOrigin says which policy the user's logins get, as far as the
// admin API tells: the user's own; else, for a directory user, the first
// configured group's (GET /v1/directory/users/{name}); else each
// client's, else the default (which depends on the client, so the page
// names no single one).
func (c *Console) policyOrigin(ctx context.Context, s *session, u *apitype.User) policyOrigin {
	if u.Policy != "" {
		return policyOrigin{Name: u.Policy, From: "user: set on the user"}
	}
	client := policyOrigin{From: "client: the policy of the RADIUS client the login comes through, else default"}
	if u.Source != apitype.SourceDirectory {
		return client
	}
	var du apitype.DirectoryUser
	if err := c.adminGet(ctx, s, "/v1/directory/users/"+url.PathEscape(u.Name), &du); err != nil {
		client.From += " (the directory's groups could not be read: " + err.Error() + ")"
		return client
	}
	if du.Policy != "" && len(du.Groups) > 0 {
		return policyOrigin{Name: du.Policy, From: "group: directory group " + du.Groups[0]}
	}
	return client
}
