package main

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
	"strings"
	"syscall"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/tools/internal/demoserver"
)

// demo runs the whole demo until ctx ends.
func demo(ctx context.Context, o options, stdin io.Reader, stdout io.Writer, ready chan<- string) error {
	if o.pushweb == "" {
		fmt.Fprintln(stdout, "building pushweb ...")
		bin, remove, err := buildPushweb(ctx, o.goCmd)
		if err != nil {
			return err
		}
		defer remove()
		o.pushweb = bin
	}
	srv, err := startServer(ctx)
	if err != nil {
		return err
	}
	defer srv.Stop()
	phone, link, err := setUp(ctx, srv)
	if err != nil {
		return err
	}
	url, stopWeb, err := startPushweb(ctx, o, srv)
	if err != nil {
		return err
	}
	defer stopWeb()
	fmt.Fprintf(stdout, `pushauthd runs on loopback (RADIUS %s, logs in %s).
pushweb serves %s

  1. Open %s in a browser and sign in as: demo
  2. This terminal is demo's phone. When the notification arrives, type
     a + Enter to approve, d + Enter to deny, or just Enter to let it time
     out (20 s: then RESEND or a passcode). Type c + Enter at any time for
     demo's current passcode ("Sign in with another option").
  3. The activation page of another user's new soft token, with its QR code:
     %s

Ctrl-C stops the demo.
`, srv.Radius, srv.Dir, url, url, link)
	if ready != nil {
		ready <- url
	}
	return phoneLoop(ctx, phone, o.answer, lines(stdin), stdout)
}

// buildPushweb builds cmd/pushweb with the go command goCmd into a
// temporary directory of its own, which remove deletes: make demo-web
// leaves ./bin (and its stamped release build of pushweb) alone.
func buildPushweb(ctx context.Context, goCmd string) (bin string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "pushwebdemo-bin-")
	if err != nil {
		return "", nil, fmt.Errorf("build pushweb: %w", err)
	}
	remove = func() { os.RemoveAll(dir) }
	bin = filepath.Join(dir, "pushweb")
	out, err := exec.CommandContext(ctx, goCmd, "build", "-o", bin, "github.com/pushauth/pushauth/cmd/pushweb").CombinedOutput()
	if err != nil {
		remove()
		return "", nil, fmt.Errorf("build pushweb: %w\n%s", err, out)
	}
	return bin, remove, nil
}

// startPushweb runs the pushweb binary against srv and waits until it
// serves; stop sends it SIGTERM and waits.
func startPushweb(ctx context.Context, o options, srv *demoserver.Server) (string, func(), error) {
	secretFile := filepath.Join(srv.Dir, "pushweb.secret")
	if err := os.WriteFile(secretFile, []byte(srv.Secret+"\n"), 0o600); err != nil {
		return "", nil, fmt.Errorf("secret file: %w", err)
	}
	cmd := exec.Command(o.pushweb, "--listen", o.listen, "--radius", srv.Radius, "--secret-file", secretFile)
	logs, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start pushweb: %w", err)
	}
	exited := make(chan error, 1)
	serving := make(chan string, 1)
	go watchLog(logs, filepath.Join(srv.Dir, "pushweb.log"), serving)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}
	select {
	case addr := <-serving:
		return "http://" + addr + "/", stop, nil
	case err := <-exited:
		return "", nil, fmt.Errorf("pushweb exited (is %s free? see %s/pushweb.log): %v", o.listen, srv.Dir, err)
	case <-ctx.Done():
		stop()
		return "", nil, ctx.Err()
	case <-time.After(30 * time.Second):
		stop()
		return "", nil, errors.New("pushweb did not start within 30 s")
	}
}

// watchLog copies pushweb's log to a file and reports where it serves.
func watchLog(r io.Reader, path string, serving chan<- string) {
	f, err := os.Create(path)
	if err != nil {
		f = nil
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if f != nil {
			fmt.Fprintln(f, sc.Text())
		}
		var l struct {
			Msg    string `json:"message"`
			Listen string `json:"listen"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "pushweb serving" {
			select {
			case serving <- l.Listen:
			default:
			}
		}
	}
	if f != nil {
		f.Close()
	}
}

// lines delivers stdin's lines; the channel closes at EOF.
func lines(r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- strings.TrimSpace(sc.Text())
		}
	}()
	return ch
}

// phoneLoop is the simulated phone: it long-polls for pushes and answers
// each as answer says, or as the user types.
func phoneLoop(ctx context.Context, phone *deviceclient.Device, answer string, input <-chan string, out io.Writer) error {
	var known []string
	pushes := make(chan push.Payload)
	go poll(ctx, phone, pushes)
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-input:
			if !ok {
				input = nil // stdin closed: keep serving until Ctrl-C
				continue
			}
			if strings.EqualFold(line, "c") {
				printCode(phone, out)
			}
		case p := <-pushes:
			if contains(known, p.Nonce) {
				continue
			}
			known = append(known, p.Nonce)
			fmt.Fprintf(out, "\nPhone: %s is signing in to %s from %s. Approve? [a]pprove, [d]eny, Enter to ignore\n",
				p.User, p.Client, p.CallingStation)
			decision := decide(ctx, answer, input, out)
			if decision == "" {
				fmt.Fprintln(out, "Phone: ignored; the notification times out.")
				continue
			}
			if err := phone.Answer(ctx, p, decision); err != nil {
				fmt.Fprintf(out, "Phone: answer not taken: %v\n", err)
				continue
			}
			fmt.Fprintln(out, answered(decision))
		}
	}
}

// answered is what the phone says once its answer was taken: "Phone:
// approved." or "Phone: denied.".
func answered(decision string) string {
	if decision == push.Deny {
		return "Phone: denied."
	}
	return "Phone: approved."
}

// decide returns push.Approve, push.Deny or "" (ignore).
func decide(ctx context.Context, answer string, input <-chan string, out io.Writer) string {
	switch answer {
	case "approve":
		return push.Approve
	case "deny":
		return push.Deny
	case "ignore":
		return ""
	}
	for {
		select {
		case <-ctx.Done():
			return ""
		case line, ok := <-input:
			switch strings.ToLower(line) {
			case "a", "approve":
				return push.Approve
			case "d", "deny":
				return push.Deny
			case "":
				return ""
			case "c":
				fmt.Fprintln(out, "Phone: answer with a, d, or just Enter; the passcode is for the browser.")
				continue
			}
			if !ok {
				return ""
			}
			fmt.Fprintln(out, "Phone: type a, d, or just Enter.")
		}
	}
}

// poll long-polls the device API and sends each new push once.
func poll(ctx context.Context, phone *deviceclient.Device, pushes chan<- push.Payload) {
	var known []string // nonces of the pending pushes already sent
	for ctx.Err() == nil {
		list, err := phone.Pending(ctx, 20*time.Second, known...)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		var still []string
		for _, p := range list {
			still = append(still, p.Nonce)
			if contains(known, p.Nonce) {
				continue
			}
			select {
			case pushes <- p:
			case <-ctx.Done():
				return
			}
		}
		known = still
	}
}

func printCode(phone *deviceclient.Device, out io.Writer) {
	code, err := phone.Code(time.Now())
	if err != nil {
		fmt.Fprintf(out, "Phone: no passcode: %v\n", err)
		return
	}
	fmt.Fprintf(out, "Phone: demo's passcode is %s\n", code)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
