package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// FreeRADIUS peer defaults: Debian's stock thread pool, enough request
// slots for 200,000 requests per second each held for the stock
// cleanup_delay of 5 s (a slot costs nothing until used; a request beyond
// the limit is dropped), and no reject delay.
const (
	peerUsers        = 1000
	peerMaxRequests  = 1 << 20
	peerStartServers = 5
	peerMaxServers   = 32
	peerStartTimeout = 15 * time.Second
)

// errNoFreeradius means the FreeRADIUS binary is not installed.
var errNoFreeradius = errors.New("freeradius not found on PATH or in /usr/sbin: install it with `apt-get install freeradius` (Debian package freeradius), or pass --freeradius-bin PATH")

// findFreeradius returns bin if set, else freeradius on PATH, else
// /usr/sbin/freeradius, where Debian puts it (often off a user's PATH).
func findFreeradius(bin string) (string, error) {
	return findBinary(bin, []string{"freeradius", "/usr/sbin/freeradius"})
}

// findBinary returns bin if it can be run, else the first of names found
// on PATH (or as a path), else errNoFreeradius.
func findBinary(bin string, names []string) (string, error) {
	if bin != "" {
		p, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("--freeradius-bin: %w", err)
		}
		return p, nil
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errNoFreeradius
}

// freeradiusVersion runs `bin -v` and returns e.g. "3.2.1"; radbench
// writes a FreeRADIUS 3 configuration, so other major versions fail.
func freeradiusVersion(bin string) (string, error) {
	out, err := exec.Command(bin, "-v").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s -v: %w\n%s", bin, err, out)
	}
	return parseFreeradiusVersion(string(out))
}

// parseFreeradiusVersion reads the version from `freeradius -v` output.
func parseFreeradiusVersion(out string) (string, error) {
	m := regexp.MustCompile(`FreeRADIUS Version (\d+)\.([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("no FreeRADIUS version in %q", firstLine(out))
	}
	if m[1] != "3" {
		return "", fmt.Errorf("FreeRADIUS %s.%s: radbench configures FreeRADIUS 3 only", m[1], m[2])
	}
	return m[1] + "." + m[2], nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// freeradiusLibdir finds the directory of FreeRADIUS's modules (rlm_pap.so)
// next to the binary's prefix, or where distributions put them.
func freeradiusLibdir(bin string) (string, error) {
	prefix := filepath.Dir(filepath.Dir(bin))
	candidates := []string{
		filepath.Join(prefix, "lib", "freeradius"),
		filepath.Join(prefix, "lib64", "freeradius"),
		"/usr/lib/freeradius",
		"/usr/lib64/freeradius",
	}
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "rlm_pap.so")); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("no FreeRADIUS modules (rlm_pap.so) in %s", strings.Join(candidates, ", "))
}

// freeradiusConfig is what radbench's private FreeRADIUS runs with.
type freeradiusConfig struct {
	dir          string // raddbdir: radiusd.conf, users, radius.log, pid file
	libdir       string // FreeRADIUS's modules
	port         int    // on 127.0.0.1
	secret       string
	users        int
	maxRequests  int
	startServers int
	maxServers   int
}

// newFreeradiusConfig is the peer's configuration with radbench's defaults.
func newFreeradiusConfig(dir, libdir string, port int) freeradiusConfig {
	return freeradiusConfig{dir: dir, libdir: libdir, port: port, secret: radiusSecret, users: peerUsers,
		maxRequests: peerMaxRequests, startServers: peerStartServers, maxServers: peerMaxServers}
}

// quotable reports whether s can go inside a double-quoted FreeRADIUS
// string as it is ("${" would expand, '"' and '\' would need escapes).
func quotable(s string) bool { return !strings.ContainsAny(s, "\"\\$\n") }

// radiusdConf is a minimal radiusd.conf written from scratch: one auth
// listener on 127.0.0.1, one client for 127.0.0.0/8, PAP against a users
// file, no user/group (it runs as whoever starts it) and logs in dir.
func (c freeradiusConfig) radiusdConf() string {
	var b strings.Builder
	q := strconv.Quote
	fmt.Fprintf(&b, "# radbench's private FreeRADIUS peer: PAP against a users file\n")
	fmt.Fprintf(&b, "prefix = /usr\nname = freeradius\n")
	for _, k := range []string{"raddbdir", "confdir", "logdir", "run_dir", "db_dir"} {
		fmt.Fprintf(&b, "%s = %s\n", k, q(c.dir))
	}
	fmt.Fprintf(&b, "libdir = %s\npidfile = %s\n", q(c.libdir), q(filepath.Join(c.dir, "freeradius.pid")))
	fmt.Fprintf(&b, "max_request_time = 30\ncleanup_delay = 5\nmax_requests = %d\nhostname_lookups = no\n", c.maxRequests)
	fmt.Fprintf(&b, "log {\n\tdestination = files\n\tfile = %s\n\tauth = no\n}\n", q(filepath.Join(c.dir, "radius.log")))
	b.WriteString("security {\n\tallow_core_dumps = no\n\tmax_attributes = 200\n\treject_delay = 0\n\tstatus_server = no\n}\n")
	fmt.Fprintf(&b, "thread pool {\n\tstart_servers = %d\n\tmax_servers = %d\n", c.startServers, c.maxServers)
	b.WriteString("\tmin_spare_servers = 3\n\tmax_spare_servers = 10\n\tmax_requests_per_server = 0\n\tauto_limit_acct = no\n}\n")
	fmt.Fprintf(&b, "client radbench {\n\tipaddr = 127.0.0.1/8\n\tsecret = %s\n}\n", q(c.secret))
	fmt.Fprintf(&b, "modules {\n\tfiles {\n\t\tfilename = %s\n\t}\n\tpap {\n\t}\n}\n", q(filepath.Join(c.dir, "users")))
	fmt.Fprintf(&b, "server default {\n\tlisten {\n\t\ttype = auth\n\t\tipaddr = 127.0.0.1\n\t\tport = %d\n\t}\n", c.port)
	b.WriteString("\tauthorize {\n\t\tfiles\n\t\tpap\n\t}\n\tauthenticate {\n\t\tAuth-Type PAP {\n\t\t\tpap\n\t\t}\n\t}\n")
	// A Message-Authenticator in every reply, as pushauthd sends (radclient
	// requires one; FreeRADIUS adds it by itself only from 3.2.5).
	b.WriteString("\tpost-auth {\n\t\tupdate reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}\n\t}\n}\n")
	return b.String()
}

// usersFile gives each user userName(i) the password userPassword(i).
func (c freeradiusConfig) usersFile() string {
	var b strings.Builder
	for i := range c.users {
		fmt.Fprintf(&b, "%s\tCleartext-Password := %s\n", userName(i), strconv.Quote(userPassword(i)))
	}
	return b.String()
}

// freeradiusProc is a FreeRADIUS running in the foreground as a child
// process; its serverProc gives CPU time, memory and Stop.
type freeradiusProc struct {
	*serverProc
	bin, version string
	cfg          freeradiusConfig
}

// peerOptions say which FreeRADIUS to run and where its temp dir goes.
type peerOptions struct {
	bin     string // "" = look it up
	workDir string
	keep    bool
}

// startFreeradius writes a config into a new temp dir, starts FreeRADIUS
// with it and waits until it accepts a PAP Access-Request. A port another
// process took between choosing and binding is retried on a new one.
func startFreeradius(ctx context.Context, o peerOptions, progress io.Writer) (*freeradiusProc, error) {
	bin, err := findFreeradius(o.bin)
	if err != nil {
		return nil, err
	}
	version, err := freeradiusVersion(bin)
	if err != nil {
		return nil, err
	}
	libdir, err := freeradiusLibdir(bin)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		fr, err := startFreeradiusOnce(ctx, o, bin, libdir)
		if errors.Is(err, errPortTaken) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("freeradius: %w", err)
		}
		fr.version = version
		fmt.Fprintf(progress, "freeradius %s pid %d: radius %s, dir %s\n", version, fr.Pid(), fr.Radius, fr.dir)
		return fr, nil
	}
}

// errPortTaken means FreeRADIUS could not bind the port chosen for it.
var errPortTaken = errors.New("port taken")

// startFreeradiusOnce starts FreeRADIUS on a free port in a new temp dir.
func startFreeradiusOnce(ctx context.Context, o peerOptions, bin, libdir string) (*freeradiusProc, error) {
	dir, err := os.MkdirTemp(o.workDir, "radbench-freeradius-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	s := &serverProc{dir: dir, keep: o.keep, logPath: filepath.Join(dir, "radius.log"), exited: make(chan struct{})}
	fail := func(err error) (*freeradiusProc, error) {
		s.Stop()
		return nil, err
	}
	if !quotable(dir) {
		return fail(fmt.Errorf("temp dir %q: FreeRADIUS config strings cannot hold '\"', '\\' or '$'", dir))
	}
	port, err := freeUDPPort()
	if err != nil {
		return fail(err)
	}
	cfg := newFreeradiusConfig(dir, libdir, port)
	if err := writeFreeradiusConfig(cfg); err != nil {
		return fail(err)
	}
	if err := s.startChild(bin, "-f", "-d", dir); err != nil {
		return fail(err)
	}
	s.Radius = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := awaitAccept(ctx, s, peerStartTimeout); err != nil {
		return fail(err)
	}
	return &freeradiusProc{serverProc: s, bin: bin, cfg: cfg}, nil
}

// writeFreeradiusConfig writes radiusd.conf and the users file.
func writeFreeradiusConfig(cfg freeradiusConfig) error {
	files := map[string]string{"radiusd.conf": cfg.radiusdConf(), "users": cfg.usersFile()}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(cfg.dir, name), []byte(text), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// startChild starts bin with its stdout and stderr appended to the log
// file (FreeRADIUS appends its own log lines there too). The child gets
// SIGTERM if radbench dies without stopping it.
func (s *serverProc) startChild(bin string, args ...string) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logf.Close()
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { s.waitErr = s.cmd.Wait(); close(s.exited) }()
	return nil
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free UDP port: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// awaitAccept sends PAP Access-Requests for the first user until one is
// accepted, the process exits or the timeout passes.
func awaitAccept(ctx context.Context, s *serverProc, timeout time.Duration) error {
	c, err := radclient.Dial(s.Radius, "127.0.0.1:0", []byte(radiusSecret))
	if err != nil {
		return err
	}
	defer c.Close()
	c.Retry = 100 * time.Millisecond
	deadline := time.Now().Add(timeout)
	for {
		actx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		code, _, err := exchange(actx, c, userName(0), userPassword(0), "")
		cancel()
		switch {
		case err == nil && code == layeh.CodeAccessAccept:
			return nil
		case err == nil:
			return fmt.Errorf("the first request got %v, not Access-Accept; log:\n%s", code, s.logTail(20))
		}
		select {
		case <-s.exited:
			if strings.Contains(s.logTail(20), "Address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("exited before answering (%v); log:\n%s", s.waitErr, s.logTail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no Access-Accept within %v (last: %v); log:\n%s", timeout, err, s.logTail(20))
		}
	}
}
