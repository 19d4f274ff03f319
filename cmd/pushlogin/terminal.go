package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"
)

// terminal reads the user's answers. On a terminal it prints prompts and
// hides the password; otherwise (pam_exec, a pipe) it reads lines quietly.
type terminal struct {
	in  io.Reader
	out io.Writer
	tty bool
	fd  int
}

func newTerminal(in io.Reader, out io.Writer) *terminal {
	t := &terminal{in: in, out: out}
	if f, ok := in.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		t.tty, t.fd = true, int(f.Fd())
	}
	return t
}

// readLine prints prompt (on a terminal) and reads one answer. hidden
// turns the terminal's echo off before the prompt is printed, so nothing
// typed after the prompt shows. It returns io.EOF when the input ended
// before anything was typed, and ctx's error when ctx ends first (the
// terminal's echo is restored then too).
func (t *terminal) readLine(ctx context.Context, prompt string, hidden bool) (string, error) {
	if hidden && t.tty {
		restore, err := echoOff(t.fd)
		if err != nil {
			return "", err
		}
		defer restore()
	}
	if t.tty {
		fmt.Fprint(t.out, prompt)
	}
	type line struct {
		s   string
		err error
	}
	got := make(chan line, 1)
	go func() {
		s, err := readLine(t.in)
		got <- line{s, err}
	}()
	select {
	case l := <-got:
		if hidden && t.tty {
			fmt.Fprintln(t.out) // the newline the user typed was not echoed
		}
		return l.s, l.err
	case <-ctx.Done():
		if t.tty {
			fmt.Fprintln(t.out)
		}
		return "", ctx.Err()
	}
}

// readLine reads up to a newline or NUL (pam_exec's expose_authtok ends
// the password with one) or the end of the input, one byte at a time so
// that nothing after the line is consumed.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' || buf[0] == 0 {
				return strings.TrimSuffix(b.String(), "\r"), nil
			}
			b.WriteByte(buf[0])
			continue
		}
		if err == io.EOF && b.Len() > 0 {
			return strings.TrimSuffix(b.String(), "\r"), nil
		}
		if err != nil {
			return "", fmt.Errorf("read: %w", err)
		}
	}
}
