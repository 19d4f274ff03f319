package eap

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
)

// Tunnel drives one TLS connection fed with reassembled TLS messages. It
// is used by the server Session and by the eaptest peer (as client).
// Methods are not safe for concurrent use.
type Tunnel struct {
	conn    *memConn
	tls     *tls.Conn
	started bool
	done    chan error // handshake result, buffered
	hsDone  bool
	hsErr   error
	closed  bool
	fed     int // octets of TLS input fed so far (see memoryEstimate)
}

// NewServerTunnel returns a tunnel running crypto/tls as the server.
// maxOut bounds the TLS output buffered between two exchanges.
func NewServerTunnel(cfg *tls.Config, maxOut int) *Tunnel {
	c := newMemConn(maxOut)
	return &Tunnel{conn: c, tls: tls.Server(c, cfg), done: make(chan error, 1)}
}

// NewClientTunnel returns a tunnel running crypto/tls as the client (the
// test peer).
func NewClientTunnel(cfg *tls.Config, maxOut int) *Tunnel {
	c := newMemConn(maxOut)
	return &Tunnel{conn: c, tls: tls.Client(c, cfg), done: make(chan error, 1)}
}

// HandshakeDone reports whether the handshake has completed successfully.
func (t *Tunnel) HandshakeDone() bool { return t.hsDone && t.hsErr == nil }

// ConnectionState is the TLS state; meaningful after the handshake.
func (t *Tunnel) ConnectionState() tls.ConnectionState { return t.tls.ConnectionState() }

// Handshake feeds in (possibly empty, for a client's first flight) into
// the handshake and returns the TLS output to send. It returns once
// crypto/tls wants more input or the handshake has ended.
func (t *Tunnel) Handshake(in []byte) ([]byte, error) {
	if t.closed {
		return nil, fmt.Errorf("tls handshake: %w", net.ErrClosed)
	}
	if t.hsDone {
		return nil, errors.New("tls handshake: already finished")
	}
	t.feed(in)
	if !t.started {
		t.started = true
		go func() { t.done <- t.tls.Handshake() }()
	} else {
		select {
		case t.conn.feed <- struct{}{}:
		case err := <-t.done:
			t.finish(err)
			return t.conn.takeOut(), t.hsErr
		}
	}
	select {
	case <-t.conn.wantMore:
		return t.conn.takeOut(), nil
	case err := <-t.done:
		t.finish(err)
		return t.conn.takeOut(), t.hsErr
	}
}

// feed hands TLS input to crypto/tls through the in-memory connection.
func (t *Tunnel) feed(in []byte) {
	t.fed += len(in)
	t.conn.push(in)
}

func (t *Tunnel) finish(err error) {
	t.hsDone = true
	t.conn.setNonblock()
	if err != nil {
		t.hsErr = fmt.Errorf("tls handshake: %w", err)
	}
}

// Read feeds in (TLS records received after the handshake) and returns
// the application data decrypted so far; partial records wait for more.
// At most max octets are returned; more is an error.
func (t *Tunnel) Read(in []byte, max int) ([]byte, error) {
	if !t.HandshakeDone() || t.closed {
		return nil, fmt.Errorf("tls read: %w", net.ErrClosed)
	}
	t.feed(in)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := t.tls.Read(buf)
		if len(out)+n > max {
			return nil, fmt.Errorf("tls read: more than %d octets of application data: %w", max, ErrTLSOverflow)
		}
		out = append(out, buf[:n]...)
		if err != nil {
			if errors.Is(err, errWouldBlock) {
				return out, nil
			}
			return out, fmt.Errorf("tls read: %w", err)
		}
	}
}

// Write encrypts p and returns the TLS records to send.
func (t *Tunnel) Write(p []byte) ([]byte, error) {
	if !t.HandshakeDone() || t.closed {
		return nil, fmt.Errorf("tls write: %w", net.ErrClosed)
	}
	if _, err := t.tls.Write(p); err != nil {
		return nil, fmt.Errorf("tls write: %w", err)
	}
	return t.conn.takeOut(), nil
}

// Close ends the tunnel; a handshake still waiting for input returns and
// its goroutine exits before Close does.
func (t *Tunnel) Close() {
	if t.closed {
		return
	}
	t.closed = true
	t.conn.Close()
	if t.started && !t.hsDone {
		t.finish(<-t.done)
	}
}
