package test

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushauth/pushauth/internal/logbuf"
)

// WebAgent is a pushweb process in front of a Harness, a RADIUS client of
// kind isapi (the harness's "web" client at 127.0.0.2, policy "web" with
// method token).
type WebAgent struct {
	URL  string // http://127.0.0.1:PORT
	Logs *logbuf.Buffer
}

// StartWeb builds cmd/pushweb, starts it against h with extra flags and
// stops it (SIGTERM) when the test ends. It sets the "web" policy to
// method token and gives the user names in users the same policy's
// client.
func StartWeb(t *testing.T, h *Harness, extra ...string) *WebAgent {
	t.Helper()
	h.SetPolicy("web", map[string]string{"method": "token"})
	dir := t.TempDir()
	bin := filepath.Join(dir, "pushweb")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/pushweb").CombinedOutput(); err != nil {
		t.Fatalf("build pushweb: %v\n%s", err, out)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--listen", "127.0.0.1:0", "--radius", h.Radius, "--radius-source", "127.0.0.2",
		"--secret-file", secretFile, "--log-level", "debug", "--radius-timeout", "15s"}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &WebAgent{Logs: &logbuf.Buffer{}}
	serving := make(chan string, 1)
	exited := make(chan error, 1)
	go scanWebLog(stderr, w.Logs, serving)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("pushweb did not stop on SIGTERM")
		}
	})
	select {
	case addr := <-serving:
		w.URL = "http://" + addr
	case err := <-exited:
		t.Fatalf("pushweb exited: %v\n%s", err, w.Logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("pushweb not serving after 30s:\n%s", w.Logs.String())
	}
	return w
}

// scanWebLog copies pushweb's JSON log into buf and reports the address
// of its "pushweb serving" line.
func scanWebLog(r io.Reader, buf *logbuf.Buffer, serving chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		buf.Write([]byte(line + "\n"))
		var l struct {
			Msg    string `json:"message"`
			Listen string `json:"listen"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "pushweb serving" && strings.HasPrefix(l.Listen, "127.") {
			select {
			case serving <- l.Listen:
			default:
			}
		}
	}
}
