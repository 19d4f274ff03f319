package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/internal/radagent"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// idsPerSocket is how many requests one RADIUS socket can have
// outstanding (the identifier is one byte).
const idsPerSocket = 256

// errBusy means every exchange slot is taken.
var errBusy = errors.New("too many RADIUS requests outstanding")

// reply is what pushauthd answered.
type reply struct {
	code    layeh.Code
	message string
	state   string
}

// radiusClient talks to pushauthd over as many UDP sockets as the
// exchanges it may have outstanding need, at most max at a time.
type radiusClient struct {
	secret  []byte
	nasID   string
	timeout time.Duration
	slots   chan struct{}
	sockets []*radclient.Client
	next    atomic.Uint32
}

// dialRADIUS opens the sockets to server (from local, "" for any
// address) for up to max outstanding exchanges.
func dialRADIUS(server, local string, secret []byte, nasID string, timeout time.Duration, max int) (*radiusClient, error) {
	c := &radiusClient{secret: secret, nasID: nasID, timeout: timeout, slots: make(chan struct{}, max)}
	for n := 0; n < max; n += idsPerSocket {
		s, err := radclient.Dial(server, local, secret)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("RADIUS socket to %s: %w", server, err)
		}
		s.Retry = min(5*time.Second, timeout)
		c.sockets = append(c.sockets, s)
	}
	return c, nil
}

// Close closes the sockets; exchanges still waiting fail.
func (c *radiusClient) Close() {
	for _, s := range c.sockets {
		s.Close()
	}
}

// exchange sends one Access-Request and waits for the reply, up to the
// configured timeout. It fails with errBusy at once when max exchanges
// are outstanding.
func (c *radiusClient) exchange(ctx context.Context, r radagent.Request) (reply, error) {
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	default:
		return reply{}, errBusy
	}
	r.NASIdentifier = c.nasID
	p, err := r.Packet(c.secret)
	if err != nil {
		return reply{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	first := int(c.next.Add(1))
	for i := range c.sockets {
		resp, err := c.sockets[(first+i)%len(c.sockets)].Exchange(ctx, p)
		if errors.Is(err, radclient.ErrBusy) {
			continue
		}
		if err != nil {
			return reply{}, fmt.Errorf("RADIUS exchange: %w", err)
		}
		return reply{code: resp.Code, message: radagent.ReplyMessage(resp.Packet),
			state: rfc2865.State_GetString(resp.Packet)}, nil
	}
	return reply{}, errBusy
}
