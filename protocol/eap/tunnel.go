package eap

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// errWouldBlock is what the in-memory connection answers a read with
// once the handshake is over and no input is buffered. It is a temporary
// net.Error, which crypto/tls passes up without poisoning the
// connection, so the next read resumes where this one stopped.
var errWouldBlock = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "eap: tls input exhausted" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

// ErrTLSOverflow reports TLS output beyond the conversation's limit.
var ErrTLSOverflow = errors.New("eap: tls output too large")

// memConn is the net.Conn under crypto/tls: input fed by the EAP side,
// output collected for it. During the handshake a read with nothing
// buffered parks the handshake goroutine until the next feed; afterwards
// it returns errWouldBlock.
type memConn struct {
	mu       sync.Mutex
	in       []byte
	out      []byte
	maxOut   int
	nonblock bool

	wantMore chan struct{} // handshake goroutine → feeder: parked, give input
	feed     chan struct{} // feeder → handshake goroutine: input appended
	closed   chan struct{}
	once     sync.Once
}

func newMemConn(maxOut int) *memConn {
	return &memConn{
		maxOut:   maxOut,
		wantMore: make(chan struct{}),
		feed:     make(chan struct{}),
		closed:   make(chan struct{}),
	}
}

func (c *memConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if len(c.in) > 0 {
			n := copy(p, c.in)
			c.in = c.in[n:]
			if len(c.in) == 0 {
				c.in = nil
			}
			c.mu.Unlock()
			return n, nil
		}
		nonblock := c.nonblock
		c.mu.Unlock()
		select {
		case <-c.closed:
			return 0, io.EOF
		default:
		}
		if nonblock {
			return 0, errWouldBlock
		}
		select {
		case c.wantMore <- struct{}{}:
		case <-c.closed:
			return 0, io.EOF
		}
		select {
		case <-c.feed:
		case <-c.closed:
			return 0, io.EOF
		}
	}
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.out)+len(p) > c.maxOut {
		return 0, fmt.Errorf("write %d octets of tls output: %w", len(p), ErrTLSOverflow)
	}
	c.out = append(c.out, p...)
	return len(p), nil
}

func (c *memConn) push(b []byte) {
	c.mu.Lock()
	c.in = append(c.in, b...)
	c.mu.Unlock()
}

func (c *memConn) takeOut() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.out
	c.out = nil
	return out
}

func (c *memConn) setNonblock() {
	c.mu.Lock()
	c.nonblock = true
	c.mu.Unlock()
}

func (c *memConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *memConn) LocalAddr() net.Addr              { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr{} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }
func (memAddr) Network() string                     { return "eap" }
func (memAddr) String() string                      { return "eap" }

type memAddr struct{}

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
	t.conn.push(in)
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
	t.conn.push(in)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := t.tls.Read(buf)
		if len(out)+n > max {
			return nil, fmt.Errorf("tls read: more than %d octets of application data: %w", max, ErrTLSOverflow)
		}
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Temporary() { //nolint:staticcheck // the in-memory conn's "no more input"
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
