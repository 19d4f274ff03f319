// Package adminclient is a Go client of pushauth's admin API
// (protocol/adminapi): what cmd/pushctl, the demos and the tests call. It
// imports the standard library and apitype only, so a program using it
// links none of the server (a test checks it).
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// Error is an error answer of the admin API.
type Error struct {
	Status  int    // HTTP status
	Code    string // snake_case code, e.g. "user_not_found"
	Message string // human message, e.g. `user "bob" not found`
}

func (e *Error) Error() string { return e.Message }

// Client calls the admin API. Its zero value is not usable: use New.
// A Client is safe for concurrent use.
type Client struct {
	baseURL string
	token   string
	http    *http.Client
}

// New returns a client for the admin API at baseURL (e.g.
// http://127.0.0.1:8443) sending token. A nil hc means a client with a
// 30-second timeout.
func New(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), token: token, http: hc}
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
	var body apitype.ErrorBody
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
