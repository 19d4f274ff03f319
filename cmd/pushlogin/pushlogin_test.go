package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/push"
)

// session is pushlogin running in-process on the slave side of a
// pseudo-terminal; the test types on the master side and reads what the
// terminal shows, as a user at a terminal would.
type session struct {
	t    *testing.T
	ptm  *os.File
	tty  *os.File
	code chan int

	mu   sync.Mutex
	out  []byte
	seen int // how much of out expect has consumed
}

// pushlogin starts pushlogin against h on a new pseudo-terminal with the
// server, secret and a 10 s --timeout, plus args.
func (h *harness) pushlogin(args ...string) *session {
	h.t.Helper()
	return h.pushloginCtx(context.Background(), args...)
}

// pushloginCtx is pushlogin running until ctx ends (as on Ctrl-C).
func (h *harness) pushloginCtx(ctx context.Context, args ...string) *session {
	h.t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		// A system without pseudo-terminals (no /dev/ptmx or devpts) cannot
		// run these tests; TestPAMExec still drives pushlogin through pipes.
		h.t.Skipf("no pseudo-terminal: %v", err)
	}
	s := &session{t: h.t, ptm: ptm, tty: tty, code: make(chan int, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			s.mu.Lock()
			s.out = append(s.out, buf[:n]...)
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	args = append([]string{"--server", h.radius, "--secret-file", h.secretFile, "--timeout", "10s"}, args...)
	noEnv := func(string) string { return "" }
	go func() { s.code <- run(ctx, args, tty, tty, tty, noEnv) }()
	h.t.Cleanup(func() {
		ptm.Close()
		tty.Close()
	})
	return s
}

// output is everything the terminal showed so far.
func (s *session) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.out)
}

// expect waits until the terminal shows text after what earlier expects
// consumed.
func (s *session) expect(text string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s.mu.Lock()
		i := strings.Index(string(s.out[s.seen:]), text)
		if i >= 0 {
			s.seen += i + len(text)
		}
		s.mu.Unlock()
		if i >= 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("terminal never showed %q; it shows:\n%s", text, s.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// typeLine types a line and Enter.
func (s *session) typeLine(line string) {
	s.t.Helper()
	if _, err := s.ptm.Write([]byte(line + "\n")); err != nil {
		s.t.Fatalf("type: %v", err)
	}
}

// echoIsOff reports whether the terminal hides what is typed.
func (s *session) echoIsOff() bool {
	tio, err := unix.IoctlGetTermios(int(s.tty.Fd()), ioctlGetTermios)
	if err != nil {
		s.t.Fatalf("termios: %v", err)
	}
	return tio.Lflag&unix.ECHO == 0
}

// login types the user name and the password at their prompts; the
// password prompt must come with the echo off.
func (s *session) login(user, password string) {
	s.t.Helper()
	s.expect(promptUser)
	s.typeLine(user)
	s.typePassword(password)
}

func (s *session) typePassword(password string) {
	s.t.Helper()
	s.expect(promptPass)
	if !s.echoIsOff() {
		s.t.Fatal("the password prompt shows with the echo on")
	}
	s.typeLine(password)
}

// exit waits for pushlogin's exit status and checks it.
func (s *session) exit(want int) {
	s.t.Helper()
	select {
	case got := <-s.code:
		if got != want {
			s.t.Fatalf("exit status %d, want %d; terminal:\n%s", got, want, s.output())
		}
	case <-time.After(20 * time.Second):
		s.t.Fatalf("pushlogin did not exit; terminal:\n%s", s.output())
	}
	if s.echoIsOff() {
		s.t.Fatal("pushlogin left the terminal's echo off")
	}
	s.t.Logf("terminal:\n%s", s.output())
}

// noSecret fails when the terminal ever showed the password.
func (s *session) noSecret(password string) {
	s.t.Helper()
	if strings.Contains(s.output(), password) {
		s.t.Fatalf("the terminal showed the password:\n%s", s.output())
	}
}

// S10.2, S2.6 (approve): user name and password at the prompts (the
// password not echoed), approve on the phone → "Signed in", exit 0.
func TestApprove(t *testing.T) {
	h := startServer(t, 2)
	h.addUser("alice", "pw-alice")
	phone := h.phone("alice")
	s := h.pushlogin("--calling-station", "10.9.8.7", "--nas-identifier", "ws-17")
	s.login("alice", "pw-alice")
	p := nextPush(t, phone)
	if p.User != "alice" || p.Agent != "ddl" || p.CallingStation != "10.9.8.7" {
		t.Fatalf("push payload %+v", p)
	}
	h.answer(phone, p, push.Approve)
	s.expect(msgSignedIn)
	s.exit(exitAccepted)
	s.noSecret("pw-alice")
	if rec := h.waitAudit("alice", 1)[0]; rec.Reason != "approved" {
		t.Fatalf("audit %+v", rec)
	}
}

// S10.3: under number matching pushlogin shows the number from the
// server's immediate challenge and waits for the phone without asking
// anything; the phone picks the number shown → exit 0.
func TestNumberMatching(t *testing.T) {
	h := startServer(t, 5)
	if _, err := h.admin.SetPolicy(h.ctx(), "matching", map[string]any{"number_matching": "on"}); err != nil {
		t.Fatal(err)
	}
	h.addUser("nora", "pw-nora")
	if _, err := h.admin.SetUserPolicy(h.ctx(), "nora", "matching"); err != nil {
		t.Fatal(err)
	}
	phone := h.phone("nora")
	s := h.pushlogin()
	s.login("nora", "pw-nora")
	p := nextPush(t, phone)
	s.expect("in your app to approve this sign-in.")
	number := 0
	for _, line := range strings.Split(s.output(), "\n") {
		if n, ok := push.ShownNumber(strings.TrimSpace(line)); ok {
			number = n
		}
	}
	if !slices.Contains(p.NumberChoices[:], number) {
		t.Fatalf("shown number %d is not among the push's choices %v:\n%s", number, p.NumberChoices, s.output())
	}
	if err := phone.Pick(h.ctx(), p, number); err != nil {
		t.Fatalf("pick %d: %v", number, err)
	}
	s.expect(msgSignedIn)
	s.exit(exitAccepted)
	if strings.Contains(s.output(), promptChoice) || strings.Contains(s.output(), promptCode) {
		t.Fatalf("pushlogin asked for an answer to the number challenge:\n%s", s.output())
	}
}

// S10.2, S2.6 (deny): deny on the phone → the server's Reply-Message;
// declining a new login → exit 1.
func TestDeny(t *testing.T) {
	h := startServer(t, 2)
	h.addUser("bob", "pw-bob")
	phone := h.phone("bob")
	s := h.pushlogin("--user", "bob")
	s.typePassword("pw-bob")
	h.answer(phone, nextPush(t, phone), push.Deny)
	s.expect("The sign-in was denied on your device")
	s.expect(msgAgain)
	s.typeLine("n")
	s.exit(exitRejected)
	if strings.Contains(s.output(), promptUser) {
		t.Fatal("--user still asked for the user name")
	}
}

// S10.2, S2.6 (timeout), S3.1: the phone stays silent → the notice, then
// the challenge's Reply-Message and the SUBMIT prompt; Enter sends a new
// push, approved → exit 0.
func TestTimeoutSubmitApprove(t *testing.T) {
	h := startServer(t, 2)
	h.addUser("carol", "pw-carol")
	phone := h.phone("carol")
	s := h.pushlogin()
	s.login("carol", "pw-carol")
	first := nextPush(t, phone)
	s.expect(msgNotified)
	s.expect("No answer from your device.")
	s.expect(promptChoice)
	s.typeLine("") // SUBMIT
	h.answer(phone, nextPush(t, phone, first.Nonce), push.Approve)
	s.expect(msgSignedIn)
	s.exit(exitAccepted)
	if rec := h.waitAudit("carol", 1)[0]; rec.Reason != "approved" {
		t.Fatalf("audit %+v", rec)
	}
}

// S10.2, S3.2: after the timeout the soft token's passcode typed at the
// prompt signs in.
func TestTimeoutPasscode(t *testing.T) {
	h := startServer(t, 1)
	h.addUser("dora", "pw-dora")
	phone := h.phone("dora")
	s := h.pushlogin("--user", "dora")
	s.typePassword("pw-dora")
	s.expect(promptChoice)
	code, err := phone.Code(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.typeLine(code)
	s.expect(msgSignedIn)
	s.exit(exitAccepted)
	if rec := h.waitAudit("dora", 1)[0]; rec.Reason != "timeout-then-passcode" {
		t.Fatalf("audit %+v", rec)
	}
}

// S10.2: --remember-password pre-fills the password of the second attempt
// after a deny, without showing it; the third attempt asks again.
func TestRememberPasswordSecondAttemptOnly(t *testing.T) {
	h := startServer(t, 2)
	h.addUser("erin", "pw-erin")
	phone := h.phone("erin")
	s := h.pushlogin("--remember-password")
	s.login("erin", "pw-erin")
	first := nextPush(t, phone)
	h.answer(phone, first, push.Deny)
	s.expect("denied")
	s.expect(msgAgain)
	s.typeLine("y")
	s.expect(shownPassword) // no prompt: the remembered password is sent
	second := nextPush(t, phone, first.Nonce)
	if second.User != "erin" {
		t.Fatalf("second push %+v", second)
	}
	h.answer(phone, second, push.Deny)
	s.expect("denied")
	s.expect(msgAgain)
	s.typeLine("y")
	s.typePassword("pw-erin") // the third attempt asks again
	h.answer(phone, nextPush(t, phone, first.Nonce, second.Nonce), push.Approve)
	s.expect(msgSignedIn)
	s.exit(exitAccepted)
	s.noSecret("pw-erin")
	if n := strings.Count(s.output(), shownPassword); n != 1 {
		t.Fatalf("remembered password used %d times, want once:\n%s", n, s.output())
	}
	if n := len(h.waitAudit("erin", 3)); n != 3 {
		t.Fatalf("%d logins, want 3", n)
	}
}

// S2.2: a wrong password is rejected and never remembered.
func TestWrongPasswordNotRemembered(t *testing.T) {
	h := startServer(t, 2)
	h.addUser("finn", "pw-finn")
	phone := h.phone("finn")
	s := h.pushlogin("--user", "finn", "--remember-password")
	s.typePassword("wrong")
	s.expect(authFailed)
	s.expect(msgAgain)
	s.typeLine("y")
	s.typePassword("pw-finn")
	h.answer(phone, nextPush(t, phone), push.Approve)
	s.expect(msgSignedIn)
	s.exit(exitAccepted)
	if strings.Contains(s.output(), shownPassword) {
		t.Fatalf("a rejected password was remembered:\n%s", s.output())
	}
}

// pam_exec with expose_authtok: no terminal, the user from PAM_USER, the
// station from PAM_RHOST, the password on stdin ending in NUL, the server
// and secret from the environment. Approve → exit 0; a challenge cannot be
// answered → exit 1.
func TestPAMExec(t *testing.T) {
	h := startServer(t, 2)
	h.addUser("gail", "pw-gail")
	phone := h.phone("gail")
	env := map[string]string{
		"PAM_USER":                    "gail",
		"PAM_RHOST":                   "192.0.2.7",
		"PUSHAUTH_RADIUS_SERVER":      h.radius,
		"PUSHAUTH_RADIUS_SECRET_FILE": h.secretFile,
	}
	pam := func() (chan int, *bytes.Buffer, *bytes.Buffer) {
		var stdout, stderr bytes.Buffer
		code := make(chan int, 1)
		go func() {
			code <- run(context.Background(), []string{"--timeout", "10s"}, strings.NewReader("pw-gail\x00"), &stdout, &stderr,
				func(k string) string { return env[k] })
		}()
		return code, &stdout, &stderr
	}
	code, stdout, stderr := pam()
	p := nextPush(t, phone)
	if p.User != "gail" || p.CallingStation != "192.0.2.7" {
		t.Fatalf("push payload %+v", p)
	}
	h.answer(phone, p, push.Approve)
	if c := waitCode(t, code); c != exitAccepted || !strings.Contains(stdout.String(), msgSignedIn) || strings.Contains(stdout.String(), promptPass) {
		t.Fatalf("exit %d, stdout %q, stderr %q", c, stdout, stderr)
	}
	code, stdout, stderr = pam() // the phone stays silent
	if c := waitCode(t, code); c != exitRejected || !strings.Contains(stdout.String(), "No answer from your device") || !strings.Contains(stdout.String(), msgNoAnswer) {
		t.Fatalf("exit %d, stdout %q, stderr %q", c, stdout, stderr)
	}
}

func waitCode(t *testing.T, code chan int) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("pushlogin did not exit")
		return -1
	}
}

// Exit status 2: wrong command lines, no secret, no reply from the server.
func TestErrors(t *testing.T) {
	noEnv := func(string) string { return "" }
	secretFile := t.TempDir() + "/secret"
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	call := func(stdin string, args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		c := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr, noEnv)
		return c, stdout.String(), stderr.String()
	}
	for _, args := range [][]string{
		{"--user", "x"}, // no secret
		{"--secret-file", secretFile, "extra"},
		{"--secret-file", secretFile, "--timeout", "0s"},
		{"--nope"},
	} {
		if c, _, stderr := call("", args...); c != exitError || !strings.Contains(stderr, "pushlogin --help") {
			t.Errorf("%q: exit %d, stderr %q", args, c, stderr)
		}
	}
	if c, stdout, _ := call("", "--help"); c != 0 || !strings.Contains(stdout, "Usage:") || !strings.Contains(stdout, "--remember-password") {
		t.Errorf("--help: exit %d\n%s", c, stdout)
	}
	if c, stdout, _ := call("", "--version"); c != 0 || !strings.HasPrefix(stdout, "pushlogin ") {
		t.Errorf("--version: exit %d %q", c, stdout)
	}
	if c, _, stderr := call("", "--secret-file", secretFile+".missing", "--user", "x"); c != exitError || !strings.Contains(stderr, "shared secret") {
		t.Errorf("missing secret file: exit %d %q", c, stderr)
	}
	// A server that never answers (as with a wrong shared secret).
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	c, stdout, stderr := call("pw\n", "--server", silent.LocalAddr().String(), "--secret-file", secretFile, "--user", "x", "--timeout", "300ms")
	if c != exitError || !strings.Contains(stderr, "no reply from") {
		t.Errorf("silent server: exit %d, stdout %q, stderr %q", c, stdout, stderr)
	}
}

// S2.7, S3.3: a user whose only token is a GridSure PIP gets the grid at
// once, shown as the server sends it; the digits under the PIP sign in.
func TestGridSure(t *testing.T) {
	h := startServer(t, 1)
	h.addUser("gil", "pw-gil")
	if _, err := h.admin.ProgramToken(h.ctx(), "gil", apitype.ProgramRequest{Type: "gridsure", PIP: "0,6,12,18"}); err != nil {
		t.Fatal(err)
	}
	s := h.pushlogin("--user", "gil")
	s.typePassword("pw-gil")
	s.expect("GridSure")
	s.expect(promptCode)
	var cells []string
	for _, line := range strings.Split(s.output(), "\n") {
		if f := strings.Fields(line); len(f) == 5 && len(strings.Join(f, "")) == 5 {
			cells = append(cells, f...)
		}
	}
	if len(cells) != 25 {
		t.Fatalf("no 5×5 grid on the terminal:\n%s", s.output())
	}
	s.typeLine(cells[0] + cells[6] + cells[12] + cells[18])
	s.expect(msgSignedIn)
	s.exit(exitAccepted)
	if strings.Contains(s.output(), msgNotified) {
		t.Fatal("a notification was announced for a user without a push token")
	}
}

// Every pushlogin command line in docs/agents.md (the transcripts and the
// pam_exec line) parses.
func TestDocsCommandLines(t *testing.T) {
	b, err := os.ReadFile("../../docs/agents.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for i, w := range f {
			if w != "pushlogin" && !strings.HasSuffix(w, "/pushlogin") || i+1 == len(f) || !strings.HasPrefix(f[i+1], "--") {
				continue
			}
			lines++
			var stdout, stderr bytes.Buffer
			args := append(append([]string(nil), f[i+1:]...), "--version")
			if c := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); c != 0 {
				t.Errorf("docs/agents.md: %q does not parse: %s", line, stderr.String())
			}
		}
	}
	if lines < 3 {
		t.Fatalf("found %d pushlogin command lines in docs/agents.md, want the transcripts and the pam_exec line", lines)
	}
}

// Ctrl-C at the password prompt (the context ends, as main's does on
// SIGINT): exit status 2 and the terminal's echo is back on.
func TestInterruptRestoresEcho(t *testing.T) {
	h := startServer(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := h.pushloginCtx(ctx, "--user", "hal")
	s.expect(promptPass)
	if !s.echoIsOff() {
		t.Fatal("echo on at the password prompt")
	}
	cancel()
	s.exit(exitError) // checks the echo is on again
}

// Rolling out (new_user: enroll): a user whose password is right but who
// has no token yet sees the server's Reply-Message with the enrolment
// link, and pushlogin exits 1.
func TestEnrollmentLinkShown(t *testing.T) {
	h := startServer(t, 2)
	if _, err := h.admin.SetPolicy(h.ctx(), "default", map[string]any{"new_user": "enroll"}); err != nil {
		t.Fatal(err)
	}
	h.addUser("nell", "pw-nell")
	s := h.pushlogin("--user", "nell")
	s.typePassword("pw-nell")
	s.expect("You have no sign-in device yet. Set one up within 10 minutes at http")
	s.expect("/enroll/")
	s.typeLine("n")
	s.exit(exitRejected)
	s.noSecret("pw-nell")
}
