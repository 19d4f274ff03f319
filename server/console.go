package server

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/directory"
	"github.com/pushauth/pushauth/protocol/console"
)

// consoleKey derives the console's cookie key from the push-signing key.
func consoleKey(key *ecdsa.PrivateKey) ([]byte, error) {
	secret, err := key.Bytes()
	if err != nil {
		return nil, fmt.Errorf("console key: %w", err)
	}
	return console.SessionKey(secret)
}

// console is the operator console on the admin listener ln, reading
// through api. Its cookies are Secure unless ln is a loopback address
// (plain HTTP on the operator's own machine; anywhere else the admin
// listener is expected behind a TLS proxy).
func (s *Server) console(api http.Handler, ln net.Listener) http.Handler {
	return console.New(console.Deps{
		Admin:       api,
		Logins:      s.sys,
		Operators:   s.cfg.Console.Operators,
		Groups:      consoleGroups(s.cfg.Console.Groups),
		Directory:   s.dir.operatorGroups(),
		Key:         s.consoleKey,
		Insecure:    isLoopback(ln),
		SessionIdle: s.cfg.Console.SessionIdle,
		Log:         s.log.With().Str("component", "console").Logger(),
	})
}

// isLoopback tells whether ln listens on a loopback address.
func isLoopback(ln net.Listener) bool {
	a, ok := ln.Addr().(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}

// consoleGroups are console.groups as the console takes them.
func consoleGroups(gs []config.ConsoleGroup) []console.GroupRole {
	out := make([]console.GroupRole, 0, len(gs))
	for _, g := range gs {
		out = append(out, console.GroupRole{DN: g.DN, Role: g.Role})
	}
	return out
}

// operatorGroups is the directory as the console asks it for operators'
// groups (nil without a directory).
func (p *directoryParts) operatorGroups() console.GroupChecker {
	if p.source == nil {
		return nil
	}
	return groupChecker{p.source.Directory()}
}

// groupChecker answers a user the directory does not know with no groups.
type groupChecker struct{ dir *directory.Directory }

func (g groupChecker) InGroups(ctx context.Context, user string, dns []string) ([]string, error) {
	in, err := g.dir.InGroups(ctx, user, dns)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, nil
	}
	return in, err
}
