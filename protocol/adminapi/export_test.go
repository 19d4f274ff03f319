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

// HoldStatsReads takes n of h's stats read slots until the returned
// function gives them back (a test of the cap without racing readers).
func HoldStatsReads(h http.Handler, n int) (release func()) {
	gate := h.(*server).statsGate
	for range n {
		gate <- struct{}{}
	}
	return func() {
		for range n {
			<-gate
		}
	}
}
