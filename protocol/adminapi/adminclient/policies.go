package adminclient

import (
	"context"
	"net/http"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// Policies lists the policies, including the built-in default.
func (c *Client) Policies(ctx context.Context) ([]apitype.Policy, error) {
	out, err := call[apitype.PolicyList](ctx, c, http.MethodGet, "/v1/policies", nil)
	if err != nil {
		return nil, err
	}
	return out.Policies, nil
}

// Policy returns one policy.
func (c *Client) Policy(ctx context.Context, name string) (*apitype.Policy, error) {
	path, err := pathOf("/v1/policies/", name, "")
	if err != nil {
		return nil, err
	}
	return call[apitype.Policy](ctx, c, http.MethodGet, path, nil)
}

// SetPolicy applies settings (key → value, see auth.PolicyKeys) to a policy,
// creating it from the default when it does not exist. Values are strings,
// except reply_attributes: a []string.
func (c *Client) SetPolicy(ctx context.Context, name string, settings map[string]any) (*apitype.Policy, error) {
	req := apitype.SetPolicyRequest{Settings: settings}
	path, err := pathOf("/v1/policies/", name, "")
	if err != nil {
		return nil, err
	}
	return call[apitype.Policy](ctx, c, http.MethodPut, path, req)
}
