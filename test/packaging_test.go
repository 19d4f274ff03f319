package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/logbuf"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
	"github.com/pushauth/pushauth/server"
)

// Files of the packaging, relative to this package.
const (
	dockerfile     = "../Dockerfile"
	dockerignore   = "../.dockerignore"
	packagedConfig = "../packaging/pushauth.yaml"
	systemdUnit    = "../packaging/systemd/pushauth.service"
	sysusersFile   = "../packaging/systemd/pushauth.sysusers"
	operationsDoc  = "../docs/operations.md"
)

// packagedPublicURL is what the operator sets as device_api.public_url
// (in the file or as PUSHAUTH_DEVICE_API_PUBLIC_URL) before the first
// start; the packaged config refuses to start without it.
const packagedPublicURL = "https://push.example.com"

// packagedEnv is the environment the packaged config is loaded with.
var packagedEnv = []string{"PUSHAUTH_DEVICE_API_PUBLIC_URL=" + packagedPublicURL}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// stage is one FROM ... and its instructions.
type stage struct {
	image, name string
	body        []instruction
}

// parseDockerfile splits a Dockerfile into stages.
func parseDockerfile(t *testing.T, text string) []stage {
	t.Helper()
	var stages []stage
	joined := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(text, "")
	for _, line := range strings.Split(joined, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %s before the first FROM", in.cmd)
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	return stages
}

// all returns the arguments of every instruction cmd of the stage.
func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// execForm parses an exec-form (JSON array) argument, after any options.
func execForm(t *testing.T, what, args string) []string {
	t.Helper()
	i := strings.Index(args, "[")
	var argv []string
	if i < 0 || json.Unmarshal([]byte(args[i:]), &argv) != nil || len(argv) == 0 {
		t.Fatalf("Dockerfile %s %q is not in exec form (a JSON array): the image has no shell", what, args)
	}
	return argv
}

// The Dockerfile, linted: a Go build stage at go.mod's Go version that
// builds static, trimmed binaries; a distroless final stage running as a
// non-root user with the binaries, the packaged config, a data volume, the
// RADIUS port, a HEALTHCHECK through pushctl health and an exec-form
// entry point; every file it copies from the context exists and is not
// excluded by .dockerignore.
func TestDockerfile(t *testing.T) {
	text, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	stages := parseDockerfile(t, string(text))
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a run stage", len(stages))
	}
	build, run := stages[0], stages[len(stages)-1]
	checkBuildStage(t, build)
	copied := checkRunStage(t, run, build.name)
	for _, bin := range []string{"pushauthd", "pushctl", "softtoken"} {
		if !slices.Contains(copied, "/usr/local/bin/"+bin) {
			t.Errorf("the image lacks /usr/local/bin/%s (copied: %v)", bin, copied)
		}
	}
	entry := execForm(t, "ENTRYPOINT", last(t, run, "ENTRYPOINT"))
	health := execForm(t, "HEALTHCHECK", last(t, run, "HEALTHCHECK"))
	for _, argv := range [][]string{entry, health} {
		if !slices.Contains(copied, argv[0]) {
			t.Errorf("%q runs %s, which the image does not have", argv, argv[0])
		}
	}
	if !slices.Equal(health[1:], []string{"health"}) {
		t.Errorf("HEALTHCHECK %q, want pushctl health", health)
	}
	cmdArgs := execForm(t, "CMD", last(t, run, "CMD"))
	if len(cmdArgs) != 2 || cmdArgs[0] != "--config" || !slices.Contains(copied, cmdArgs[1]) {
		t.Errorf("CMD %q: want --config and the config file the image copies", cmdArgs)
	}
	checkImageConfig(t, run)
}

// last returns the arguments of the stage's last instruction cmd.
func last(t *testing.T, s stage, cmd string) string {
	t.Helper()
	all := s.all(cmd)
	if len(all) == 0 {
		t.Fatalf("the final stage has no %s", cmd)
	}
	return all[len(all)-1]
}

// checkBuildStage checks the Go version and the build command.
func checkBuildStage(t *testing.T, build stage) {
	t.Helper()
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(mod))
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	if build.name == "" || !strings.HasPrefix(build.image, "golang:"+m[1]) {
		t.Errorf("build stage %q (%q): want a named golang:%s image, the Go version of go.mod", build.image, build.name, m[1])
	}
	runs := strings.Join(build.all("RUN"), "\n")
	env := strings.Join(build.all("ENV"), "\n")
	if !strings.Contains(runs, "go build -trimpath") || !strings.Contains(env+runs, "CGO_ENABLED=0") {
		t.Errorf("build stage must run go build -trimpath with CGO_ENABLED=0 (static binaries for distroless):\n%s\n%s", env, runs)
	}
}

// checkRunStage checks the base image, the user, the port and the COPY
// sources, and returns the files the stage copies in.
func checkRunStage(t *testing.T, run stage, buildName string) []string {
	t.Helper()
	if !strings.HasPrefix(run.image, "gcr.io/distroless/") {
		t.Errorf("final image %s: want distroless", run.image)
	}
	user := last(t, run, "USER")
	if u, _, _ := strings.Cut(user, ":"); u == "root" || u == "0" {
		t.Errorf("USER %s: the server must not run as root", user)
	}
	if !strings.Contains(strings.Join(run.all("EXPOSE"), " "), "1812/udp") {
		t.Error("EXPOSE lacks 1812/udp")
	}
	var copied []string
	for _, args := range run.all("COPY") {
		f := strings.Fields(args)
		var opts, paths []string
		for _, w := range f {
			if strings.HasPrefix(w, "--") {
				opts = append(opts, w)
			} else {
				paths = append(paths, w)
			}
		}
		dest := paths[len(paths)-1]
		fromBuild := slices.Contains(opts, "--from="+buildName)
		for _, src := range paths[:len(paths)-1] {
			if !fromBuild {
				checkContextFile(t, src)
			}
			if strings.HasSuffix(dest, "/") {
				copied = append(copied, dest+filepath.Base(src))
			} else {
				copied = append(copied, dest)
			}
		}
	}
	return copied
}

// checkContextFile checks that a COPY source is in the repository and not
// excluded by .dockerignore.
func checkContextFile(t *testing.T, src string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("..", src)); err != nil {
		t.Errorf("COPY %s: %v", src, err)
	}
	ignore, err := os.ReadFile(dockerignore)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Split(string(ignore), "\n") {
		p = strings.TrimSpace(p)
		if p != "" && !strings.HasPrefix(p, "#") && strings.HasPrefix(src, strings.TrimSuffix(p, "/")) {
			t.Errorf("COPY %s is excluded by .dockerignore line %q", src, p)
		}
	}
}

// checkImageConfig checks that the packaged config the image runs fits the
// image: it loads, keeps data in the volume, listens on the exposed port,
// and lets the HEALTHCHECK's pushctl reach /readyz without a token.
func checkImageConfig(t *testing.T, run stage) {
	t.Helper()
	cfg, _, err := config.Load(packagedConfig, packagedEnv)
	if err != nil {
		t.Fatalf("%s: %v", packagedConfig, err)
	}
	if vol := last(t, run, "VOLUME"); !strings.Contains(vol, `"`+cfg.DataDir+`"`) {
		t.Errorf("VOLUME %s does not hold data_dir %s", vol, cfg.DataDir)
	}
	if cfg.Radius.Listen != "0.0.0.0:1812" {
		t.Errorf("radius.listen %s: the container must listen on all addresses, port 1812", cfg.Radius.Listen)
	}
	if cfg.AdminAPI.Listen != "127.0.0.1:8443" || !cfg.AdminAPI.PublicHealth {
		t.Errorf("admin_api %+v: pushctl health (default URL http://127.0.0.1:8443, no token) needs it on 127.0.0.1:8443 with public_health", cfg.AdminAPI)
	}
}

// Issue 24: the packaged config listens for phones on all addresses, so
// as shipped it stops --check-config and the start with one error, naming
// device_api.public_url and what to set, instead of handing out activation
// links to http://localhost:8080; with public_url set it loads, with a
// warning that the device API serves plain HTTP.
func TestPackagedConfigAsksForPublicURL(t *testing.T) {
	_, _, err := config.Load(packagedConfig, nil)
	var ve *config.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Key != "device_api.public_url" ||
		!strings.Contains(ve.Errors[0].Msg, "https://") || ve.Errors[0].Line == 0 {
		t.Fatalf("%s as shipped: %v; want one error for device_api.public_url, with its line", packagedConfig, err)
	}
	_, warns, err := config.Load(packagedConfig, packagedEnv)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range warns {
		found = found || (w.Key == "device_api.listen" && strings.Contains(w.Msg, "plain HTTP"))
	}
	if !found {
		t.Errorf("no plain-HTTP warning for the device API in %v", warns)
	}
}

// The packaged config (with one client added) starts a server that answers
// Status-Server and serves /readyz without a token, as the image's
// HEALTHCHECK needs.
func TestPackagedConfigAnswersStatusServer(t *testing.T) {
	path := packagedConfigWithClient(t, "127.0.0.1")
	cfg, _, err := config.Load(path, []string{"PUSHAUTH_DATA_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, zerolog.New(&logbuf.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	ls := bindLoopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ls) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	expectStatusServer(t, ls.Radius.LocalAddr().String())
	resp, err := http.Get("http://" + ls.Admin.Addr().String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz without a token: %s", resp.Status)
	}
}

// packagedConfigWithClient writes the packaged config with one RADIUS
// client at address (secret: the tests' secret) and returns its path. The
// file is world-readable: the container's user must read it.
func packagedConfigWithClient(t *testing.T, address string) string {
	t.Helper()
	b, err := os.ReadFile(packagedConfig)
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(b), "  clients: []\n",
		"  clients:\n    - {name: probe, address: "+address+", secret: "+secret+"}\n", 1)
	if yaml == string(b) {
		t.Fatalf("%s has no \"  clients: []\" line to put a client in", packagedConfig)
	}
	withURL := strings.Replace(yaml, "  # public_url: https://push.example.com\n", "  public_url: "+packagedPublicURL+"\n", 1)
	if withURL == yaml {
		t.Fatalf("%s has no \"  # public_url: https://push.example.com\" line to set", packagedConfig)
	}
	yaml = withURL
	path := filepath.Join(t.TempDir(), "pushauth.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// expectStatusServer sends Status-Server (RFC 5997) to addr until an
// Access-Accept comes back or a minute passes.
func expectStatusServer(t *testing.T, addr string) {
	t.Helper()
	c, err := radclient.Dial(addr, "", []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := c.Exchange(ctx, layeh.New(layeh.CodeStatusServer, []byte(secret)))
	if err != nil || r.Code != layeh.CodeAccessAccept {
		t.Fatalf("Status-Server to %s: %v %v", addr, r, err)
	}
}

// containerRuntime returns docker or podman when one can run containers.
func containerRuntime(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"docker", "podman"} {
		if _, err := exec.LookPath(name); err != nil {
			continue
		}
		if exec.Command(name, "info").Run() == nil {
			return name
		}
	}
	t.Skip("no container runtime (docker or podman with a running engine)")
	return ""
}

// A container built from the Dockerfile starts, answers Status-Server on
// its published RADIUS port and becomes healthy through its HEALTHCHECK.
func TestContainerAnswersStatusServer(t *testing.T) {
	rt := containerRuntime(t)
	tag := fmt.Sprintf("pushauth-test:%d", time.Now().UnixNano())
	if out, err := exec.Command(rt, "build", "-t", tag, "..").CombinedOutput(); err != nil {
		t.Fatalf("%s build: %v\n%s", rt, err, out)
	}
	t.Cleanup(func() { _ = exec.Command(rt, "rmi", "-f", tag).Run() })
	// Published ports reach the container from the bridge's gateway.
	cfgPath := packagedConfigWithClient(t, "0.0.0.0/0")
	out, err := exec.Command(rt, "run", "-d", "--health-interval=1s", "-p", "127.0.0.1::1812/udp",
		"-v", cfgPath+":/etc/pushauth/pushauth.yaml:ro", tag).CombinedOutput()
	if err != nil {
		t.Fatalf("%s run: %v\n%s", rt, err, out)
	}
	id := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command(rt, "rm", "-f", id).Run() })
	port, err := exec.Command(rt, "port", id, "1812/udp").Output()
	if err != nil {
		t.Fatalf("%s port: %v", rt, err)
	}
	_, p, _ := net.SplitHostPort(strings.TrimSpace(strings.Split(string(port), "\n")[0]))
	expectStatusServer(t, net.JoinHostPort("127.0.0.1", p))
	checkFor(t, time.Minute, func() bool {
		h, _ := exec.Command(rt, "inspect", "--format", "{{.State.Health.Status}}", id).Output()
		return strings.TrimSpace(string(h)) == "healthy"
	}, "the container to become healthy")
}

// parseUnit reads a systemd unit: section → key → values (keys may
// repeat).
func parseUnit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: bad line %q", path, line)
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	return out
}

// The systemd unit runs pushauthd as its own unprivileged user with the
// packaged config, may bind ports below 1024, sees the file system read
// only except data_dir, restarts on failure, reloads with SIGHUP and logs
// to the journal. systemd-analyze verify checks it where systemd is
// installed.
func TestSystemdUnit(t *testing.T) {
	unit := parseUnit(t, systemdUnit)
	svc := unit["Service"]
	cfg, _, err := config.Load(packagedConfig, packagedEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ExecStart":           "/usr/local/bin/pushauthd --config /etc/pushauth/pushauth.yaml",
		"ExecReload":          "/bin/kill -HUP $MAINPID",
		"Restart":             "on-failure",
		"ProtectSystem":       "strict",
		"ReadWritePaths":      cfg.DataDir,
		"StateDirectory":      strings.TrimPrefix(cfg.DataDir, "/var/lib/"),
		"AmbientCapabilities": "CAP_NET_BIND_SERVICE",
		"NoNewPrivileges":     "yes",
		"StandardError":       "journal",
		"User":                sysusersUser(t),
	}
	for k, v := range want {
		if !slices.Contains(svc[k], v) {
			t.Errorf("[Service] %s = %q, want %q", k, svc[k], v)
		}
	}
	if unit["Install"]["WantedBy"] == nil {
		t.Error("[Install] WantedBy missing: systemctl enable would do nothing")
	}
	verifyUnit(t)
}

// sysusersUser is the user the sysusers.d file creates.
func sysusersUser(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(sysusersFile)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^u\s+(\S+)\s`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("%s creates no user", sysusersFile)
	}
	return m[1]
}

// verifyUnit runs systemd-analyze verify on a copy of the unit whose
// binary paths point at executables that exist here.
func verifyUnit(t *testing.T) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: unit not verified by systemd")
		return
	}
	b, err := os.ReadFile(systemdUnit)
	if err != nil {
		t.Fatal(err)
	}
	stub := filepath.Join(t.TempDir(), "pushauthd")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "pushauth.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/pushauthd", stub)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", "--man=no", unit).CombinedOutput(); err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// docs/operations.md shows the install steps, and every packaging file the
// README and the guide name exists.
func TestOperationsDocs(t *testing.T) {
	guide, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"make build", "install -m 0755 bin/pushauthd bin/pushctl", "systemd-sysusers",
		"systemctl enable --now pushauth", "systemctl reload pushauth", "journalctl -u pushauth",
		"docker build -t pushauth .", "VACUUM INTO"} {
		if !strings.Contains(string(guide), step) {
			t.Errorf("%s does not show %q", operationsDoc, step)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range regexp.MustCompile(`packaging/[A-Za-z0-9_./-]*[A-Za-z0-9]`).FindAllString(string(guide)+string(readme), -1) {
		if _, err := os.Stat(filepath.Join("..", p)); err != nil {
			t.Errorf("the docs name %s: %v", p, err)
		}
	}
}
