// Package testproc checks that the private servers a test harness starts
// die with the test binary: a helper copy of the test binary starts them
// and is killed outright (SIGKILL, so no cleanup runs), then the children
// must be gone. Linux only (it reads /proc).
package testproc

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv marks the helper copy of the test binary.
const helperEnv = "PUSHAUTH_TESTPROC_HELPER"

// IsHelper tells whether this test binary is the helper started by
// KillHelper: the test should then start its children, call Report and
// block.
func IsHelper() bool { return os.Getenv(helperEnv) == "1" }

// Report prints the pids of this process's children whose command name is
// one of names, for KillHelper to read, and blocks until the helper is
// killed.
func Report(names ...string) {
	for _, pid := range Children(os.Getpid()) {
		if slices.Contains(names, comm(pid)) {
			fmt.Printf("child %d\n", pid)
		}
	}
	fmt.Println("ready")
	select {}
}

// DiesWithBinary is the whole body of a test that checks that a server
// called name (its command name), which start starts, dies with a test
// binary killed outright. In the helper copy it starts the server and
// reports it; in the test it kills the helper, which must report within
// ready, and waits up to gone for the server to be gone. startHere starts
// the server in the test too, first, so that a missing program skips the
// test just as it would the helper.
func DiesWithBinary(t *testing.T, name string, start func(testing.TB), startHere bool, ready, gone time.Duration) {
	t.Helper()
	if IsHelper() {
		start(t)
		Report(name)
	}
	if runtime.GOOS != "linux" {
		t.Skip("parent-death signal is Linux only")
	}
	if startHere {
		start(t)
	}
	pids := KillHelper(t, t.Name(), ready)
	if len(pids) != 1 {
		t.Fatalf("helper reported %s pids %v, want one", name, pids)
	}
	if !WaitGone(pids[0], gone) {
		t.Fatalf("%s (pid %d) still runs after its test binary was killed", name, pids[0])
	}
}

// KillHelper runs this test binary's test named test as the helper, waits
// until it reports its children (up to timeout), kills it with SIGKILL and
// returns the children's pids.
func KillHelper(t *testing.T, test string, timeout time.Duration) []int {
	t.Helper()
	// The helper's temporary files go into a directory of this test (its
	// own cleanups never run); servers running as another user must be
	// able to reach them.
	tmp := t.TempDir()
	for _, dir := range []string{tmp, filepath.Dir(tmp)} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v=false")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var pids []int
	deadline := time.After(timeout)
	for done := false; !done; {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("the helper exited before reporting its children (pids so far %v)", pids)
			}
			if pid, found := strings.CutPrefix(line, "child "); found {
				n, _ := strconv.Atoi(pid)
				pids = append(pids, n)
			}
			done = line == "ready"
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("the helper did not report its children within %v", timeout)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	return pids
}

// WaitGone polls until pid has exited (a zombie counts as gone: it waits
// only for a parent to reap it) or timeout passes.
func WaitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if st := state(pid); st == "" || st == "Z" || st == "X" {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// Children lists the processes whose parent is pid.
func Children(pid int) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []int
	for _, d := range dirs {
		child, err := strconv.Atoi(filepath.Base(d))
		if err == nil && ppid(child) == pid {
			out = append(out, child)
		}
	}
	return out
}

// stat reads the fields of /proc/pid/stat after the command name.
func stat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func state(pid int) string {
	if f := stat(pid); len(f) > 0 {
		return f[0]
	}
	return ""
}

func ppid(pid int) int {
	if f := stat(pid); len(f) > 1 {
		n, _ := strconv.Atoi(f[1])
		return n
	}
	return -1
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}
