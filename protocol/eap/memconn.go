package eap

import (
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
