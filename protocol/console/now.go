package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// nowRoutes serves the Now page: logins in flight, providers, members
// and the last hour's charts.
func (c *Console) nowRoutes() {
	c.mux.HandleFunc("GET /console/now", c.signedIn(c.nowPage))
}

// nowLoginsShown is how many of the oldest logins in flight the page lists.
const nowLoginsShown = 20

// nowData is the Now page's data (pageData.Page). Each part says its own
// error, so that one failing read leaves the rest of the page.
type nowData struct {
	Logins       apitype.LoginPage
	Oldest       []loginRow
	States       []stateCount
	LoginsErr    string
	Cluster      *apitype.ClusterStatus // nil when the server runs alone
	ClusterNote  string                 // the API's answer when it is not a cluster
	Providers    []providerRow
	CountsNode   string // the node whose push counts they are ("" alone)
	ProvidersErr string
	Stats        apitype.Stats
	StatsErr     string
	LoginsChart  chart
	AnswerChart  chart
	Refresh      int // seconds between reloads; 0: none
}

type stateCount struct {
	State string
	Count int
}

func (c *Console) nowPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	d := &nowData{Refresh: refreshSeconds(r)}
	if err := c.adminGet(ctx, s, "/v1/logins?limit="+strconv.Itoa(nowLoginsShown), &d.Logins); err != nil {
		d.LoginsErr = err.Error()
	}
	d.States = sortedStates(d.Logins.States)
	for _, l := range d.Logins.Logins {
		d.Oldest = append(d.Oldest, loginRow{Login: l, AgeS: l.AgeMS / 1000})
	}
	var cl apitype.ClusterStatus
	if status, err := c.adminCallAs(ctx, s, http.MethodGet, "/v1/cluster", nil, &cl); err == nil {
		d.Cluster = &cl
	} else if status == http.StatusNotFound {
		d.ClusterNote = err.Error()
	} else {
		d.ClusterNote = "Members unknown: " + err.Error()
	}
	var pl apitype.ProviderList
	if err := c.adminGet(ctx, s, "/v1/providers", &pl); err != nil {
		d.ProvidersErr = err.Error()
	}
	d.CountsNode = pl.Node
	for _, p := range pl.Providers {
		d.Providers = append(d.Providers, providerRow{Provider: p, ErrorShare: errorShare(p)})
	}
	if err := c.adminGet(ctx, s, "/v1/stats?window=1h", &d.Stats); err != nil {
		d.StatsErr = err.Error()
	}
	d.LoginsChart, d.AnswerChart = loginsChart(d.Stats), answerChart(d.Stats)
	c.render(w, "now", pageData{Session: s, CSRF: s.CSRF, Page: d})
}

// refreshSeconds reads ?refresh=N (5..300 seconds; else none).
func refreshSeconds(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("refresh"))
	if err != nil || n < 5 || n > 300 {
		return 0
	}
	return n
}

func sortedStates(m map[string]int) []stateCount {
	out := make([]stateCount, 0, len(m))
	for state, n := range m {
		out = append(out, stateCount{State: state, Count: n})
	}
	slices.SortFunc(out, func(a, b stateCount) int { return strings.Compare(a.State, b.State) })
	return out
}

// loginRow is a login in flight as the page lists it.
type loginRow struct {
	apitype.Login
	AgeS int64
}

// providerRow is a provider as the page lists it.
type providerRow struct {
	apitype.Provider
	ErrorShare string
}

// errorShare is the provider's failed pushes as a percentage of all (""
// before any push).
func errorShare(p apitype.Provider) string {
	total := p.PushesOK + p.PushesError
	if total == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(p.PushesError)*100/float64(total), 'f', 1, 64) + " %"
}
