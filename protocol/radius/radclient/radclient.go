// Package radclient is a small RADIUS client for pushauth's own tools and
// tests (make demo, cmd/radbench, end-to-end tests): it multiplexes up to
// 256 outstanding requests over one UDP socket, adds and checks
// Message-Authenticators and verifies response authenticators.
package radclient

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

// attrMessageAuthenticator is RFC 3579 Message-Authenticator.
const attrMessageAuthenticator = 80

// Errors from Exchange.
var (
	ErrNoReply      = errors.New("no reply from server")
	ErrBusy         = errors.New("all 256 identifiers in use")
	ErrNotAuthentic = errors.New("reply does not authenticate")
)

// Client talks to one RADIUS server from one UDP socket.
type Client struct {
	conn   *net.UDPConn
	secret []byte
	// Retry is the retransmission interval (default 1s; 0 keeps it).
	Retry time.Duration

	mu      sync.Mutex
	waiting map[byte]chan []byte
	next    byte
	closed  chan struct{}
}

// Dial opens a client socket to server ("host:port"); local may be "" or an
// address such as "127.0.0.2:0" to choose the source address.
func Dial(server, local string, secret []byte) (*Client, error) {
	raddr, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", server, err)
	}
	var laddr *net.UDPAddr
	if local != "" {
		if laddr, err = net.ResolveUDPAddr("udp", local); err != nil {
			return nil, fmt.Errorf("resolve %s: %w", local, err)
		}
	}
	conn, err := net.DialUDP("udp", laddr, raddr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", server, err)
	}
	c := &Client{conn: conn, secret: secret, Retry: time.Second, waiting: map[byte]chan []byte{}, closed: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

// Close closes the socket.
func (c *Client) Close() error {
	err := c.conn.Close()
	<-c.closed
	return err
}

func (c *Client) readLoop() {
	defer close(c.closed)
	buf := make([]byte, layeh.MaxPacketLength)
	for {
		n, err := c.conn.Read(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil || n < 20 {
			continue
		}
		c.mu.Lock()
		ch := c.waiting[buf[1]]
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- append([]byte(nil), buf[:n]...):
			default:
			}
		}
	}
}

// NewAccessRequest builds an Access-Request; state and station may be "".
func NewAccessRequest(secret []byte, user, password, state, station string) *layeh.Packet {
	p := layeh.New(layeh.CodeAccessRequest, secret)
	_ = rfc2865.UserName_SetString(p, user)
	_ = rfc2865.UserPassword_SetString(p, password)
	if state != "" {
		_ = rfc2865.State_SetString(p, state)
	}
	if station != "" {
		_ = rfc2865.CallingStationID_SetString(p, station)
	}
	return p
}

// Encode encodes a request with a Message-Authenticator first (unless
// withMA is false) under the given identifier.
func Encode(p *layeh.Packet, id byte, withMA bool) ([]byte, error) {
	q := *p
	q.Identifier = id
	if withMA {
		q.Attributes = append(layeh.Attributes{{Type: attrMessageAuthenticator, Attribute: make([]byte, 16)}}, p.Attributes...)
	}
	b, err := q.Encode()
	if err != nil {
		return nil, err
	}
	if withMA {
		mac := hmac.New(md5.New, p.Secret)
		mac.Write(b)
		mac.Sum(b[22:22])
	}
	return b, nil
}

// Response is a verified reply.
type Response struct {
	*layeh.Packet
	Raw []byte
}

// Exchange sends p with a Message-Authenticator and waits for the reply,
// retransmitting the identical bytes every Retry until ctx ends.
func (c *Client) Exchange(ctx context.Context, p *layeh.Packet) (*Response, error) {
	id, ch, err := c.reserve()
	if err != nil {
		return nil, err
	}
	defer c.release(id)
	req, err := Encode(p, id, true)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return c.roundTrip(ctx, req, ch)
}

func (c *Client) roundTrip(ctx context.Context, req []byte, ch chan []byte) (*Response, error) {
	retry := time.NewTicker(c.Retry)
	defer retry.Stop()
	for {
		if _, err := c.conn.Write(req); err != nil {
			return nil, fmt.Errorf("send: %w", err)
		}
		select {
		case raw := <-ch:
			resp, err := c.verify(raw, req)
			if errors.Is(err, ErrNotAuthentic) {
				continue // a late reply to an earlier use of this identifier
			}
			return resp, err
		case <-retry.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %v", ErrNoReply, ctx.Err())
		}
	}
}

func (c *Client) verify(raw, req []byte) (*Response, error) {
	if !layeh.IsAuthenticResponse(raw, req, c.secret) {
		return nil, ErrNotAuthentic
	}
	p, err := layeh.Parse(raw, c.secret)
	if err != nil {
		return nil, fmt.Errorf("parse reply: %w", err)
	}
	return &Response{Packet: p, Raw: raw}, nil
}

func (c *Client) reserve() (byte, chan []byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range 256 {
		id := c.next
		c.next++
		if _, used := c.waiting[id]; !used {
			ch := make(chan []byte, 1)
			c.waiting[id] = ch
			return id, ch, nil
		}
	}
	return 0, nil, ErrBusy
}

func (c *Client) release(id byte) {
	c.mu.Lock()
	delete(c.waiting, id)
	c.mu.Unlock()
}

// SendRaw writes bytes as they are (for tests of retransmissions and
// malformed input) and returns the next reply for identifier id, or
// ErrNoReply when none arrives before ctx ends.
func (c *Client) SendRaw(ctx context.Context, id byte, raw []byte) ([]byte, error) {
	ch := make(chan []byte, 1)
	c.mu.Lock()
	if _, used := c.waiting[id]; used {
		c.mu.Unlock()
		return nil, ErrBusy
	}
	c.waiting[id] = ch
	c.mu.Unlock()
	defer c.release(id)
	if _, err := c.conn.Write(raw); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return nil, ErrNoReply
	}
}
