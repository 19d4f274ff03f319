package adminclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// CreateUser creates a user; an empty password means none.
func (c *Client) CreateUser(ctx context.Context, name, password string) (*apitype.User, error) {
	return call[apitype.User](ctx, c, http.MethodPost, "/v1/users", apitype.CreateUserRequest{Name: name, Password: password})
}

// Users lists every user.
func (c *Client) Users(ctx context.Context) ([]apitype.User, error) {
	out, err := call[apitype.UserList](ctx, c, http.MethodGet, "/v1/users", nil)
	if err != nil {
		return nil, err
	}
	return out.Users, nil
}

// User returns one user.
func (c *Client) User(ctx context.Context, name string) (*apitype.User, error) {
	path, err := pathOf("/v1/users/", name, "")
	if err != nil {
		return nil, err
	}
	return call[apitype.User](ctx, c, http.MethodGet, path, nil)
}

// DeleteUser deletes a user with their tokens.
func (c *Client) DeleteUser(ctx context.Context, name string) error {
	path, err := pathOf("/v1/users/", name, "")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

// SetPassword replaces a user's password; empty removes it.
func (c *Client) SetPassword(ctx context.Context, name, password string) error {
	path, err := pathOf("/v1/users/", name, "/password")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, path, apitype.SetPasswordRequest{Password: password}, nil)
}

// SetUserPolicy names a user's policy; empty clears it.
func (c *Client) SetUserPolicy(ctx context.Context, name, policy string) (*apitype.User, error) {
	path, err := pathOf("/v1/users/", name, "/policy")
	if err != nil {
		return nil, err
	}
	return call[apitype.User](ctx, c, http.MethodPut, path, apitype.SetUserPolicyRequest{Policy: policy})
}

// UnlockUser clears a user's failure count and lifts any lockout.
func (c *Client) UnlockUser(ctx context.Context, name string) (*apitype.User, error) {
	path, err := pathOf("/v1/users/", name, "/unlock")
	if err != nil {
		return nil, err
	}
	return call[apitype.User](ctx, c, http.MethodPost, path, nil)
}

// UsersFrom lists the users of one source (apitype.SourceLocal,
// apitype.SourceDirectory).
func (c *Client) UsersFrom(ctx context.Context, source string) ([]apitype.User, error) {
	out, err := call[apitype.UserList](ctx, c, http.MethodGet, "/v1/users?source="+url.QueryEscape(source), nil)
	if err != nil {
		return nil, err
	}
	return out.Users, nil
}

// DirectoryUser returns what pushauth would use for a directory user.
func (c *Client) DirectoryUser(ctx context.Context, name string) (*apitype.DirectoryUser, error) {
	path, err := pathOf("/v1/directory/users/", name, "")
	if err != nil {
		return nil, err
	}
	return call[apitype.DirectoryUser](ctx, c, http.MethodGet, path, nil)
}
