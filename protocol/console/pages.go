package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// Page is a page's own data, for pages whose files define it
	// (actions, now, policies).
	Page any
}

// adminGet reads path from the admin API as the operator and decodes its
// JSON answer into out.
func (c *Console) adminGet(ctx context.Context, s *session, path string, out any) error {
	return c.adminCall(ctx, s, http.MethodGet, path, nil, out)
}

// adminError is the admin API's refusal of a call: its status and message.
type adminError struct {
	status int
	msg    string
}

func (e *adminError) Error() string { return e.msg }

// statusOfError is the HTTP status an answer showing err gets: the admin
// API's when it refused, else 500.
func statusOfError(err error) int {
	var ae *adminError
	if errors.As(err, &ae) {
		return ae.status
	}
	return http.StatusInternalServerError
}

// adminCall makes one call to the admin API as the operator: body (nil:
// none) is sent as JSON, and a 2xx answer is decoded into out (nil:
// dropped). A refusal is an *adminError carrying the API's message.
func (c *Console) adminCall(ctx context.Context, s *session, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return fmt.Errorf("admin request %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := &capture{header: http.Header{}, status: http.StatusOK}
	adminapi.ServeAs(c.deps.Admin, rec, req, s.User, s.Role)
	if rec.status < 200 || rec.status > 299 {
		var e apitype.ErrorBody
		if json.Unmarshal(rec.body, &e) == nil && e.Error != "" {
			return &adminError{status: rec.status, msg: e.Error}
		}
		return &adminError{status: rec.status, msg: fmt.Sprintf("%s %s answered %d", method, path, rec.status)}
	}
	if out == nil {
		return nil
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
	c.showUser(w, r, s, nil)
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
