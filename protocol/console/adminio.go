package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// adminCallAs sends method path with body (JSON; nil for none) to the
// admin API as the operator, decodes a 200's answer into out (nil:
// ignored) and returns the status. err carries the API's own message
// when it refused (a 400's validation message, a 403's role message).
func (c *Console) adminCallAs(ctx context.Context, s *session, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return 0, fmt.Errorf("admin request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := &capture{header: http.Header{}, status: http.StatusOK}
	adminapi.ServeAs(c.deps.Admin, rec, req, s.User, s.Role)
	if rec.status != http.StatusOK {
		var e apitype.ErrorBody
		if json.Unmarshal(rec.body, &e) == nil && e.Error != "" {
			return rec.status, fmt.Errorf("%s", e.Error)
		}
		return rec.status, fmt.Errorf("%s %s answered %d", method, path, rec.status)
	}
	if out == nil {
		return rec.status, nil
	}
	if err := json.Unmarshal(rec.body, out); err != nil {
		return rec.status, fmt.Errorf("decode %s: %w", path, err)
	}
	return rec.status, nil
}

// forbiddenPage answers 403 with the layout and why.
func (c *Console) forbiddenPage(w http.ResponseWriter, s *session, why string) {
	c.renderStatus(w, http.StatusForbidden, "forbidden", pageData{Session: s, CSRF: s.CSRF, Error: why})
}

// renderStatus writes the page name with d and status.
func (c *Console) renderStatus(w http.ResponseWriter, status int, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.tmpl.ExecuteTemplate(w, name, d); err != nil {
		c.deps.Log.Error().Err(err).Str("page", name).Msg("console page failed")
	}
}
