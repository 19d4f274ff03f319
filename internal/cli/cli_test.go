package cli

import (
	"bytes"
	"flag"
	"runtime/debug"
	"strings"
	"testing"
)

func testCommand() (Command, *bool, *string) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	cfg := fs.String("config", "", "config `file` to read")
	fs.Duration("wait", 0, "how long to wait")
	fs.Int("count", 3, "how many")
	version := AddVersionFlag(fs)
	c := Command{
		Name: "demo", Summary: "shows the help style", Usage: []string{"[--config FILE]"},
		About: "Some words.", Flags: fs,
		Sections: []Section{{Title: "Environment", Items: []Item{{"DEMO_X", "sets x\nover two lines"}}}},
	}
	return c, version, cfg
}

// The help names flags with two dashes, their value names and defaults,
// and lists the sections.
func TestHelpStyle(t *testing.T) {
	c, _, _ := testCommand()
	h := c.Help()
	for _, want := range []string{
		"demo - shows the help style\n\nUsage:\n  demo [--config FILE]\n\nSome words.\n\nFlags:\n",
		"  --config FILE    config file to read\n",
		"  --count INT      how many (default 3)\n",
		"  --wait DURATION  how long to wait\n",
		"  --help           print this help and exit\n",
		"  --version        print the version and exit\n",
		"\nEnvironment:\n  DEMO_X  sets x\n          over two lines\n",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("help lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "\n  -config") {
		t.Errorf("single-dash flag in help:\n%s", h)
	}
}

// --help and -h print the help on stdout (exit 0), --version one line
// (exit 0), a bad flag one line and a pointer to --help on stderr (exit 2).
func TestParse(t *testing.T) {
	cases := []struct {
		args        []string
		code        int
		done        bool
		out, errOut string
	}{
		{[]string{"--help"}, 0, true, "demo - shows", ""},
		{[]string{"-h"}, 0, true, "demo - shows", ""},
		{[]string{"--version"}, 0, true, "demo ", ""},
		{[]string{"--nope"}, 2, true, "", "demo: flag provided but not defined: -nope\nRun 'demo --help' for usage.\n"},
		{[]string{"--config", "x.yaml"}, 0, false, "", ""},
	}
	for _, tc := range cases {
		c, version, cfg := testCommand()
		var out, errOut bytes.Buffer
		code, done := c.Parse(tc.args, version, &out, &errOut)
		if code != tc.code || done != tc.done || !strings.HasPrefix(out.String(), tc.out) || errOut.String() != tc.errOut {
			t.Errorf("%v: code %d done %v out %q err %q", tc.args, code, done, out.String(), errOut.String())
		}
		if !tc.done && *cfg != "x.yaml" {
			t.Errorf("%v: config %q", tc.args, *cfg)
		}
	}
}

// The version line carries the module version, the commit (12 digits), its
// time, "modified" for a dirty tree, and the Go version.
func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/pushauth/pushauth", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"},
			{Key: "vcs.time", Value: "2025-12-01T12:06:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	got := formatVersion("pushauthd", bi)
	want := "pushauthd v1.2.0 (github.com/pushauth/pushauth, commit 0123456789ab, 2025-12-01T12:06:00Z, modified; go1.26.8 "
	if !strings.HasPrefix(got, want) {
		t.Errorf("got  %q\nwant %q...", got, want)
	}
	bare := formatVersion("x", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}})
	if !strings.HasPrefix(bare, "x devel (unknown module, commit unknown; go1.26.8 ") {
		t.Errorf("without VCS information: %q", bare)
	}
	if v := Version("demo"); !strings.HasPrefix(v, "demo ") {
		t.Errorf("Version = %q", v)
	}
}
