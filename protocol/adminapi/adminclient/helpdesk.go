package adminclient

import (
	"context"
	"net/http"
	"strconv"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// IssueBypassCode issues a bypass code for a user; the answer holds the
// code, shown this once.
func (c *Client) IssueBypassCode(ctx context.Context, name string, req apitype.BypassCodeRequest) (*apitype.BypassCode, error) {
	path, err := pathOf("/v1/users/", name, "/bypass-codes")
	if err != nil {
		return nil, err
	}
	return call[apitype.BypassCode](ctx, c, http.MethodPost, path, req)
}

// BypassCodes lists a user's usable bypass codes (without the codes).
func (c *Client) BypassCodes(ctx context.Context, name string) ([]apitype.BypassCode, error) {
	path, err := pathOf("/v1/users/", name, "/bypass-codes")
	if err != nil {
		return nil, err
	}
	out, err := call[apitype.BypassCodeList](ctx, c, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return out.BypassCodes, nil
}

// RevokeBypassCode revokes a user's bypass code id.
func (c *Client) RevokeBypassCode(ctx context.Context, name string, id int64) error {
	path, err := pathOf("/v1/users/", name, "/bypass-codes/"+strconv.FormatInt(id, 10))
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

// CreateAdminToken creates an admin API token with a role; the answer
// holds the token, shown this once.
func (c *Client) CreateAdminToken(ctx context.Context, name, role string) (*apitype.AdminToken, error) {
	return call[apitype.AdminToken](ctx, c, http.MethodPost, "/v1/admin-tokens", apitype.AdminTokenRequest{Name: name, Role: role})
}

// AdminTokens lists the admin API tokens by name (never the tokens).
func (c *Client) AdminTokens(ctx context.Context) ([]apitype.AdminToken, error) {
	out, err := call[apitype.AdminTokenList](ctx, c, http.MethodGet, "/v1/admin-tokens", nil)
	if err != nil {
		return nil, err
	}
	return out.AdminTokens, nil
}

// RevokeAdminToken revokes the admin API token called name.
func (c *Client) RevokeAdminToken(ctx context.Context, name string) error {
	path, err := pathOf("/v1/admin-tokens/", name, "")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}
