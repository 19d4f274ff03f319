// Package radclient is a small RADIUS client for pushauth's reference
// agents (pushlogin, pushweb), tools and tests (make demo, tools/radbench,
// end-to-end tests): it multiplexes up to 256 outstanding requests over one
// UDP socket, adds Message-Authenticators to requests and verifies both the
// Response Authenticator and the Message-Authenticator of every reply.
//
// A reply that fails either check is dropped as if it had never arrived
// (RFC 2865 §3, RFC 3579 §3.2): the client keeps waiting and retransmits
// only on its Retry interval, so a server answering with the wrong secret,
// or an on-path attacker forging Access-Accepts (BlastRADIUS,
// CVE-2024-3596), neither gets a reply accepted nor makes the client send
// faster. pushauthd puts a Message-Authenticator in every reply, so a
// reply without one is refused.
package radclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/radius/msgauth"
)

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

	ids    idTable
	closed chan struct{}
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
	c := &Client{conn: conn, secret: secret, Retry: time.Second, closed: make(chan struct{})}
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
		c.ids.deliver(append([]byte(nil), buf[:n]...))
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
		return msgauth.Encode(&q)
	}
	return q.Encode()
}

// Response is a verified reply.
type Response struct {
	*layeh.Packet
	Raw []byte
}

// Exchange sends p with a Message-Authenticator and waits for the reply,
// retransmitting the identical bytes every Retry until ctx ends. Replies
// that do not authenticate are dropped; if ctx ends after some, the
// ErrNoReply says how many.
func (c *Client) Exchange(ctx context.Context, p *layeh.Packet) (*Response, error) {
	id, ch, err := c.ids.reserve()
	if err != nil {
		return nil, err
	}
	defer c.ids.release(id)
	req, err := Encode(p, id, true)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	c.ids.arm(id, func(raw []byte) bool { return authentic(raw, req, c.secret) })
	return c.roundTrip(ctx, id, req, ch)
}

// roundTrip sends req now and again at every Retry tick until an authentic
// reply arrives or ctx ends. A reply that does not authenticate (a late
// reply to an earlier use of the identifier, the wrong secret, a forgery)
// is dropped and does not cause a send: the retransmission interval holds.
func (c *Client) roundTrip(ctx context.Context, id byte, req []byte, ch chan []byte) (*Response, error) {
	retry := time.NewTicker(c.Retry)
	defer retry.Stop()
	dropped := 0
	send := true
	for {
		if send {
			if _, err := c.conn.Write(req); err != nil {
				return nil, fmt.Errorf("send: %w", err)
			}
			send = false
		}
		select {
		case raw := <-ch:
			resp, err := verify(raw, req, c.secret)
			if !errors.Is(err, ErrNotAuthentic) {
				return resp, err
			}
			dropped++
		case <-retry.C:
			send = true
		case <-ctx.Done():
			return nil, noReply(ctx.Err(), dropped+c.ids.dropped(id))
		}
	}
}

// noReply is the error of an exchange that ended without an authentic
// reply, saying how many replies were dropped as not authentic.
func noReply(cause error, dropped int) error {
	if dropped == 0 {
		return fmt.Errorf("%w: %v", ErrNoReply, cause)
	}
	return fmt.Errorf("%w: %v; %d replies dropped: %w (wrong shared secret?)", ErrNoReply, cause, dropped, ErrNotAuthentic)
}

// authentic tells whether raw is a reply to req under secret: its
// Response Authenticator and its Message-Authenticator (RFC 3579 §3.2).
func authentic(raw, req, secret []byte) bool {
	return layeh.IsAuthenticResponse(raw, req, secret) && msgauth.Verify(raw, req[4:20], secret) == nil
}

// verify checks a reply to req (authentic), failing with ErrNotAuthentic.
func verify(raw, req, secret []byte) (*Response, error) {
	if !authentic(raw, req, secret) {
		return nil, ErrNotAuthentic
	}
	p, err := layeh.Parse(raw, secret)
	if err != nil {
		return nil, fmt.Errorf("parse reply: %w", err)
	}
	return &Response{Packet: p, Raw: raw}, nil
}

// SendRaw writes bytes as they are (for tests of retransmissions and
// malformed input) and returns the next reply for identifier id, or
// ErrNoReply when none arrives before ctx ends.
func (c *Client) SendRaw(ctx context.Context, id byte, raw []byte) ([]byte, error) {
	ch, err := c.ids.take(id)
	if err != nil {
		return nil, err
	}
	defer c.ids.release(id)
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
