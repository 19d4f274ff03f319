package console

import (
	"context"
	"errors"
	"net/http"
)

// adminCallAs is adminCall with the admin API's status: 200 when it
// succeeded, the API's status when it refused, 0 when there was no answer.
func (c *Console) adminCallAs(ctx context.Context, s *session, method, path string, body, out any) (int, error) {
	err := c.adminCall(ctx, s, method, path, body, out)
	var ae *adminError
	switch {
	case err == nil:
		return http.StatusOK, nil
	case errors.As(err, &ae):
		return ae.status, err
	}
	return 0, err
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
