package adminclient

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// Providers reports each push provider's circuit and the answering
// node's push counts.
func (c *Client) Providers(ctx context.Context) (*apitype.ProviderList, error) {
	return call[apitype.ProviderList](ctx, c, http.MethodGet, "/v1/providers", nil)
}

// RadiusClients lists the RADIUS clients the server applies (admin only),
// without their secrets.
func (c *Client) RadiusClients(ctx context.Context) (*apitype.RadiusClientList, error) {
	return call[apitype.RadiusClientList](ctx, c, http.MethodGet, "/v1/clients", nil)
}

// Stats summarises the finished logins of the last window (whole minutes,
// 1m to 24h; 0 → the server's default, an hour), minute by minute.
func (c *Client) Stats(ctx context.Context, window time.Duration) (*apitype.Stats, error) {
	path := "/v1/stats"
	if window > 0 {
		path += "?" + url.Values{"window": {window.String()}}.Encode()
	}
	return call[apitype.Stats](ctx, c, http.MethodGet, path, nil)
}
