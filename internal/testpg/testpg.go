// Package testpg starts a private, throw-away PostgreSQL server for tests:
// initdb into a fresh temporary directory, then postgres in the foreground
// on a random loopback port (TCP only, no unix socket), stopped when the test
// ends. PostgreSQL refuses to run as root, so under root the server runs as
// the user nobody.
//
// The binaries come from $PUSHAUTH_PG_BIN (a directory holding initdb and
// postgres), else the newest /usr/lib/postgresql/*/bin (Debian's
// postgresql package), else initdb on $PATH. Without them Start skips the
// test, or fails it when CI=true.
package testpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotInstalled means the PostgreSQL server binaries were not found.
var ErrNotInstalled = errors.New("postgresql server binaries (initdb, postgres) not found: " +
	"install Debian's postgresql package or set PUSHAUTH_PG_BIN")

// AppUser and AppPassword are the non-superuser role that owns the
// databases NewDatabase creates (a deployment's pushauth role).
const (
	AppUser     = "pushauth"
	AppPassword = "pushauth-test-password"
	adminPass   = "postgres-test-password"
)

// Options tune the server.
type Options struct {
	// Durable keeps fsync and synchronous commit on, as in production (for
	// benchmarks). Off by default: tests do not need crash safety.
	Durable bool
}

// Server is a running private PostgreSQL server.
type Server struct {
	port    int
	dir     string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postgres process has exited
	waitErr error         // the process's exit status, once exited is closed
	dbs     atomic.Int64  // databases created, for unique names
}

// Start starts a server that is stopped when tb ends. Without the binaries
// it skips tb (fails it under CI=true).
func Start(tb testing.TB) *Server {
	return StartWith(tb, Options{})
}

// StartWith is Start with options.
func StartWith(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := StartIfInstalled(tb, opts)
	if errors.Is(err, ErrNotInstalled) {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("testpg: %v (required under CI=true)", err)
		}
		tb.Skipf("testpg: %v", err)
	}
	if err != nil {
		tb.Fatalf("testpg: %v", err)
	}
	return s
}

// StartIfInstalled starts a server like StartWith but returns an error
// wrapping ErrNotInstalled, instead of skipping, when the binaries are
// missing, so a caller can skip only part of its work.
func StartIfInstalled(tb testing.TB, opts Options) (*Server, error) {
	tb.Helper()
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	run, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "testpg-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := run.own(dir); err != nil {
		return nil, err
	}
	if err := initdb(bin, dir, run); err != nil {
		return nil, err
	}
	var s *Server
	for attempt := 0; ; attempt++ {
		s, err = startPostgres(bin, dir, run, opts)
		if err == nil || attempt == 2 || !errors.Is(err, errPortTaken) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	tb.Cleanup(s.stop)
	if err := s.admin(context.Background(),
		fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s'`, AppUser, AppPassword)); err != nil {
		return nil, err
	}
	return s, nil
}

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// DSN is the URL of database as AppUser.
func (s *Server) DSN(database string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", AppUser, AppPassword, s.port, database)
}

// AdminDSN is the URL of database as the superuser postgres.
func (s *Server) AdminDSN(database string) string {
	return fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/%s?sslmode=disable", adminPass, s.port, database)
}

// NewDatabase creates an empty database owned by AppUser and returns its
// DSN (see DSN).
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("db%d", s.dbs.Add(1))
	if err := s.admin(context.Background(), fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, name, AppUser)); err != nil {
		tb.Fatalf("testpg: %v", err)
	}
	return s.DSN(name)
}

// admin runs statements as the superuser on the postgres database.
func (s *Server) admin(ctx context.Context, stmts ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.AdminDSN("postgres"))
	if err != nil {
		return fmt.Errorf("connect as postgres: %w", err)
	}
	defer conn.Close(ctx)
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", strings.Fields(stmt)[0]+" "+strings.Fields(stmt)[1], err)
		}
	}
	return nil
}

// stop shuts the server down fast (SIGINT) and waits for it.
func (s *Server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// binDir finds the directory holding initdb and postgres.
func binDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("PUSHAUTH_PG_BIN"); dir != "" {
		if !has(dir) {
			return "", fmt.Errorf("PUSHAUTH_PG_BIN=%s: %w", dir, ErrNotInstalled)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(b) - majorOf(a) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	if path, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(path); has(dir) {
			return dir, nil
		}
	}
	return "", ErrNotInstalled
}

// majorOf reads the version out of /usr/lib/postgresql/VERSION/bin.
func majorOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// initdb creates the cluster in dir/data with a password-protected
// superuser postgres.
func initdb(bin, dir string, run runner) error {
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(adminPass+"\n"), 0o600); err != nil {
		return fmt.Errorf("password file: %w", err)
	}
	if err := run.own(pwfile); err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"-A", "scram-sha-256", "--pwfile="+pwfile, "-E", "UTF8", "--no-locale", "--no-sync")
	run.prepare(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// errPortTaken means another process bound the port first.
var errPortTaken = errors.New("port taken")

// startPostgres runs postgres in the foreground and waits until it
// accepts connections.
func startPostgres(bin, dir string, run runner, opts Options) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("postgres-%d.log", port))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("postgres log: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	args := []string{"-D", filepath.Join(dir, "data"), "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-k", "", "-c", "max_connections=200"}
	if !opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	run.prepare(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &Server{port: port, dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.stop()
		log, _ := os.ReadFile(logPath)
		if strings.Contains(string(log), "could not bind") || strings.Contains(string(log), "already in use") {
			return nil, fmt.Errorf("postgres on port %d: %w", port, errPortTaken)
		}
		return nil, fmt.Errorf("postgres on port %d: %w\n%s", port, err, log)
	}
	return s, nil
}

// waitReady polls with a real connection every 20 ms.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.AdminDSN("postgres"))
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited: %v", s.waitErr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", timeout, err)
		}
	}
}

// freePort asks the kernel for a free loopback TCP port (another process
// may take it before postgres binds it; startPostgres then retries).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
