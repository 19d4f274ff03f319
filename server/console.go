package server

import (
	"crypto/ecdsa"
	"fmt"
	"net"
	"net/http"

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
