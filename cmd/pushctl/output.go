package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// timeLayout shows times in the operator's zone, with the zone.
const timeLayout = "2006-01-02 15:04:05 MST"

func (c *cli) printf(format string, args ...any) error {
	_, err := fmt.Fprintf(c.stdout, format, args...)
	return err
}

// done reports a command without an answer body; --json prints nothing.
func (c *cli) done(format string, args ...any) error {
	if c.json {
		return nil
	}
	return c.printf(format, args...)
}

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns; empty cells show as "-".
type table struct {
	w *tabwriter.Writer
}

func (c *cli) table(headers ...string) *table {
	t := &table{w: tabwriter.NewWriter(c.stdout, 0, 8, 2, ' ', 0)}
	t.row(headers...)
	return t
}

func (t *table) row(cells ...string) {
	for i, cell := range cells {
		cells[i] = orDash(strings.NewReplacer("\t", " ", "\n", " ").Replace(cell))
	}
	fmt.Fprintln(t.w, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.w.Flush() }

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(timeLayout)
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
