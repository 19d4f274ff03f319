package adminclient

import (
	"context"
	"net/http"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// ProgramToken gives a user a new token. The result holds the token's
// secret (OTP URI or activation code): it is never shown again.
func (c *Client) ProgramToken(ctx context.Context, user string, req apitype.ProgramRequest) (*apitype.ProgramResult, error) {
	path, err := pathOf("/v1/users/", user, "/tokens")
	if err != nil {
		return nil, err
	}
	return call[apitype.ProgramResult](ctx, c, http.MethodPost, path, req)
}

// Tokens lists a user's tokens (without secrets).
func (c *Client) Tokens(ctx context.Context, user string) ([]apitype.Token, error) {
	path, err := pathOf("/v1/users/", user, "/tokens")
	if err != nil {
		return nil, err
	}
	out, err := call[apitype.TokenList](ctx, c, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return out.Tokens, nil
}

// DeleteToken deletes a token by serial.
func (c *Client) DeleteToken(ctx context.Context, serial string) error {
	path, err := pathOf("/v1/tokens/", serial, "")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

// NewActivation issues a fresh activation code for a soft token.
func (c *Client) NewActivation(ctx context.Context, serial string) (*apitype.ProgramResult, error) {
	path, err := pathOf("/v1/tokens/", serial, "/activation")
	if err != nil {
		return nil, err
	}
	return call[apitype.ProgramResult](ctx, c, http.MethodPost, path, nil)
}
