package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
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
		cells[i] = orDash(visible(strings.NewReplacer("\t", " ", "\n", " ").Replace(cell)))
	}
	fmt.Fprintln(t.w, strings.Join(cells, "\t"))
}

// visible escapes control and invisible formatting characters (e.g. a
// right-to-left override in a user name from a RADIUS request) as \uXXXX,
// so a cell cannot reorder or hide what the terminal shows.
func visible(s string) string {
	if !strings.ContainsFunc(s, invisible) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !invisible(r):
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08X`, r)
		default:
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	}
	return b.String()
}

func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
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
