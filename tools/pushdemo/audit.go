package main

import (
	"errors"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// wantOutcomes are the audit outcomes of the stories, oldest first (the
// Wi-Fi story, when told, is one more accept).
var wantOutcomes = []string{"accept", "reject", "accept", "accept"}

// audit waits for one record per story and prints them, oldest first.
func (d *demo) audit(n int) error {
	recs, err := d.waitAudit(n)
	if err != nil {
		return err
	}
	slices.Reverse(recs) // the API lists newest first
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  time\tuser\tclient\tagent\ttoken\tprovider\toutcome\treason\tms")
	for _, r := range recs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", r.Time.Local().Format(time.TimeOnly),
			r.User, r.Client, r.Agent, dash(r.Token), dash(r.Provider), r.Outcome, r.Reason, r.DurationMS)
	}
	tw.Flush()
	for i, r := range recs {
		want := "accept"
		if i < len(wantOutcomes) {
			want = wantOutcomes[i]
		}
		if r.Outcome != want {
			return fmt.Errorf("expected audit record %d to be %s, got %s (%s)", i+1, want, r.Outcome, r.Reason)
		}
	}
	return nil
}

// waitAudit polls the admin API until it lists n records.
func (d *demo) waitAudit(n int) ([]apitype.AuditRecord, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err := d.admin.Audit(d.ctx, "", 100)
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		if len(recs) >= n {
			return recs[:n], nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New("expected one audit record per story, got " + fmt.Sprint(len(recs)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
