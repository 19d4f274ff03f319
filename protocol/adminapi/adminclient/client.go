package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Error is an error answer of the admin API.
type Error struct {
	Status  int    // HTTP status
	Code    string // snake_case code, e.g. "user_not_found"
	Message string // human message, e.g. `user "bob" not found`
}

func (e *Error) Error() string { return e.Message }

// Client calls the admin API. Its zero value is not usable: use NewClient.
// A Client is safe for concurrent use.
type Client struct {
	baseURL string
	token   string
	http    *http.Client
}

// NewClient returns a client for the admin API at baseURL (e.g.
// http://127.0.0.1:8443) sending token. A nil hc means a client with a
// 30-second timeout.
func NewClient(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), token: token, http: hc}
}

// CreateUser creates a user; an empty password means none.
func (c *Client) CreateUser(ctx context.Context, name, password string) (*User, error) {
	return call[User](ctx, c, http.MethodPost, "/v1/users", CreateUserRequest{Name: name, Password: password})
}

// Users lists every user.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	out, err := call[userList](ctx, c, http.MethodGet, "/v1/users", nil)
	if err != nil {
		return nil, err
	}
	return out.Users, nil
}

// User returns one user.
func (c *Client) User(ctx context.Context, name string) (*User, error) {
	path, err := pathOf("/v1/users/", name, "")
	if err != nil {
		return nil, err
	}
	return call[User](ctx, c, http.MethodGet, path, nil)
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
	return c.do(ctx, http.MethodPut, path, SetPasswordRequest{Password: password}, nil)
}

// SetUserPolicy names a user's policy; empty clears it.
func (c *Client) SetUserPolicy(ctx context.Context, name, policy string) (*User, error) {
	path, err := pathOf("/v1/users/", name, "/policy")
	if err != nil {
		return nil, err
	}
	return call[User](ctx, c, http.MethodPut, path, SetUserPolicyRequest{Policy: policy})
}

// UnlockUser clears a user's failure count and lifts any lockout.
func (c *Client) UnlockUser(ctx context.Context, name string) (*User, error) {
	path, err := pathOf("/v1/users/", name, "/unlock")
	if err != nil {
		return nil, err
	}
	return call[User](ctx, c, http.MethodPost, path, nil)
}

// ProgramToken gives a user a new token. The result holds the token's
// secret (OTP URI or activation code): it is never shown again.
func (c *Client) ProgramToken(ctx context.Context, user string, req ProgramRequest) (*ProgramResult, error) {
	path, err := pathOf("/v1/users/", user, "/tokens")
	if err != nil {
		return nil, err
	}
	return call[ProgramResult](ctx, c, http.MethodPost, path, req)
}

// Tokens lists a user's tokens (without secrets).
func (c *Client) Tokens(ctx context.Context, user string) ([]Token, error) {
	path, err := pathOf("/v1/users/", user, "/tokens")
	if err != nil {
		return nil, err
	}
	out, err := call[tokenList](ctx, c, http.MethodGet, path, nil)
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
func (c *Client) NewActivation(ctx context.Context, serial string) (*ProgramResult, error) {
	path, err := pathOf("/v1/tokens/", serial, "/activation")
	if err != nil {
		return nil, err
	}
	return call[ProgramResult](ctx, c, http.MethodPost, path, nil)
}

// Policies lists the policies, including the built-in default.
func (c *Client) Policies(ctx context.Context) ([]Policy, error) {
	out, err := call[policyList](ctx, c, http.MethodGet, "/v1/policies", nil)
	if err != nil {
		return nil, err
	}
	return out.Policies, nil
}

// Policy returns one policy.
func (c *Client) Policy(ctx context.Context, name string) (*Policy, error) {
	path, err := pathOf("/v1/policies/", name, "")
	if err != nil {
		return nil, err
	}
	return call[Policy](ctx, c, http.MethodGet, path, nil)
}

// SetPolicy applies settings (key → value, see auth.PolicyKeys) to a policy,
// creating it from the default when it does not exist.
func (c *Client) SetPolicy(ctx context.Context, name string, settings map[string]string) (*Policy, error) {
	req := SetPolicyRequest{Settings: make(map[string]any, len(settings))}
	for k, v := range settings {
		req.Settings[k] = v
	}
	path, err := pathOf("/v1/policies/", name, "")
	if err != nil {
		return nil, err
	}
	return call[Policy](ctx, c, http.MethodPut, path, req)
}

// Audit lists audit records newest first, only user's when user is not
// empty, at most limit (limit <= 0: the server's default).
func (c *Client) Audit(ctx context.Context, user string, limit int) ([]AuditRecord, error) {
	q := url.Values{}
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
	out, err := call[auditList](ctx, c, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return out.Records, nil
}

// Logins lists every login in flight. With many in flight (the answer is
// read up to 16 MiB: about 100,000 logins) use LoginPage.
func (c *Client) Logins(ctx context.Context) ([]Login, error) {
	out, err := call[LoginPage](ctx, c, http.MethodGet, "/v1/logins", nil)
	if err != nil {
		return nil, err
	}
	return out.Logins, nil
}

// LoginPage counts the logins in flight and lists the limit oldest (0: the
// counts alone).
func (c *Client) LoginPage(ctx context.Context, limit int) (*LoginPage, error) {
	return call[LoginPage](ctx, c, http.MethodGet, "/v1/logins?limit="+strconv.Itoa(max(limit, 0)), nil)
}

// pathOf puts segment between prefix and suffix as exactly one escaped
// path segment ("a/b" → "a%2Fb"), so that no name changes which endpoint is
// called. "", "." and ".." cannot be a segment (servers clean them away).
func pathOf(prefix, segment, suffix string) (string, error) {
	if segment == "" || segment == "." || segment == ".." {
		return "", fmt.Errorf("admin API request: %q cannot be a URL path segment", segment)
	}
	return prefix + url.PathEscape(segment) + suffix, nil
}

// call sends body and returns the decoded answer, or nil and the error.
func call[T any](ctx context.Context, c *Client, method, path string, body any) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// do sends body (nil: none) as JSON and decodes a 2xx answer into out (nil:
// ignored). An error answer is an *Error.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the admin API at %s: %w", c.baseURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read admin API answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answerError(resp, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("admin API answered %s %s with invalid JSON: %w", method, path, err)
	}
	return nil
}

func (c *Client) newRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, r)
	if err != nil {
		return nil, fmt.Errorf("admin API request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// answerError makes an *Error of a non-2xx answer, also when its body is
// not the API's JSON (e.g. a proxy's page).
func answerError(resp *http.Response, data []byte) error {
	var body ErrorBody
	if json.Unmarshal(data, &body) != nil || body.Error == "" {
		body.Error = "admin API answered " + resp.Status
	}
	return &Error{Status: resp.StatusCode, Code: body.Code, Message: body.Error}
}

// unwrapURLError drops *url.Error's repetition of method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
