package test

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/push"
)

// Paths of the monitoring files, relative to this package.
const (
	dashboardFile  = "../packaging/grafana/pushauth-dashboard.json"
	alertRulesFile = "../packaging/prometheus/pushauth-alerts.yaml"
)

// isTargetLabel reports whether Prometheus adds the label when it scrapes
// (so it is not in /metrics).
func isTargetLabel(l string) bool { return l == "instance" || l == "job" }

// S6.2: every metric and label the Grafana dashboard and the alert rules
// use is one the server exports on /metrics, after traffic that makes each
// labelled series appear (an approved push, a provider failing until its
// circuit opens, a dropped packet, a retransmission).
func TestDashboardAndAlertsUseExportedMetrics(t *testing.T) {
	exported := scrapeAfterTraffic(t)
	literals := goStringLiterals(t)
	queries := append(dashboardQueries(t), alertQueries(t)...)
	if len(queries) < 10 {
		t.Fatalf("only %d queries found", len(queries))
	}
	for _, q := range queries {
		checkQuery(t, q, exported, literals)
	}
}

// scrapeAfterTraffic runs traffic through a server and returns its
// /metrics as metric name → label names.
func scrapeAfterTraffic(t *testing.T) map[string]map[string]bool {
	t.Helper()
	fake, withAPNs := fakeAPNs(t)
	h := StartServer(t, edits(withAPNs, timeout(2), func(c *config.Config) {
		c.Providers.Limits.CircuitFailures = 1
		c.Providers.Limits.CircuitPause = time.Minute
	}))
	fake.SetFailure(503, "ServiceUnavailable")
	h.AddUser("alice", "pw")
	phone := h.Phone("alice")
	login := Start(h.Client(""), "alice", "pw", "", "")
	if err := phone.Answer(h.ctx(), NextPush(t, phone), push.Approve); err != nil {
		t.Fatal(err)
	}
	expectCode(t, login.Wait(t), layeh.CodeAccessAccept)
	h.AddUser("ian", "pw")
	h.iPhone("ian", "tok-ian")
	expectCode(t, Start(h.Client(""), "ian", "pw", "", "").Wait(t), layeh.CodeAccessChallenge)
	checkFor(t, 5*time.Second, func() bool {
		return h.Metric("pushauth_provider_circuit_open", `provider="apns"`) == 1
	}, "APNs circuit open")
	sendTwice(t, h)
	unknown := h.Client("127.0.0.9:0")
	raw, err := radclient.Encode(radclient.NewAccessRequest([]byte(secret), "x", "y", "", ""), 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unknown.SendRaw(shortCtx(t, 300*time.Millisecond), 1, raw); err == nil {
		t.Fatal("an unknown client got an answer")
	}
	checkFor(t, 5*time.Second, func() bool {
		return h.Metric("pushauth_radius_dropped_total", `reason="unknown-client"`) == 1
	}, "the drop counted")
	return parseExposition(t, scrape(t, h))
}

// sendTwice sends one request twice with the same identifier: the second
// is a retransmission.
func sendTwice(t *testing.T, h *Harness) {
	t.Helper()
	c := h.Client("")
	raw, err := radclient.Encode(radclient.NewAccessRequest([]byte(secret), "nobody", "pw", "", ""), 7, true)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.SendRaw(shortCtx(t, 10*time.Second), 7, raw); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
}

// shortCtx is a context ending after d (or with the test).
func shortCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// scrape returns the server's /metrics text.
func scrape(t *testing.T, h *Harness) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.AdminURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s %v", resp.Status, err)
	}
	return string(body)
}

// sampleLine is one sample of the Prometheus text format.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+`)

// labelName finds the label names of a sample's label set.
var labelName = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="`)

// parseExposition maps each metric name of the text format to its label
// names. Histogram and summary series are also listed under their family
// name.
func parseExposition(t *testing.T, text string) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		names := []string{m[1]}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(m[1], suffix); ok {
				names = append(names, base)
			}
		}
		for _, name := range names {
			if out[name] == nil {
				out[name] = map[string]bool{}
			}
			for _, l := range labelName.FindAllStringSubmatch(m[2], -1) {
				out[name][l[1]] = true
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no samples in /metrics:\n%.500s", text)
	}
	return out
}

// query is one PromQL expression and where it comes from.
type query struct{ where, expr string }

// dashboardQueries returns every target expression of the dashboard.
func dashboardQueries(t *testing.T) []query {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID        string
		Templating struct {
			List []struct{ Name, Definition string }
		}
		Panels []struct {
			Title   string
			Type    string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var out []query
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			out = append(out, query{"dashboard variable " + v.Name, v.Definition})
		}
	}
	for _, p := range d.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			out = append(out, query{"dashboard panel " + p.Title, tg.Expr})
		}
	}
	return out
}

// alertQueries returns every rule's expression, checking that each rule
// has what Alertmanager routing and the on-call reader need.
func alertQueries(t *testing.T) []query {
	t.Helper()
	b, err := os.ReadFile(alertRulesFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := yaml.Parser().Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: %v", alertRulesFile, err)
	}
	var rules struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert, Expr, For string
				Labels           map[string]string
				Annotations      map[string]string
			}
		}
	}
	if err := remarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	var out []query
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			sev := r.Labels["severity"]
			if r.Alert == "" || r.For == "" || r.Annotations["summary"] == "" || (sev != "critical" && sev != "warning" && sev != "info") {
				t.Errorf("alert rule %+v lacks alert, for, a severity or a summary", r)
			}
			out = append(out, query{"alert " + r.Alert, r.Expr})
		}
	}
	return out
}

// remarshal converts a decoded YAML map into v through JSON.
func remarshal(in any, v any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

var (
	// metricRef finds pushauth's, Go's and the process's metric names.
	metricRef = regexp.MustCompile(`\b(?:pushauth|go|process)_[a-z0-9_]+\b`)
	// selector finds a metric with a label matcher list.
	selector = regexp.MustCompile(`\b((?:pushauth|go|process)_[a-z0-9_]+)\{([^}]*)\}`)
	// matcher finds one label matcher: name, operator, value.
	matcher = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	// grouping finds the labels of by (...) and without (...).
	grouping = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
)

// checkQuery checks q's metric names, label names and label values
// against what the server exports.
func checkQuery(t *testing.T, q query, exported map[string]map[string]bool, literals map[string]bool) {
	t.Helper()
	if strings.Count(q.expr, "(") != strings.Count(q.expr, ")") || strings.Count(q.expr, "{") != strings.Count(q.expr, "}") {
		t.Errorf("%s: unbalanced brackets in %q", q.where, q.expr)
	}
	used := map[string]bool{}
	for _, name := range metricRef.FindAllString(q.expr, -1) {
		if exported[name] == nil {
			t.Errorf("%s: metric %s is not in /metrics (%q)", q.where, name, q.expr)
		}
		for l := range exported[name] {
			used[l] = true
		}
	}
	for _, s := range selector.FindAllStringSubmatch(q.expr, -1) {
		for _, m := range matcher.FindAllStringSubmatch(s[2], -1) {
			checkMatcher(t, q, s[1], m[1], m[2], m[3], exported, literals)
		}
	}
	for _, g := range grouping.FindAllStringSubmatch(q.expr, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); !used[l] && !isTargetLabel(l) {
				t.Errorf("%s: no metric in %q has the label %q", q.where, q.expr, l)
			}
		}
	}
}

// checkMatcher checks one label matcher of metric: the label exists, and
// each value an = or =~ matcher names (template variables aside) is one
// the code can produce, i.e. a string literal of the server's Go code or a
// value in /metrics.
func checkMatcher(t *testing.T, q query, metric, label, op, value string, exported map[string]map[string]bool, literals map[string]bool) {
	t.Helper()
	if !exported[metric][label] && !isTargetLabel(label) {
		t.Errorf("%s: %s has no label %q", q.where, metric, label)
	}
	if isTargetLabel(label) || strings.Contains(value, "$") || (op != "=" && op != "=~") {
		return
	}
	for _, v := range strings.Split(value, "|") {
		if !literals[v] {
			t.Errorf("%s: %s{%s=%q}: the server never sets %q", q.where, metric, label, value, v)
		}
	}
}

// goStringLiterals collects the double-quoted string literals of the
// module's non-test Go files.
func goStringLiterals(t *testing.T) map[string]bool {
	t.Helper()
	lit := regexp.MustCompile(`"((?:[^"\\\n]|\\.)*)"`)
	out := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
