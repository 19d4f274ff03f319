package test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/logbuf"
)

// tryItSection is the README section whose commands TestTryItByHand runs.
const tryItSection = "## Try it by hand"

// The README's "Try it by hand" section, run as written by the built
// binaries and FreeRADIUS's radclient: the server on the embedded example
// config, the operator's pushctl commands, the phone simulator activated
// with the printed URL and answering "y" when asked, and the NAS's
// radclient command gets Access-Accept (S2.6 approve). Then the phone stays
// silent, radclient gets Access-Challenge, and the README's answer with
// the State and the soft token's passcode gets Access-Accept (S2.6
// timeout, S3.2). Only addresses change: the test binds port 0 (through
// the PUSHAUTH_*_LISTEN variables) and puts the bound addresses into the
// commands, and NOTIFICATIONTIMEOUT is 5 s instead of 30.
func TestTryItByHand(t *testing.T) {
	radclientPath(t)
	if testing.Short() {
		t.Skip("builds the binaries and runs them as processes; skipped with -short")
	}
	blocks := readmeBlocks(t, tryItSection)
	if len(blocks) != 5 {
		t.Fatalf("%q has %d sh blocks, want 5 (server, operator, phone, NAS, challenge answer)", tryItSection, len(blocks))
	}
	if m := regexp.MustCompile(`radclient .*-t (\d+)`).FindStringSubmatch(blocks[3]); m == nil || atoi(m[1]) <= 30 {
		t.Fatalf("the NAS block must give radclient a timeout (-t) over NOTIFICATIONTIMEOUT's default 30 s:\n%s", blocks[3])
	}
	tr := &tryIt{t: t, dir: t.TempDir()}
	tr.build()
	tr.startServer(blocks[0])
	url := tr.activationURL(tr.sh(blocks[1]))
	watch := tr.phone(blocks[2], url)

	out := tr.nas(blocks[3], func() { watch.answer(1, "y") })
	if r := parseRadclient(out); r.Code != "Access-Accept" {
		t.Fatalf("approved login: want Access-Accept, radclient said:\n%s", out)
	}
	out = tr.nas(blocks[3], func() { watch.answer(2, "") })
	r := parseRadclient(out)
	if r.Code != "Access-Challenge" || r.State() == "" {
		t.Fatalf("silent phone: want Access-Challenge with a State, radclient said:\n%s", out)
	}
	answer := regexp.MustCompile(`(?m)^State = \S+$`).ReplaceAllString(blocks[4], "State = "+r.State())
	if answer == blocks[4] {
		t.Fatalf("the challenge answer block has no State line:\n%s", blocks[4])
	}
	if out := tr.sh(strings.ReplaceAll(answer, readmeRadius, tr.radius)); parseRadclient(out).Code != "Access-Accept" {
		t.Fatalf("passcode answer: want Access-Accept, radclient said:\n%s", out)
	}
	tr.stopServer()
}

// atoi is strconv.Atoi without the error (0).
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// readmeRadius is the RADIUS address of the README's commands.
const readmeRadius = "127.0.0.1:1812"

// tryIt runs the README's commands in dir.
type tryIt struct {
	t      *testing.T
	dir    string
	env    []string
	server *exec.Cmd
	logs   *logbuf.Buffer
	radius string
}

// readmeBlocks returns the ```sh blocks of a README section.
func readmeBlocks(t *testing.T, heading string) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)\n```sh\n(.*?)\n```\n").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// build compiles the binaries `make build` puts into bin/.
func (tr *tryIt) build() {
	tr.t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(tr.dir, "bin")+"/",
		"./cmd/pushauthd", "./cmd/pushctl", "./cmd/softtoken")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		tr.t.Fatalf("go build: %v\n%s", err, out)
	}
}

// startServer runs the server block (but `make build`, done already) on
// port 0 and learns the bound addresses from its log.
func (tr *tryIt) startServer(block string) {
	tr.t.Helper()
	tr.env = cleanEnv()
	var line string
	for _, l := range strings.Split(block, "\n") {
		if l != "make build" {
			line = l
		}
	}
	tr.logs = &logbuf.Buffer{}
	tr.server = exec.Command("sh", "-c", "exec "+line)
	tr.server.Dir, tr.server.Stderr = tr.dir, tr.logs
	tr.server.Env = append(tr.env, "PUSHAUTH_RADIUS_LISTEN=127.0.0.1:0", "PUSHAUTH_ADMIN_API_LISTEN=127.0.0.1:0",
		"PUSHAUTH_DEVICE_API_LISTEN=127.0.0.1:0", "PUSHAUTH_NOTIFICATIONTIMEOUT=5")
	if err := tr.server.Start(); err != nil {
		tr.t.Fatal(err)
	}
	tr.t.Cleanup(func() { _ = tr.server.Process.Kill() })
	serving := regexp.MustCompile(`"radius":"([^"]+)","admin_api":"([^"]+)"`)
	var m []string
	checkFor(tr.t, 30*time.Second, func() bool {
		m = serving.FindStringSubmatch(tr.logs.String())
		return m != nil
	}, "the server to serve; its log:\n%s", tr.logs)
	tr.radius = m[1]
	tr.env = append(tr.env, "PUSHAUTH_ADMIN_URL=http://"+m[2])
}

// stopServer stops the server as Ctrl-C does and checks it ended cleanly.
func (tr *tryIt) stopServer() {
	tr.t.Helper()
	if err := tr.server.Process.Signal(syscall.SIGINT); err != nil {
		tr.t.Fatal(err)
	}
	if err := tr.server.Wait(); err != nil || !strings.Contains(tr.logs.String(), "pushauth stopped") {
		tr.t.Fatalf("server exit: %v; log:\n%s", err, tr.logs)
	}
}

// cleanEnv is the test's environment without PUSHAUTH_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PUSHAUTH_") {
			env = append(env, kv)
		}
	}
	return env
}

// sh runs a block with sh -e in dir and returns its output.
func (tr *tryIt) sh(block string) string {
	tr.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-ec", block)
	cmd.Dir, cmd.Env = tr.dir, tr.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		tr.t.Fatalf("%s\n%v\n%s\nserver log:\n%s", block, err, out, tr.logs)
	}
	return string(out)
}

// activationURL finds the URL pushctl printed.
func (tr *tryIt) activationURL(out string) string {
	tr.t.Helper()
	m := regexp.MustCompile(`activation URL:\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		tr.t.Fatalf("no activation URL in:\n%s", out)
	}
	return m[1]
}

// phone runs the phone block: activate (with the printed URL in place of
// the README's) and then watch, which keeps running.
func (tr *tryIt) phone(block, url string) *watcherProc {
	tr.t.Helper()
	lines := strings.Split(block, "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "softtoken activate '") || !strings.Contains(lines[1], "softtoken watch") {
		tr.t.Fatalf("phone block is not activate + watch:\n%s", block)
	}
	tr.sh(regexp.MustCompile(`'[^']*'`).ReplaceAllLiteralString(lines[0], "'"+url+"'"))
	w := &watcherProc{t: tr.t, out: &logbuf.Buffer{}}
	w.cmd = exec.Command("sh", "-c", "exec "+lines[1])
	w.cmd.Dir, w.cmd.Env, w.cmd.Stdout, w.cmd.Stderr = tr.dir, tr.env, w.out, w.out
	var err error
	if w.stdin, err = w.cmd.StdinPipe(); err != nil {
		tr.t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		tr.t.Fatal(err)
	}
	tr.t.Cleanup(func() { _ = w.cmd.Process.Kill(); _ = w.cmd.Wait() })
	return w
}

// nas runs the NAS block against the test's server while during runs, and
// returns radclient's output.
func (tr *tryIt) nas(block string, during func()) string {
	tr.t.Helper()
	done := make(chan string, 1)
	go func() {
		cmd := exec.Command("sh", "-ec", strings.ReplaceAll(block, readmeRadius, tr.radius))
		cmd.Dir, cmd.Env = tr.dir, tr.env
		out, _ := cmd.CombinedOutput() // radclient exits 1 on a reject; the output says what came back
		done <- string(out)
	}()
	during()
	select {
	case out := <-done:
		return out
	case <-time.After(time.Minute):
		tr.t.Fatalf("radclient did not return; server log:\n%s", tr.logs)
	}
	return ""
}

// watcherProc is `softtoken watch --answer ask` running in the background.
type watcherProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *logbuf.Buffer
}

// answer waits for the n-th question and types reply ("" = no answer).
func (w *watcherProc) answer(n int, reply string) {
	w.t.Helper()
	const question = "approve login of alice? [y/n]"
	checkFor(w.t, 20*time.Second, func() bool { return strings.Count(w.out.String(), question) >= n },
		"question %d from softtoken watch; it printed:\n%s", n, w.out)
	if reply == "" {
		return
	}
	if _, err := io.WriteString(w.stdin, reply+"\n"); err != nil {
		w.t.Fatal(err)
	}
}
