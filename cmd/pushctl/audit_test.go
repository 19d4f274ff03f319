package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/logbuf"

	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/adminapitest"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/store"
)

func appendAudit(t *testing.T, srv *adminapitest.Server, r store.AuditRecord) {
	t.Helper()
	if err := srv.Store.AppendAudit(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
}

// S6.10: audit --client, --outcome, --node, --login and --until filter as
// the API does.
func TestAuditNewFilters(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	now := time.Now()
	for i, c := range []struct{ client, outcome, node string }{{"vpn", "accept", "n1"}, {"vpn", "reject", "n2"}, {"wifi", "reject", "n1"}} {
		appendAudit(t, srv, store.AuditRecord{LoginID: fmt.Sprint("L", i), Time: now.Add(time.Duration(i-3) * time.Hour),
			User: "alice", Client: c.client, Outcome: c.outcome, Node: c.node})
	}
	for args, want := range map[string]string{
		"--client vpn":                  "[L1 L0]",
		"--client vpn --outcome reject": "[L1]",
		"--node n1":                     "[L2 L0]",
		"--login L2":                    "[L2]",
		"--until 150m":                  "[L0]", // older than 2.5 hours
		"--since 150m --until 30m":      "[L2 L1]",
	} {
		out := pushctl(t, srv, "", append([]string{"audit", "--json"}, strings.Fields(args)...)...).ok(t).stdout
		var got struct{ Records []apitype.AuditRecord }
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got.Records {
			ids = append(ids, r.LoginID)
		}
		if fmt.Sprint(ids) != want {
			t.Errorf("audit %s: %v, want %s", args, ids, want)
		}
	}
	pushctl(t, srv, "", "audit", "--until", "soon").fails(t, 2,
		"pushctl: audit: --until: want 7d, 36h or an RFC 3339 time\nusage: pushctl audit [--user NAME] [--client C] [--outcome O] "+
			"[--reason R] [--node N] [--login ID] [--since 7d|24h|RFC3339] [--until 24h|RFC3339] [--kind login|admin|all] [--users] [--limit N] [--follow]\n")
}

// follow runs "pushctl audit --follow args..." against srv until the
// returned stop is called, which waits for it to end and returns its
// error.
func follow(t *testing.T, srv *adminapitest.Server, out *logbuf.Buffer, args ...string) (stop func() error) {
	t.Helper()
	ctx, interrupt := context.WithCancel(context.Background())
	env := map[string]string{envAdminURL: srv.URL, envAdminToken: adminapitest.Token}
	c := &cli{stdin: strings.NewReader(""), stdout: out, getenv: func(k string) string { return env[k] },
		stop: func(context.Context) (context.Context, context.CancelFunc) { return ctx, interrupt }}
	done := make(chan error, 1)
	go func() { done <- c.dispatch(append([]string{"audit", "--follow"}, args...)) }()
	return func() error {
		interrupt()
		select {
		case err := <-done:
			return err
		case <-time.After(testwait.Deadline):
			t.Fatal("audit --follow did not end when interrupted")
			return nil
		}
	}
}

// S6.10: audit --follow prints each record written after it started, as
// a table row (or a JSON line with --json), with the filters, until
// interrupted (then it exits 0).
func TestAuditFollow(t *testing.T) {
	srv := adminapitest.Start(t, func(d *adminapi.Deps) { d.Stream.Poll = 10 * time.Millisecond })
	appendAudit(t, srv, store.AuditRecord{LoginID: "old", User: "olga", Client: "vpn", Outcome: "accept"})
	var table, lines logbuf.Buffer
	stopTable := follow(t, srv, &table, "--client", "vpn")
	stopJSON := follow(t, srv, &lines, "--json")
	// Both are connected once a probe record shows in both.
	testwait.For(t, "a probe record in both outputs", func() bool {
		appendAudit(t, srv, store.AuditRecord{LoginID: "probe", User: "probe", Client: "vpn", Outcome: "accept"})
		return strings.Contains(table.String(), "probe") && strings.Contains(lines.String(), "probe")
	})
	appendAudit(t, srv, store.AuditRecord{LoginID: "L1", User: "alice", Client: "vpn", Outcome: "accept", Reason: "approved"})
	appendAudit(t, srv, store.AuditRecord{LoginID: "L2", User: "bob", Client: "wifi", Outcome: "reject", Reason: "denied"})
	testwait.For(t, "alice's row", func() bool { return strings.Contains(table.String(), "alice") })
	testwait.For(t, "bob's JSON line", func() bool { return strings.Contains(lines.String(), `"user":"bob"`) })
	if err := stopTable(); err != nil {
		t.Fatal(err)
	}
	if err := stopJSON(); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(table.String()), "\n")
	if !strings.HasPrefix(rows[0], "TIME") || !strings.Contains(rows[len(rows)-1], "approved") ||
		strings.Contains(table.String(), "olga") || strings.Contains(table.String(), "bob") {
		t.Errorf("table:\n%s", table.String())
	}
	var users []string
	for _, line := range strings.Split(strings.TrimSpace(lines.String()), "\n") {
		var r apitype.AuditRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if r.User != "probe" {
			users = append(users, r.User)
		}
	}
	if fmt.Sprint(users) != "[alice bob]" {
		t.Errorf("JSON lines of %v", users)
	}
}

// S6.10 (issue 22): user search pages through the API (at most 500 a
// page) up to --limit, in name order, and says when there are more.
func TestUserSearch(t *testing.T) {
	srv := adminapitest.Start(t, nil)
	for i := range 620 {
		appendUser(t, srv, fmt.Sprintf("al%04d", i))
	}
	appendUser(t, srv, "bob")
	out := pushctl(t, srv, "", "user", "search", "al", "--limit", "3").ok(t).stdout
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) != 5 || !strings.HasPrefix(rows[1], "al0000 ") || !strings.HasPrefix(rows[3], "al0002 ") ||
		rows[4] != `the first 3 users starting with "al"; --limit N shows more` {
		t.Errorf("search al, 3:\n%s", out)
	}
	var got struct {
		Users []apitype.User
		More  bool
	}
	if err := json.Unmarshal([]byte(pushctl(t, srv, "", "user", "search", "al", "--limit", "1000", "--json").ok(t).stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Users) != 620 || got.More || got.Users[619].Name != "al0619" {
		t.Errorf("search al, 1000: %d users, more %v", len(got.Users), got.More)
	}
	out = pushctl(t, srv, "", "user", "search", "b").ok(t).stdout
	if rows := strings.Split(strings.TrimSpace(out), "\n"); len(rows) != 2 || !strings.HasPrefix(rows[1], "bob ") {
		t.Errorf("search b:\n%s", out)
	}
	pushctl(t, srv, "", "user", "search").fails(t, 2, "pushctl: user search: want 1 argument(s), got 0\nusage: pushctl user search PREFIX [--limit N]\n")
}

func appendUser(t *testing.T, srv *adminapitest.Server, name string) {
	t.Helper()
	if err := srv.Store.CreateUser(context.Background(), &store.User{Name: name}); err != nil {
		t.Fatal(err)
	}
}
