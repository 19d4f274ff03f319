package adminapi

import (
	"net/http"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

// DefaultStatsWindow is GET /v1/stats' window when none is asked for.
const DefaultStatsWindow = time.Hour

// maxStatsReads is how many GET /v1/stats reads run at once on a node: a
// day's window reads every record of the day, so callers looping on it
// must not take the store's reads from the logins.
const maxStatsReads = 2

// errStatsBusy answers a stats call beyond maxStatsReads.
var errStatsBusy = newError(http.StatusTooManyRequests, "stats_busy",
	"%d statistics reads are under way; try again in a moment", maxStatsReads)

// stats is GET /v1/stats?window=1h: the audit's finished logins per
// minute by outcome and the phone's answer times, over whole minutes
// ending with the current one (window 1m..24h).
func (s *server) stats(w http.ResponseWriter, r *http.Request) error {
	minutes, err := statsMinutes(r)
	if err != nil {
		return err
	}
	select {
	case s.statsGate <- struct{}{}:
		defer func() { <-s.statsGate }()
	default:
		w.Header().Set("Retry-After", "1")
		return errStatsBusy
	}
	to := s.now().UTC().Truncate(time.Minute).Add(time.Minute)
	from := to.Add(-time.Duration(minutes) * time.Minute)
	// The logins the phone's answer decided: their phone_ms are the push
	// answer times (their duration_ms for records written before phone_ms
	// was kept).
	st, err := s.deps.Store.AuditStats(r.Context(), store.AuditStatsQuery{From: from, Minutes: minutes, Answered: auth.PhoneDecidedReasons()})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, statsView(st, from, to, minutes))
}

// statsMinutes reads ?window= as a whole number of minutes in
// 1..store.MaxAuditStatsMinutes.
func statsMinutes(r *http.Request) (int, error) {
	v := r.URL.Query().Get("window")
	if v == "" {
		return int(DefaultStatsWindow / time.Minute), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || d > store.MaxAuditStatsMinutes*time.Minute || d%time.Minute != 0 {
		return 0, badRequest("invalid_window", "window %q is not a whole number of minutes from 1m to 24h (such as 1h or 90m)", v)
	}
	return int(d / time.Minute), nil
}

// statsView lays st out minute by minute, with the percentiles of each
// minute's answer-time histogram.
func statsView(st *store.AuditStats, from, to time.Time, minutes int) apitype.Stats {
	out := apitype.Stats{From: from, To: to, Totals: map[string]int{}, Minutes: make([]apitype.StatsMinute, minutes)}
	for i := range out.Minutes {
		out.Minutes[i] = apitype.StatsMinute{Start: from.Add(time.Duration(i) * time.Minute), Outcomes: map[string]int{}}
	}
	for _, c := range st.Outcomes {
		if c.Minute >= 0 && c.Minute < minutes {
			out.Minutes[c.Minute].Outcomes[c.Outcome] += c.Count
			out.Totals[c.Outcome] += c.Count
		}
	}
	hist := make([]map[int64]int, minutes)
	for _, c := range st.Answers {
		if c.Minute >= 0 && c.Minute < minutes {
			if hist[c.Minute] == nil {
				hist[c.Minute] = map[int64]int{}
			}
			hist[c.Minute][c.UpToMS] += c.Count
			out.Minutes[c.Minute].Answered += c.Count
		}
	}
	for i, h := range hist {
		if n := out.Minutes[i].Answered; n > 0 {
			out.Minutes[i].AnswerP50MS = percentile(h, n, 50)
			out.Minutes[i].AnswerP90MS = percentile(h, n, 90)
		}
	}
	return out
}

// percentile is the upper bound of the bucket of hist (n answers) that
// holds the p-th percentile; past the last bound it is the last bound.
func percentile(hist map[int64]int, n, p int) int64 {
	bounds := store.AnswerBoundsMS()
	rank := (n*p + 99) / 100 // the rank-th smallest answer, 1-based
	seen := 0
	for _, b := range bounds {
		seen += hist[b]
		if seen >= rank {
			return b
		}
	}
	return bounds[len(bounds)-1]
}
