package console

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// The Now page's charts, drawn from GET /v1/stats' minutes.

func statsOf(minutes ...apitype.StatsMinute) apitype.Stats {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range minutes {
		minutes[i].Start = start.Add(time.Duration(i) * time.Minute)
	}
	return apitype.Stats{Minutes: minutes}
}

// Each minute's outcomes are stacked, accepts at the bottom, on a scale
// rounded up to 1, 2 or 5 times a power of ten; the title says the minute
// and count.
func TestLoginsChartStacks(t *testing.T) {
	c := loginsChart(statsOf(
		apitype.StatsMinute{Outcomes: map[string]int{"accept": 3, "reject": 1, "abandoned": 2}},
		apitype.StatsMinute{Outcomes: map[string]int{}},
	))
	if c.Empty != "" || len(c.Bars) != 3 {
		t.Fatalf("bars %+v, empty %q", c.Bars, c.Empty)
	}
	classes := []string{c.Bars[0].Class, c.Bars[1].Class, c.Bars[2].Class}
	if !reflect.DeepEqual(classes, []string{"bar-accept", "bar-reject", "bar-other"}) {
		t.Errorf("stacking order %v", classes)
	}
	// Scale 10 (6 rounded up): 3 accepts are 30% of the plot's height,
	// from the axis up; the reject sits on them.
	plot := c.Base - c.Top
	if a := c.Bars[0]; !near(a.Y+a.H, c.Base) || !near(a.H, plot*0.3) {
		t.Errorf("accept bar %+v (plot %v)", a, plot)
	}
	if a, r := c.Bars[0], c.Bars[1]; !near(r.Y+r.H, a.Y) {
		t.Errorf("reject bar %+v not on the accept bar %+v", r, a)
	}
	if !strings.Contains(c.Bars[2].Title, "09:00 UTC: 2 abandoned") {
		t.Errorf("title %q", c.Bars[2].Title)
	}
	ticks := []string{}
	for _, tk := range c.YTicks {
		ticks = append(ticks, tk.Text)
	}
	if !reflect.DeepEqual(ticks, []string{"0", "5", "10"}) {
		t.Errorf("y ticks %v", ticks)
	}
	if empty := loginsChart(statsOf(apitype.StatsMinute{})); empty.Empty == "" || len(empty.Bars) != 0 {
		t.Errorf("no logins: %+v", empty)
	}
}

// The answer times are points of p50 and p90, joined into a line only
// across consecutive minutes with answers.
func TestAnswerChartRuns(t *testing.T) {
	c := answerChart(statsOf(
		apitype.StatsMinute{Answered: 2, AnswerP50MS: 1000, AnswerP90MS: 3000},
		apitype.StatsMinute{Answered: 1, AnswerP50MS: 2000, AnswerP90MS: 2000},
		apitype.StatsMinute{},
		apitype.StatsMinute{Answered: 1, AnswerP50MS: 500, AnswerP90MS: 500},
	))
	if len(c.Dots) != 6 {
		t.Fatalf("%d dots", len(c.Dots))
	}
	var p50 []string
	for _, l := range c.Lines {
		if l.Class == "line-p50" {
			p50 = append(p50, l.Points)
		}
	}
	if len(p50) != 2 || strings.Count(p50[0], ",") != 2 || strings.Count(p50[1], ",") != 1 {
		t.Errorf("p50 runs %q", p50)
	}
	if top := c.YTicks[len(c.YTicks)-1].Text; top != "5 s" {
		t.Errorf("scale top %q", top)
	}
	if empty := answerChart(statsOf(apitype.StatsMinute{})); empty.Empty == "" || len(empty.Dots) != 0 {
		t.Errorf("no answers: %+v", empty)
	}
}

// near compares coordinates rounded to a tenth.
func near(a, b float64) bool { return math.Abs(a-b) < 0.11 }

func TestNiceCeil(t *testing.T) {
	for v, want := range map[float64]float64{1: 1, 3: 5, 6: 10, 11: 20, 250: 500, 3100: 5000, 0.4: 0.5} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", v, got, want)
		}
	}
}
