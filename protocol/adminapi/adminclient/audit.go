package adminclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// Audit lists the logins' audit records newest first, only user's when user is not
// empty, at most limit (limit <= 0: the server's default).
func (c *Client) Audit(ctx context.Context, user string, limit int) ([]apitype.AuditRecord, error) {
	return c.AuditOf(ctx, "", user, limit)
}

// AuditOf is Audit for records of kind: "login" or "" (the logins),
// "admin" (operators' changes) or "all".
func (c *Client) AuditOf(ctx context.Context, kind, user string, limit int) ([]apitype.AuditRecord, error) {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	if user != "" {
		q.Set("user", user)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/v1/audit"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	out, err := call[apitype.AuditList](ctx, c, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return out.Records, nil
}

// Logins lists every login in flight. With many in flight (the answer is
// read up to 16 MiB: about 100,000 logins) use LoginPage.
func (c *Client) Logins(ctx context.Context) ([]apitype.Login, error) {
	out, err := call[apitype.LoginPage](ctx, c, http.MethodGet, "/v1/logins", nil)
	if err != nil {
		return nil, err
	}
	return out.Logins, nil
}

// LoginPage counts the logins in flight and lists the limit oldest (0: the
// counts alone).
func (c *Client) LoginPage(ctx context.Context, limit int) (*apitype.LoginPage, error) {
	return call[apitype.LoginPage](ctx, c, http.MethodGet, "/v1/logins?limit="+strconv.Itoa(max(limit, 0)), nil)
}
