package adminapi

import "net/http"

// RouteRoles is every route of h (made by New) with the role it needs,
// as handle registered them: the role table test walks them all.
func RouteRoles(h http.Handler) map[string]string {
	out := map[string]string{}
	for pattern, r := range h.(*server).routeRoles {
		out[pattern] = r.String()
	}
	return out
}
