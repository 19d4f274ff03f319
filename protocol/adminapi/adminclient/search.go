package adminclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// SearchUsers is one page of the users whose names start with prefix and
// sort after after (GET /v1/users?prefix=&after=&limit=; limit <= 0: the
// server's default); its Next, as after, is the next page (empty: no
// more).
func (c *Client) SearchUsers(ctx context.Context, prefix, after string, limit int) (*apitype.UserList, error) {
	q := url.Values{"prefix": {prefix}}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return call[apitype.UserList](ctx, c, http.MethodGet, "/v1/users?"+q.Encode(), nil)
}
