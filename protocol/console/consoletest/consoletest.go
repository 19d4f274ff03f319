// Package consoletest signs in to the operator console over plain HTTP,
// as the sign-in page and its script do: for tests and the console demo,
// which then read the pages with the same client.
package consoletest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// csrfField is a form's CSRF token on a console page.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF is the first form's CSRF token on page, "" when there is none.
func CSRF(page string) string {
	if m := csrfField.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// Get reads the page at u with c.
func Get(ctx context.Context, c *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("console page %s: %w", u, err)
	}
	return body(c.Do(req))
}

// Post sends form to u with c and returns the page it ends on.
func Post(ctx context.Context, c *http.Client, u string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("console form %s: %w", u, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return body(c.Do(req))
}

func body(resp *http.Response, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("console %s: %w", resp.Request.URL, err)
	}
	return string(b), nil
}

// SignIn posts the sign-in form at base (the admin listener's URL) as
// user; c must keep cookies. It returns the page the post ends on: the
// waiting page when a login started, the sign-in page with a notice when
// it did not.
func SignIn(ctx context.Context, c *http.Client, base, user, password string) (string, error) {
	page, err := Get(ctx, c, base+"/console/signin")
	if err != nil {
		return "", err
	}
	token := CSRF(page)
	if token == "" {
		return "", fmt.Errorf("no CSRF token on the sign-in page")
	}
	return Post(ctx, c, base+"/console/signin", url.Values{"user": {user}, "password": {password}, "csrf": {token}})
}

// Status is the sign-in's state as the waiting page polls it.
type Status struct {
	Step    string `json:"step"`
	Number  int    `json:"number"`
	Message string `json:"message"`
	Next    string `json:"next"`
}

// WaitSignedIn polls the sign-in's status until it is accepted (that
// answer carries the session cookie), refused, or ctx ends.
func WaitSignedIn(ctx context.Context, c *http.Client, base string) error {
	for {
		page, err := Get(ctx, c, base+"/console/signin/status")
		if err != nil {
			return err
		}
		var st Status
		if err := json.Unmarshal([]byte(page), &st); err != nil {
			return fmt.Errorf("sign-in status %q: %w", page, err)
		}
		switch {
		case st.Next != "":
			return nil
		case st.Step == "refused":
			return fmt.Errorf("the sign-in was refused")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sign-in not accepted (step %s): %w", st.Step, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
