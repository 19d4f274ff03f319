// Package testconn opens HTTP/1.1 connections from a chosen loopback
// address (127.0.0.2, …), for tests of per-address connection caps.
package testconn

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"
)

// Request connects to addr from the local address from, sends a GET for
// path and reads the answer. The connection is returned open (idle, kept
// alive) for the caller to close, with the answer's body. A connection
// the server closed unanswered gives an error (a reset or an EOF).
func Request(addr, from, path string) (net.Conn, string, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, "", err // reset before the dial completed: refused
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	body, err := get(c, path)
	if err != nil {
		c.Close()
		return nil, "", err
	}
	_ = c.SetDeadline(time.Time{})
	return c, body, nil
}

// get sends a GET for path on c and reads the answer's body.
func get(c net.Conn, path string) (string, error) {
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}
