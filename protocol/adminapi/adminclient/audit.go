package adminclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// AuditWhere lists the audit records f selects, newest first.
func (c *Client) AuditWhere(ctx context.Context, f apitype.AuditFilter) ([]apitype.AuditRecord, error) {
	out, err := call[apitype.AuditList](ctx, c, http.MethodGet, "/v1/audit"+auditParams(f), nil)
	if err != nil {
		return nil, err
	}
	return out.Records, nil
}

// AuditPage is one page of the records f selects, newest first; its Next,
// as f.Cursor, is the page after (empty: no more).
func (c *Client) AuditPage(ctx context.Context, f apitype.AuditFilter) (*apitype.AuditList, error) {
	return call[apitype.AuditList](ctx, c, http.MethodGet, "/v1/audit"+auditParams(f), nil)
}

// LoginDetail is everything the audit keeps about the login id.
func (c *Client) LoginDetail(ctx context.Context, id string) (*apitype.LoginDetail, error) {
	path, err := pathOf("/v1/audit/logins/", id, "")
	if err != nil {
		return nil, err
	}
	return call[apitype.LoginDetail](ctx, c, http.MethodGet, path, nil)
}

// AuditUsers counts the records f selects by user, in name order.
func (c *Client) AuditUsers(ctx context.Context, f apitype.AuditFilter) ([]apitype.AuditUser, error) {
	out, err := call[apitype.AuditUserList](ctx, c, http.MethodGet, "/v1/audit/users"+auditParams(f), nil)
	if err != nil {
		return nil, err
	}
	return out.Users, nil
}

// auditParams is f as a query string ("" or "?…").
func auditParams(f apitype.AuditFilter) string {
	q := url.Values{}
	for k, v := range map[string]string{"user": f.User, "reason": f.Reason, "kind": f.Kind, "client": f.Client,
		"outcome": f.Outcome, "node": f.Node, "login": f.Login, "cursor": f.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.UTC().Format(time.RFC3339))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Audit lists the logins' audit records newest first, only user's when user is not
// empty, at most limit (limit <= 0: the server's default).
func (c *Client) Audit(ctx context.Context, user string, limit int) ([]apitype.AuditRecord, error) {
	return c.AuditOf(ctx, "", user, limit)
}

// AuditOf is Audit for records of kind: "login" or "" (the logins),
// "admin" (operators' changes) or "all".
func (c *Client) AuditOf(ctx context.Context, kind, user string, limit int) ([]apitype.AuditRecord, error) {
	return c.AuditWhere(ctx, apitype.AuditFilter{Kind: kind, User: user, Limit: limit})
}

// Logins lists every login in flight (on a cluster, the cluster's 1,000
// oldest: LoginPage says how many there are and which members did not
// answer). With many in flight (the answer is read up to 16 MiB: about
// 100,000 logins) use LoginPage.
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
