package test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/internal/testproc"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
)

// Cluster tests run every node as its own pushauthd process, as operators
// do (protoactor's remoting keeps process-wide state, so two nodes in one
// process would share it). The binary is built once per test run.

// binDir holds the pushauthd binary for this test process; TestMain
// removes it.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pushauthdBinary builds cmd/pushauthd (once) and returns its path.
func pushauthdBinary(t *testing.T) string {
	t.Helper()
	if binDir == "" {
		dir, err := os.MkdirTemp("", "pushauth-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("go", "build", "-o", dir, "../cmd/pushauthd").CombinedOutput()
		if err != nil {
			os.RemoveAll(dir)
			t.Fatalf("build pushauthd: %v\n%s", err, out)
		}
		binDir = dir
	}
	return filepath.Join(binDir, "pushauthd")
}

// servingLine is the server's "pushauth serving" log line.
type servingLine struct {
	Msg      string `json:"message"`
	Radius   string `json:"radius"`
	AdminAPI string `json:"admin_api"`
	Device   string `json:"device_api"`
}

// StartProcess runs pushauthd with the config text yaml (the harness's
// base config plus extra) as a child process and returns a Harness that
// talks to it; Stop sends SIGTERM, Kill sends SIGKILL.
func StartProcess(t *testing.T, dataDir, extra string) *Harness {
	t.Helper()
	return startProcess(t, dataDir, extra, 0)
}

// startProcess is StartProcess; with openFiles > 0 the child's open-files
// limit, soft and hard, is openFiles.
func startProcess(t *testing.T, dataDir, extra string, openFiles int) *Harness {
	t.Helper()
	yaml := strings.ReplaceAll(baseConfig, "DATADIR", dataDir) + extra
	yaml = strings.Replace(yaml, "log: {level: debug, format: json}", "log: {level: info, format: json}", 1)
	cfg, _, err := config.LoadBytes("node.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	path := filepath.Join(t.TempDir(), "node.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pushauthdBinary(t), "--config", path)
	if openFiles > 0 {
		cmd = exec.Command("sh", "-c", `ulimit -n "$0" && exec "$@"`, strconv.Itoa(openFiles), pushauthdBinary(t), "--config", path)
	}
	cmd.SysProcAttr = childAttr() // kept across sh's exec
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &Harness{t: t, Cfg: cfg, Logs: &logbuf.Buffer{}}
	serving := make(chan servingLine, 1)
	exited := make(chan error, 1)
	go scanLog(stderr, h.Logs, serving)
	go func() { exited <- cmd.Wait() }()
	h.stop = processStopper(cmd, exited, syscall.SIGTERM)
	h.kill = processStopper(cmd, exited, syscall.SIGKILL)
	h.signal = cmd.Process.Signal
	t.Cleanup(func() { _ = h.Stop() })
	select {
	case s := <-serving:
		h.Radius, h.AdminURL, h.DeviceURL = s.Radius, "http://"+s.AdminAPI, "http://"+s.Device
	case err := <-exited:
		t.Fatalf("pushauthd exited: %v\n%s", err, h.Logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("pushauthd not serving after 60s:\n%s", h.Logs.String())
	}
	h.Admin = adminclient.New(h.AdminURL, adminToken, nil)
	h.respawn = func() *Harness { return startProcess(t, dataDir, extra, openFiles) }
	return h
}

// Respawn starts the node again with the same configuration (new
// sockets), after Stop or Kill.
func (h *Harness) Respawn() *Harness {
	h.t.Helper()
	if h.respawn == nil {
		h.t.Fatal("not a process")
	}
	return h.respawn()
}

// scanLog copies the JSON log into buf and reports the serving line.
func scanLog(r io.Reader, buf *logbuf.Buffer, serving chan<- servingLine) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = buf.Write(append(append([]byte(nil), line...), '\n'))
		var s servingLine
		if json.Unmarshal(line, &s) == nil && s.Msg == "pushauth serving" {
			select {
			case serving <- s:
			default:
			}
		}
	}
}

// processStopper signals the process once and waits for it to exit.
func processStopper(cmd *exec.Cmd, exited <-chan error, sig syscall.Signal) func() error {
	return func() error {
		if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("signal pushauthd: %w", err)
		}
		select {
		case err := <-exited:
			var ee *exec.ExitError
			if sig == syscall.SIGKILL && errors.As(err, &ee) {
				return nil // killed, as asked
			}
			return err
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			return errors.New("pushauthd did not stop within 30s")
		}
	}
}

// Kill ends the node with SIGKILL, as a crash would.
func (h *Harness) Kill() {
	h.t.Helper()
	if h.kill == nil {
		h.t.Fatal("not a process")
	}
	kill := h.kill
	h.kill, h.stop = nil, nil
	if err := kill(); err != nil {
		h.t.Fatal(err)
	}
}

// waitMembers polls a node's admin API until it sees n members.
func waitMembers(t *testing.T, h *Harness, n int) {
	t.Helper()
	checkFor(t, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := h.Admin.Cluster(ctx)
		return err == nil && len(st.Members) == n
	}, "%d members seen by %s", n, h.AdminURL)
}

// StartProcessFailing runs pushauthd like StartProcess and expects it to
// exit with an error before serving; it returns the log.
func StartProcessFailing(t *testing.T, dataDir, extra string) string {
	t.Helper()
	yaml := strings.ReplaceAll(baseConfig, "DATADIR", dataDir) + extra
	path := filepath.Join(t.TempDir(), "node.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pushauthdBinary(t), "--config", path)
	cmd.SysProcAttr = childAttr()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ctx.Err() != nil {
		t.Fatalf("pushauthd: %v, want it to exit with an error\n%s", err, out)
	}
	return string(out)
}

// A test binary killed outright (SIGKILL: no cleanup runs) takes the
// pushauthd processes it started with it (Pdeathsig on Linux).
func TestNodesDieWithTestBinary(t *testing.T) {
	testproc.DiesWithBinary(t, "pushauthd", func(testing.TB) { StartProcess(t, t.TempDir(), "") }, false,
		120*time.Second, 10*time.Second)
}
