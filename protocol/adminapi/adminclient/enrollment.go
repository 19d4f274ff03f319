package adminclient

import (
	"context"
	"net/http"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// EnrollWindows lists the open enrolment windows.
func (c *Client) EnrollWindows(ctx context.Context) ([]apitype.EnrollWindow, error) {
	out, err := call[apitype.EnrollWindowList](ctx, c, http.MethodGet, "/v1/enrollment/windows", nil)
	if err != nil {
		return nil, err
	}
	return out.Windows, nil
}

// OpenEnrollment opens group's enrolment window until until ("all" for
// everyone, else a directory group's DN).
func (c *Client) OpenEnrollment(ctx context.Context, group string, until time.Time) (*apitype.EnrollWindow, error) {
	path, err := pathOf("/v1/enrollment/windows/", group, "")
	if err != nil {
		return nil, err
	}
	return call[apitype.EnrollWindow](ctx, c, http.MethodPut, path, apitype.SetEnrollWindowRequest{Until: until})
}

// CloseEnrollment closes group's enrolment window.
func (c *Client) CloseEnrollment(ctx context.Context, group string) error {
	path, err := pathOf("/v1/enrollment/windows/", group, "")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}
