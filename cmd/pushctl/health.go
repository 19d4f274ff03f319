package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// healthTimeout bounds a health check, so that a container health check
// or a monitoring probe never hangs.
const healthTimeout = 5 * time.Second

// readiness is the body of the server's /readyz.
type readiness struct {
	Status    string            `json:"status"`
	Store     string            `json:"store"`
	Providers map[string]string `json:"providers"`
}

// health asks the server's /readyz whether it is ready. The token is
// optional: a server with admin_api.public_health answers without one.
func (c *cli) health(args []string) error {
	const usage = "health"
	if _, err := c.parse(c.flagSet(usage), args, usage, 0); err != nil {
		return err
	}
	base, err := c.baseURL()
	if err != nil {
		return err
	}
	token, err := c.adminToken()
	if err != nil {
		token = "" // optional here: a server with admin_api.public_health needs none
	}
	status, body, err := getReadyz(base, token)
	if err != nil {
		return err
	}
	return c.showReadiness(status, body)
}

// getReadyz fetches base/readyz with the token, if any.
func getReadyz(base, token string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/readyz", nil)
	if err != nil {
		return 0, nil, fmt.Errorf("health: %w", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot reach the admin API at %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return 0, nil, fmt.Errorf("health: read the answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

// showReadiness prints the answer; anything but 200 is an error.
func (c *cli) showReadiness(status int, body []byte) error {
	var r readiness
	if err := json.Unmarshal(body, &r); err != nil || r.Status == "" {
		if status == http.StatusUnauthorized {
			return errors.New("health: 401 unauthorized: give the admin token (--token-file FILE), or set admin_api.public_health: true on the server")
		}
		return fmt.Errorf("health: unexpected answer %d from /readyz", status)
	}
	if c.json {
		if err := c.printJSON(r); err != nil {
			return err
		}
	} else if err := c.printf("%s (store %s; providers: %s)\n", r.Status, r.Store, circuitList(r.Providers)); err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("health: %s", r.Status)
	}
	return nil
}

// circuitList is "apns closed, poll closed".
func circuitList(providers map[string]string) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(providers)) {
		parts = append(parts, name+" "+providers[name])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
