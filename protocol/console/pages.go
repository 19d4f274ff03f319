package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// pageData is what every template gets.
type pageData struct {
	Session *session
	CSRF    string
	Notice  string
	Error   string
	Prefix  string
	Users   *apitype.UserList
	User    *apitype.User
	Tokens  *apitype.TokenList
	Audit   *apitype.AuditList
	Filter  string
	// Page is a page's own data, for pages whose files define it
	// (actions, now, policies).
	Page any
}

// adminGet reads path from the admin API as the operator and decodes its
// JSON answer into out.
func (c *Console) adminGet(ctx context.Context, s *session, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return fmt.Errorf("admin request %s: %w", path, err)
	}
	rec := &capture{header: http.Header{}, status: http.StatusOK}
	adminapi.ServeAs(c.deps.Admin, rec, req, s.User, s.Role)
	if rec.status != http.StatusOK {
		var e apitype.ErrorBody
		if json.Unmarshal(rec.body, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s", e.Error)
		}
		return fmt.Errorf("%s answered %d", path, rec.status)
	}
	if err := json.Unmarshal(rec.body, out); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d := pageData{Session: s, CSRF: s.CSRF, Prefix: q.Get("prefix"), Users: &apitype.UserList{}}
	v := url.Values{"prefix": {d.Prefix}, "after": {q.Get("after")}, "limit": {"50"}}
	if err := c.adminGet(r.Context(), s, "/v1/users?"+v.Encode(), d.Users); err != nil {
		d.Error = err.Error()
	}
	c.render(w, "users", d)
}

func (c *Console) userPage(w http.ResponseWriter, r *http.Request, s *session) {
	name := url.PathEscape(r.PathValue("name"))
	d := pageData{Session: s, CSRF: s.CSRF, User: &apitype.User{}, Tokens: &apitype.TokenList{}, Audit: &apitype.AuditList{}}
	ctx := r.Context()
	err := c.adminGet(ctx, s, "/v1/users/"+name, d.User)
	if err == nil {
		err = c.adminGet(ctx, s, "/v1/users/"+name+"/tokens", d.Tokens)
	}
	if err == nil {
		err = c.adminGet(ctx, s, "/v1/audit?limit=20&user="+url.QueryEscape(d.User.Name), d.Audit)
	}
	if err != nil {
		d.Error = err.Error()
	}
	c.render(w, "user", d)
}

// capture keeps the admin API's answer.
type capture struct {
	header http.Header
	status int
	body   []byte
}

func (c *capture) Header() http.Header { return c.header }
func (c *capture) Write(b []byte) (int, error) {
	if len(c.body) > 4<<20 {
		return 0, fmt.Errorf("admin answer too large")
	}
	c.body = append(c.body, b...)
	return len(b), nil
}
func (c *capture) WriteHeader(status int) { c.status = status }
