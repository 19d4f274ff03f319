package console

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// chart is a small inline SVG drawn on the server: shapes with classes
// and presentation attributes only (the CSP forbids style attributes).
type chart struct {
	ID, Label     string
	Width, Height float64
	Left, Right   float64 // the plot's x range
	Top, Base     float64 // the plot's y range (Base is the x axis)
	Bars          []chartBar
	Lines         []chartLine
	Dots          []chartDot
	YTicks        []chartTick
	XTicks        []chartTick
	Empty         string // said in the plot when there is nothing to draw
}

type chartBar struct {
	X, Y, W, H   float64
	Class, Title string
}

type chartLine struct{ Class, Points string }

type chartDot struct {
	X, Y, R      float64
	Class, Title string
}

type chartTick struct {
	X, Y   float64
	Text   string
	Anchor string // text-anchor: start, middle, end
}

// The charts' size in SVG units (scaled to the page's width by CSS).
const (
	chartWidth  = 960
	chartHeight = 200
	chartLeft   = 66
	chartRight  = chartWidth - 8
	chartTop    = 10
	chartBase   = chartHeight - 24
)

func newChart(id, label string, minutes []apitype.StatsMinute) chart {
	c := chart{ID: id, Label: label, Width: chartWidth, Height: chartHeight,
		Left: chartLeft, Right: chartRight, Top: chartTop, Base: chartBase}
	if n := len(minutes); n > 0 {
		for j, i := range []int{0, n / 2, n - 1} {
			c.XTicks = append(c.XTicks, chartTick{X: round1(c.slotMid(i, n)), Y: chartHeight - 6,
				Text: minutes[i].Start.UTC().Format("15:04"), Anchor: []string{"start", "middle", "end"}[j]})
		}
	}
	return c
}

// slotMid is the middle of minute i of n on the x axis.
func (c *chart) slotMid(i, n int) float64 {
	return c.Left + (float64(i)+0.5)*(c.Right-c.Left)/float64(n)
}

// y is v's height on a scale of 0..top.
func (c *chart) y(v, top float64) float64 {
	return round1(c.Base - v/top*(c.Base-c.Top))
}

// yTicks labels 0, half (unless whole says it must be a whole number
// and is not) and the top of the scale.
func (c *chart) yTicks(top float64, whole bool, label func(float64) string) {
	for _, v := range []float64{0, top / 2, top} {
		if whole && v != math.Trunc(v) {
			continue
		}
		c.YTicks = append(c.YTicks, chartTick{X: c.Left - 6, Y: c.y(v, top) + 4, Text: label(v), Anchor: "end"})
	}
}

// outcomeOrder stacks accepts first, then rejects, then the rest by name.
func outcomeOrder(m map[string]int) []string {
	var rest []string
	for o := range m {
		if o != "accept" && o != "reject" {
			rest = append(rest, o)
		}
	}
	slices.Sort(rest)
	return append([]string{"accept", "reject"}, rest...)
}

// loginsChart stacks each minute's finished logins by outcome.
func loginsChart(st apitype.Stats) chart {
	c := newChart("chart-logins", "Finished logins per minute by outcome", st.Minutes)
	top := 0
	for _, m := range st.Minutes {
		total := 0
		for _, n := range m.Outcomes {
			total += n
		}
		top = max(top, total)
	}
	if top == 0 {
		c.Empty = "No finished logins in this window."
		return c
	}
	scale := niceCeil(float64(top))
	c.yTicks(scale, true, func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) })
	n := len(st.Minutes)
	slot := (c.Right - c.Left) / float64(n)
	for i, m := range st.Minutes {
		below := 0.0
		for _, o := range outcomeOrder(m.Outcomes) {
			count := float64(m.Outcomes[o])
			if count == 0 {
				continue
			}
			yTop := c.y(below+count, scale)
			c.Bars = append(c.Bars, chartBar{X: round1(c.Left + float64(i)*slot + slot*0.1), W: round1(slot * 0.8),
				Y: yTop, H: round1(c.y(below, scale) - yTop), Class: outcomeClass(o),
				Title: fmt.Sprintf("%s UTC: %d %s", m.Start.UTC().Format("15:04"), m.Outcomes[o], o)})
			below += count
		}
	}
	return c
}

// outcomeClass is the class an outcome's bars are drawn with.
func outcomeClass(o string) string {
	if o == "accept" || o == "reject" {
		return "bar-" + o
	}
	return "bar-other"
}

// answerChart draws each minute's p50 and p90 push answer times.
func answerChart(st apitype.Stats) chart {
	c := newChart("chart-answers", "Push answer time per minute, p50 and p90", st.Minutes)
	var top int64
	for _, m := range st.Minutes {
		top = max(top, m.AnswerP90MS)
	}
	if top == 0 {
		c.Empty = "No push answered in this window."
		return c
	}
	scale := niceCeil(float64(top))
	c.yTicks(scale, false, func(v float64) string { return strconv.FormatFloat(v/1000, 'f', -1, 64) + " s" })
	n := len(st.Minutes)
	for _, q := range []struct {
		class  string
		radius float64 // p90's dot is larger, seen around p50's when they are equal
		of     func(apitype.StatsMinute) int64
	}{
		{"p90", 5, func(m apitype.StatsMinute) int64 { return m.AnswerP90MS }},
		{"p50", 3, func(m apitype.StatsMinute) int64 { return m.AnswerP50MS }},
	} {
		run := ""
		for i, m := range st.Minutes {
			if m.Answered == 0 {
				c.addLine(q.class, run)
				run = ""
				continue
			}
			x, y := round1(c.slotMid(i, n)), c.y(float64(q.of(m)), scale)
			run += fmt.Sprintf("%g,%g ", x, y)
			c.Dots = append(c.Dots, chartDot{X: x, Y: y, R: q.radius, Class: "dot-" + q.class,
				Title: fmt.Sprintf("%s UTC: %s ≤ %d ms (%d answered)", m.Start.UTC().Format("15:04"), q.class, q.of(m), m.Answered)})
		}
		c.addLine(q.class, run)
	}
	return c
}

// addLine adds the points of a run of minutes with answers as a line.
func (c *chart) addLine(class, points string) {
	if points != "" {
		c.Lines = append(c.Lines, chartLine{Class: "line-" + class, Points: points})
	}
}

// niceCeil is the smallest of 1, 2, 5 times a power of ten that is at
// least v (v > 0).
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
