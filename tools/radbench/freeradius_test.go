package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// requireFreeradius returns the FreeRADIUS binary; without one it skips,
// except under CI=true, where it fails.
func requireFreeradius(t *testing.T) string {
	t.Helper()
	bin, err := findFreeradius("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI=true needs it", err)
		}
		t.Skip(err)
	}
	return bin
}

func TestFreeradiusConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := newFreeradiusConfig(dir, "/usr/lib/freeradius", 18123)
	conf := cfg.radiusdConf()
	for _, want := range []string{
		"raddbdir = " + strconv.Quote(dir),
		"libdir = \"/usr/lib/freeradius\"",
		"max_requests = 1048576",
		"\treject_delay = 0\n",
		"\tstart_servers = 5\n\tmax_servers = 32\n",
		"client radbench {\n\tipaddr = 127.0.0.1/8\n\tsecret = \"radbench-secret\"\n}",
		"\t\tipaddr = 127.0.0.1\n\t\tport = 18123\n",
		"filename = " + strconv.Quote(filepath.Join(dir, "users")),
		"authorize {\n\t\tfiles\n\t\tpap\n\t}",
		"authenticate {\n\t\tAuth-Type PAP {\n\t\t\tpap\n\t\t}\n\t}",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("radiusd.conf lacks %q:\n%s", want, conf)
		}
	}
	// It runs as whoever starts it (root here): no user or group to switch to.
	if regexp.MustCompile(`(?m)^\s*(user|group)\s*=`).MatchString(conf) {
		t.Errorf("radiusd.conf sets a user or group:\n%s", conf)
	}
	users := strings.Split(strings.TrimSuffix(cfg.usersFile(), "\n"), "\n")
	if len(users) != peerUsers || users[1] != userName(1)+"\tCleartext-Password := \""+userPassword(1)+"\"" {
		t.Fatalf("users file: %d lines, second %q", len(users), users[1])
	}
}

// TestFreeradiusConfigChecks lets FreeRADIUS itself check the generated
// config (freeradius -C), when it is installed.
func TestFreeradiusConfigChecks(t *testing.T) {
	bin := requireFreeradius(t)
	libdir, err := freeradiusLibdir(bin)
	if err != nil {
		t.Fatal(err)
	}
	cfg := newFreeradiusConfig(t.TempDir(), libdir, 18123)
	if err := writeFreeradiusConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-C", "-d", cfg.dir).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(cfg.dir, "radius.log"))
		t.Fatalf("freeradius -C: %v\n%s\n%s", err, out, log)
	}
}

func TestFindFreeradius(t *testing.T) {
	_, err := findBinary("", []string{"radbench-no-such-freeradius", "/nonexistent/freeradius"})
	if !errors.Is(err, errNoFreeradius) || !strings.Contains(err.Error(), "apt-get install freeradius") {
		t.Fatalf("missing binary: %v", err)
	}
	if _, err := findBinary("/nonexistent/freeradius", nil); err == nil || !strings.Contains(err.Error(), "--freeradius-bin") {
		t.Fatalf("bad --freeradius-bin: %v", err)
	}
	if got, err := findBinary("", []string{"radbench-no-such-freeradius", "sh"}); err != nil || filepath.Base(got) != "sh" {
		t.Fatalf("second name: %q %v", got, err)
	}
}

func TestParseFreeradiusVersion(t *testing.T) {
	v, err := parseFreeradiusVersion("radiusd: FreeRADIUS Version 3.2.1, for host x86_64-pc-linux-gnu, built on Aug 18 2023\n")
	if err != nil || v != "3.2.1" {
		t.Fatalf("version %q %v", v, err)
	}
	if _, err := parseFreeradiusVersion("radiusd: FreeRADIUS Version 4.0.0, for host x\n"); err == nil {
		t.Fatal("FreeRADIUS 4 accepted")
	}
	if _, err := parseFreeradiusVersion("something else\n"); err == nil {
		t.Fatal("no version accepted")
	}
}

func TestQuotable(t *testing.T) {
	if !quotable("/tmp/radbench-freeradius-123") || quotable(`/tmp/a"b`) || quotable("/tmp/${x}") || quotable(`C:\x`) {
		t.Fatal("quotable")
	}
}

// TestFreeradiusScenario runs `radbench freeradius` for a second and
// checks that FreeRADIUS is gone and its temp dir removed afterwards.
func TestFreeradiusScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FreeRADIUS; skipped with -short")
	}
	requireFreeradius(t)
	work := t.TempDir()
	var stdout, stderr strings.Builder
	args := []string{"freeradius", "--concurrency", "2", "--duration", "1s", "--warmup", "0", "--work-dir", work}
	if rc := run(args, &stdout, &stderr); rc != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", rc, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("radbench freeradius:\n%s", out)
	if !strings.Contains(out, "requests/s") || !strings.Contains(out, "server log:") {
		t.Fatalf("no result table:\n%s", out)
	}
	if row := regexp.MustCompile(`(?m)^ +2 +1 .*$`).FindString(out); !strings.HasSuffix(strings.TrimSpace(row), "none") {
		t.Fatalf("failed requests at concurrency 2: %q\n%s", row, out)
	}
	m := regexp.MustCompile(`freeradius \S+ pid (\d+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no pid in %q", stderr.String())
	}
	if _, err := os.Stat("/proc/" + m[1]); err == nil {
		t.Errorf("freeradius pid %s still runs", m[1])
	}
	if left, _ := os.ReadDir(work); len(left) > 0 {
		t.Errorf("temp dir left behind: %v", left)
	}
}
