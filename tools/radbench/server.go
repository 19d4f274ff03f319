package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
)

// radiusSecret is the shared secret of radbench's RADIUS clients.
const radiusSecret = "radbench-secret"

// Source addresses of the two RADIUS clients in the generated config.
const (
	ddlSource     = "127.0.0.1" // kind ddl, default policy (password+token)
	isapiSource   = "127.0.0.2" // kind isapi, policy "bench" (method token)
	ddlPushSource = "127.0.0.3" // kind ddl, policy "bench-pw" (password+token)
)

// Policies of the isapi and second ddl client, created by radbench: push
// on and no per-user push rate limit (the default policy allows 5 pushes
// per user per minute).
const (
	benchPolicy   = "bench"    // method token
	benchPWPolicy = "bench-pw" // method password+token
)

// serverOptions say which pushauthd to run and how to configure it.
type serverOptions struct {
	bin          string
	build        bool
	workDir      string
	keep         bool
	notifTimeout int
	argonMemKiB  int
	argonTime    int
	pwWorkers    int
	logLevel     string
	maxInFlight  int
	env          envList
	// passwordSource is passwords.source ("" = the server's default,
	// local); directoryYAML is the directory section it needs.
	passwordSource string
	directoryYAML  string
	// dataDir, when set, is the data_dir of every node of a cluster run
	// (they share the keys); extraYAML is appended to the config (store,
	// cluster sections).
	dataDir   string
	extraYAML string
	// profileDir, when set, receives a CPU profile of the server for each
	// measured window (fetched from the admin API's /debug/pprof/).
	profileDir string
	// radsec turns on the RadSec listener (radius.tls) with throw-away
	// certificates and the RadSec client bench-isapi-tls.
	radsec bool
}

// envList collects repeated --server-env KEY=VALUE flags.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q is not KEY=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}

func (o *serverOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.bin, "server-bin", "", "pushauthd binary to run")
	fs.BoolVar(&o.build, "build", false, "go build github.com/pushauth/pushauth/cmd/pushauthd into the work dir (run inside the module)")
	fs.StringVar(&o.workDir, "work-dir", "", "parent of the run's temp dir (config, data_dir, server.log); default $TMPDIR")
	fs.BoolVar(&o.keep, "keep", false, "keep the run's temp dir (server.log, database)")
	fs.IntVar(&o.notifTimeout, "notification-timeout", 30, "NOTIFICATIONTIMEOUT written into the config (1..30)")
	fs.IntVar(&o.argonMemKiB, "argon2-memory-kib", 0, "passwords.argon2_memory_kib (0 = server default, 19456)")
	fs.IntVar(&o.argonTime, "argon2-time", 0, "passwords.argon2_time (0 = server default, 2)")
	fs.IntVar(&o.pwWorkers, "password-workers", 0, "passwords.max_concurrent (0 = server default, 2 x CPUs)")
	fs.StringVar(&o.logLevel, "server-log-level", "info", "log.level of the server (its log goes to server.log)")
	fs.IntVar(&o.maxInFlight, "max-in-flight", 262144, "radius.max_in_flight")
	fs.StringVar(&o.profileDir, "cpu-profile", "", "write the server's profiles into this directory (go tool pprof FILE): CPU of each measured window; push-wait: heap with every login waiting")
	fs.Var(&o.env, "server-env", "KEY=VALUE in the server's environment only, e.g. GOMEMLIMIT=900MiB (repeatable)")
}

// argonLabel names the password parameters for result tables.
func (o *serverOptions) argonLabel() string {
	if o.passwordSource == sourceDirectory {
		return "directory: LDAP search + bind to slapd on loopback"
	}
	m, t := o.argonMemKiB, o.argonTime
	if m == 0 {
		m = 19456
	}
	if t == 0 {
		t = 2
	}
	return fmt.Sprintf("argon2id m=%d KiB t=%d", m, t)
}

// serverProc is a pushauthd running as a child process.
type serverProc struct {
	cmd       *exec.Cmd
	dir       string
	keep      bool
	logPath   string
	Radius    string // host:port
	RadSec    string // host:port of the RadSec listener ("" when off)
	radsec    *radsecCerts
	AdminURL  string
	DeviceURL string
	token     string
	profile   string // serverOptions.profileDir
	Admin     *adminclient.Client
	exited    chan struct{}
	waitErr   error
	dbPath    string // the SQLite store; "" for a PostgreSQL one (cluster runs)
}

// startServer writes a config into a new temp dir, starts the server and
// waits until its admin API answers.
func startServer(ctx context.Context, o serverOptions, progress io.Writer) (*serverProc, error) {
	dir, err := os.MkdirTemp(o.workDir, "radbench-")
	if err != nil {
		return nil, err
	}
	s := &serverProc{dir: dir, keep: o.keep, profile: o.profileDir, logPath: filepath.Join(dir, "server.log"), exited: make(chan struct{})}
	fail := func(err error) (*serverProc, error) {
		s.Stop()
		return nil, err
	}
	bin := o.bin
	if bin == "" && o.build {
		bin = filepath.Join(dir, "pushauthd")
		fmt.Fprintf(progress, "building pushauthd into %s\n", bin)
		out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/pushauth/pushauth/cmd/pushauthd").CombinedOutput()
		if err != nil {
			return fail(fmt.Errorf("go build pushauthd: %v\n%s", err, out))
		}
	}
	if bin == "" {
		return fail(errors.New("say which server to run: --server-bin PATH or --build"))
	}
	s.token = randomHex(16)
	cfgPath := filepath.Join(dir, "pushauth.yaml")
	dataDir := o.dataDir
	if dataDir == "" {
		dataDir = filepath.Join(dir, "data")
		s.dbPath = filepath.Join(dataDir, "pushauth.db")
	}
	if o.radsec {
		if s.radsec, err = newRadsecCerts(dir); err != nil {
			return fail(err)
		}
	}
	if err := os.WriteFile(cfgPath, []byte(configYAML(o, dataDir, s.token, s.radsec)), 0o600); err != nil {
		return fail(err)
	}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return fail(err)
	}
	defer logf.Close()
	s.cmd = exec.Command(bin, "--config", cfgPath)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf // a file, so the server never blocks on us
	s.cmd.Env = append(os.Environ(), o.env...)
	if err := s.cmd.Start(); err != nil {
		return fail(fmt.Errorf("start %s: %w", bin, err))
	}
	go func() { s.waitErr = s.cmd.Wait(); close(s.exited) }()
	if err := s.awaitServing(ctx, 30*time.Second); err != nil {
		return fail(err)
	}
	s.Admin = adminclient.New(s.AdminURL, s.token, &http.Client{Timeout: 60 * time.Second})
	if err := s.awaitAdmin(ctx, 10*time.Second); err != nil {
		return fail(err)
	}
	fmt.Fprintf(progress, "pushauthd pid %d: radius %s, admin %s, device %s, dir %s\n",
		s.cmd.Process.Pid, s.Radius, s.AdminURL, s.DeviceURL, dir)
	return s, nil
}

// configYAML is the server's config for a benchmark run: every socket on
// loopback port 0 (the bound addresses come from the "pushauth serving" log
// line), JSON logs, one ddl and one isapi client; with certs, a RadSec
// listener and client too.
func configYAML(o serverOptions, dataDir, token string, certs *radsecCerts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "NOTIFICATIONTIMEOUT: %d\n", o.notifTimeout)
	fmt.Fprintf(&b, "data_dir: %s\n", strconv.Quote(dataDir))
	fmt.Fprintf(&b, "radius:\n  listen: 127.0.0.1:0\n  max_in_flight: %d\n  clients:\n", o.maxInFlight)
	fmt.Fprintf(&b, "    - {name: bench-ddl, address: %s, secret: %s, kind: ddl}\n", ddlSource, radiusSecret)
	// The benchmarks measure the plain push flow: no number matching,
	// which isapi clients otherwise ask for by default (SPEC S10.3).
	fmt.Fprintf(&b, "    - {name: bench-isapi, address: %s, secret: %s, kind: isapi, policy: %s, number_matching: false}\n", isapiSource, radiusSecret, benchPolicy)
	fmt.Fprintf(&b, "    - {name: bench-ddl-push, address: %s, secret: %s, kind: ddl, policy: %s}\n", ddlPushSource, radiusSecret, benchPWPolicy)
	fmt.Fprintf(&b, "    - {name: bench-eap, address: %s, secret: %s, kind: eap, policy: %s}\n", eapSource, radiusSecret, benchPWPolicy)
	if certs != nil {
		client, listener := certs.radsecYAML()
		b.WriteString(client + listener)
	}
	fmt.Fprintf(&b, "admin_api: {listen: \"127.0.0.1:0\", token: %s}\n", token)
	// Every simulated phone polls from loopback: no per-address cap.
	b.WriteString("device_api: {listen: \"127.0.0.1:0\", max_connections_per_address: 0}\n")
	fmt.Fprintf(&b, "log: {level: %s, format: json}\n", o.logLevel)
	var pw []string
	if o.argonMemKiB > 0 {
		pw = append(pw, fmt.Sprintf("argon2_memory_kib: %d", o.argonMemKiB))
	}
	if o.argonTime > 0 {
		pw = append(pw, fmt.Sprintf("argon2_time: %d", o.argonTime))
	}
	if o.pwWorkers > 0 {
		pw = append(pw, fmt.Sprintf("max_concurrent: %d", o.pwWorkers))
	}
	if o.passwordSource != "" {
		pw = append(pw, "source: "+o.passwordSource)
	}
	b.WriteString(o.directoryYAML)
	if len(pw) > 0 {
		fmt.Fprintf(&b, "passwords: {%s}\n", strings.Join(pw, ", "))
	}
	b.WriteString(o.extraYAML)
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// awaitServing polls server.log for the "pushauth serving" line.
func (s *serverProc) awaitServing(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if line := s.findLogLine("pushauth serving"); line != nil {
			var m struct {
				Radius string `json:"radius"`
				Admin  string `json:"admin_api"`
				Device string `json:"device_api"`
			}
			if err := json.Unmarshal(line, &m); err != nil || m.Radius == "" {
				return fmt.Errorf("cannot read the addresses from %q: %v", line, err)
			}
			s.Radius, s.AdminURL, s.DeviceURL = m.Radius, "http://"+m.Admin, "http://"+m.Device
			return s.readRadSecAddr()
		}
		select {
		case <-s.exited:
			return fmt.Errorf("pushauthd exited before serving (%v); log:\n%s", s.waitErr, s.logTail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pushauthd did not log \"pushauth serving\" within %v; log:\n%s", timeout, s.logTail(20))
		}
	}
}

// readRadSecAddr reads the RadSec listener's address from the "radsec
// listening" line, logged before "pushauth serving", when RadSec is on.
func (s *serverProc) readRadSecAddr() error {
	if s.radsec == nil {
		return nil
	}
	var m struct {
		Addr string `json:"radius_tls"`
	}
	line := s.findLogLine("radsec listening")
	if err := json.Unmarshal(line, &m); err != nil || m.Addr == "" {
		return fmt.Errorf("cannot read the RadSec address from %q: %v", line, err)
	}
	s.RadSec = m.Addr
	return nil
}

func (s *serverProc) findLogLine(msg string) []byte {
	f, err := os.Open(s.logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	want := []byte(`"message":"` + msg + `"`)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), want) {
			return append([]byte(nil), sc.Bytes()...)
		}
	}
	return nil
}

func (s *serverProc) logTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// awaitAdmin waits until the admin API answers an authenticated request.
func (s *serverProc) awaitAdmin(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, cancel := context.WithTimeout(ctx, time.Second)
		_, err := s.Admin.Policies(c)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("admin API at %s does not answer: %w", s.AdminURL, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CPUProfile fetches a CPU profile of the server over d from the admin
// API and writes it to name inside the --cpu-profile directory.
func (s *serverProc) CPUProfile(d time.Duration, name string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	return s.saveProfile(fmt.Sprintf("profile?seconds=%d", secs), d, name)
}

// HeapProfile saves the server's heap profile (after a GC) as name in the
// --cpu-profile directory; it does nothing without that flag.
func (s *serverProc) HeapProfile(name string) error {
	if s.profile == "" {
		return nil
	}
	return s.saveProfile("heap?gc=1", 0, name)
}

// saveProfile fetches /debug/pprof/QUERY from the admin API, which takes
// about d, into the profile directory.
func (s *serverProc) saveProfile(query string, d time.Duration, name string) error {
	req, err := http.NewRequest(http.MethodGet, s.AdminURL+"/debug/pprof/"+query, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := (&http.Client{Timeout: d + time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("fetch profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch profile: %s", resp.Status)
	}
	if err := os.MkdirAll(s.profile, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(s.profile, name))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("write profile: %w", err)
	}
	return f.Close()
}

// printFooter prints the server's peak memory, what its log said and
// whether every finished login left its audit record, under a scenario's
// table.
func (s *serverProc) printFooter(ctx context.Context, w io.Writer) {
	mem, _ := s.Memory()
	warns, errs, samples := s.logCounts()
	kv(w, "server peak RSS", mib(mem.HWM), "server log", fmt.Sprintf("%d warnings, %d errors %v", warns, errs, samples),
		"audit", s.auditCount(ctx))
}

// Pid is the server's process id.
func (s *serverProc) Pid() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM, waits up to 30 s (then kills) and removes the temp
// dir unless asked to keep it.
func (s *serverProc) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if !s.keep {
		os.RemoveAll(s.dir)
	}
}

// memStat is the server's memory from /proc/PID/status.
type memStat struct {
	RSS, HWM uint64 // bytes: current and peak resident set
}

func (s *serverProc) Memory() (memStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Pid()))
	if err != nil {
		return memStat{}, err
	}
	var m memStat
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseUint(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb << 10
		case "VmHWM:":
			m.HWM = kb << 10
		}
	}
	return m, nil
}

// CPU is the server's user+system CPU time so far.
func (s *serverProc) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.Pid()))
	if err != nil {
		return 0
	}
	// Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
	rest := string(b[bytes.LastIndexByte(b, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck
}

// Threads is the server's OS thread count.
func (s *serverProc) Threads() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Pid()))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`(?m)^Threads:\s+(\d+)`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// metrics is one scrape of /metrics: "name{labels}" (or "name") → value.
type metrics map[string]float64

// Metrics scrapes the server's Prometheus endpoint.
func (s *serverProc) Metrics(ctx context.Context) (metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.AdminURL+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	m := metrics{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			m[line[:i]] = v
		}
	}
	return m, sc.Err()
}

// sum adds every series of a metric name (all label sets).
func (m metrics) sum(name string) float64 {
	var t float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			t += v
		}
	}
	return t
}

// logCounts counts the server's warning and error lines and returns up to
// three distinct error messages.
func (s *serverProc) logCounts() (warns, errs int, samples []string) {
	f, err := os.Open(s.logPath)
	if err != nil {
		return 0, 0, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	seen := map[string]bool{}
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case bytes.Contains(line, []byte(`"level":"warn"`)):
			warns++
		case bytes.Contains(line, []byte(`"level":"error"`)):
			errs++
			var m struct {
				Message string `json:"message"`
				Error   string `json:"error"`
			}
			_ = json.Unmarshal(line, &m)
			key := m.Message + ": " + m.Error
			if !seen[key] && len(samples) < 3 {
				seen[key] = true
				samples = append(samples, key)
			}
		}
	}
	return warns, errs, samples
}

// udpErrors reads the host's UDP receive-buffer and other receive errors
// (/proc/net/snmp), to tell whether datagrams were lost on loopback.
func udpErrors() (rcvbuf, inErrs uint64) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, 0
	}
	var head []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "Udp: ") {
			continue
		}
		f := strings.Fields(line)
		if head == nil {
			head = f
			continue
		}
		for i := 1; i < len(f) && i < len(head); i++ {
			v, _ := strconv.ParseUint(f[i], 10, 64)
			switch head[i] {
			case "RcvbufErrors":
				rcvbuf = v
			case "InErrors":
				inErrs = v
			}
		}
		break
	}
	return rcvbuf, inErrs
}
