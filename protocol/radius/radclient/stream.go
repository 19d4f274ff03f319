package radclient

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	layeh "layeh.com/radius"
)

// Stream is a RADIUS client on one stream connection, such as a RADIUS
// over TLS (RadSec, RFC 6614) connection the caller dialled: requests go
// back to back on it, up to 256 in flight, and replies are matched by
// Identifier in whatever order they come. It never retransmits (RFC 6614
// §2.5): an exchange waits for its reply until its context ends or the
// connection closes. Replies are verified as Client verifies them.
type Stream struct {
	conn   net.Conn
	secret []byte
	ids    idTable
	wmu    sync.Mutex // one packet written at a time
	closed chan struct{}
	err    error // why the connection ended; set before closed closes
}

// ErrClosed is the error of an exchange whose connection ended first.
var ErrClosed = errors.New("connection closed")

// NewStream starts a client on conn, which it owns from now on.
func NewStream(conn net.Conn, secret []byte) *Stream {
	s := &Stream{conn: conn, secret: secret, closed: make(chan struct{})}
	go s.readLoop()
	return s
}

// Close closes the connection and waits for the reader to end.
func (s *Stream) Close() error {
	err := s.conn.Close()
	<-s.closed
	return err
}

// readLoop reads packets (Length 20..4096) and routes each to its
// exchange; a bad Length or a read error ends the connection.
func (s *Stream) readLoop() {
	defer close(s.closed)
	defer s.conn.Close()
	head := make([]byte, 4)
	for {
		if _, err := io.ReadFull(s.conn, head); err != nil {
			s.err = err
			return
		}
		n := int(binary.BigEndian.Uint16(head[2:4]))
		if n < 20 || n > layeh.MaxPacketLength {
			s.err = fmt.Errorf("reply Length %d out of range", n)
			return
		}
		raw := make([]byte, n)
		copy(raw, head)
		if _, err := io.ReadFull(s.conn, raw[4:]); err != nil {
			s.err = err
			return
		}
		s.ids.deliver(raw)
	}
}

// Exchange sends p with a Message-Authenticator and waits for its
// authentic reply. Replies that do not authenticate are dropped; if ctx
// ends after some, the ErrNoReply says how many.
func (s *Stream) Exchange(ctx context.Context, p *layeh.Packet) (*Response, error) {
	id, ch, err := s.ids.reserve()
	if err != nil {
		return nil, err
	}
	defer s.ids.release(id)
	req, err := Encode(p, id, true)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	s.ids.arm(id, func(raw []byte) bool { return authentic(raw, req, s.secret) })
	if err := s.write(ctx, req); err != nil {
		return nil, err
	}
	dropped := 0
	for {
		select {
		case raw := <-ch:
			resp, err := verify(raw, req, s.secret)
			if !errors.Is(err, ErrNotAuthentic) {
				return resp, err
			}
			dropped++
		case <-s.closed:
			return nil, fmt.Errorf("%w: %w: %v", ErrNoReply, ErrClosed, s.err)
		case <-ctx.Done():
			return nil, noReply(ctx.Err(), dropped+s.ids.dropped(id))
		}
	}
}

// write sends one packet whole, giving up at ctx's deadline (a server
// that stops reading must not block every exchange); a failed write
// closes the connection.
func (s *Stream) write(ctx context.Context, req []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	deadline, _ := ctx.Deadline() // zero: none
	_ = s.conn.SetWriteDeadline(deadline)
	if _, err := s.conn.Write(req); err != nil {
		// A packet cut short breaks the framing of every later one.
		s.conn.Close()
		return fmt.Errorf("send: %w", err)
	}
	return nil
}
