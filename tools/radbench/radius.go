package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// radPool is many RADIUS client sockets from one source address; each
// socket multiplexes up to 256 outstanding requests.
type radPool struct {
	clients []*radclient.Client
}

// dialPool opens n sockets from source (an IP) to server.
func dialPool(server, source string, n int, retry time.Duration) (*radPool, error) {
	p := &radPool{}
	for range max(n, 1) {
		c, err := radclient.Dial(server, source+":0", []byte(radiusSecret))
		if err != nil {
			p.Close()
			return nil, err
		}
		c.Retry = retry
		p.clients = append(p.clients, c)
	}
	return p, nil
}

// get returns the socket for worker or login i.
func (p *radPool) get(i int) *radclient.Client { return p.clients[i%len(p.clients)] }

// udpLogins is a radPool as a loginPool.
type udpLogins struct{ *radPool }

func (u udpLogins) get(i int) exchanger { return u.radPool.get(i) }

func (p *radPool) Close() {
	for _, c := range p.clients {
		c.Close()
	}
}

// exchange sends one Access-Request and returns the reply's code.
func exchange(ctx context.Context, c exchanger, user, password, state string) (layeh.Code, string, error) {
	r, err := c.Exchange(ctx, radclient.NewAccessRequest([]byte(radiusSecret), user, password, state, ""))
	if err != nil {
		return 0, "", err
	}
	return r.Code, rfc2865.State_GetString(r.Packet), nil
}

// outcomes counts login results by kind, safely from many goroutines.
type outcomes struct {
	mu     sync.Mutex
	counts map[string]int
}

func (o *outcomes) add(kind string) {
	o.mu.Lock()
	if o.counts == nil {
		o.counts = map[string]int{}
	}
	o.counts[kind]++
	o.mu.Unlock()
}

func (o *outcomes) get(kind string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[kind]
}

// total is the number of results counted.
func (o *outcomes) total() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, c := range o.counts {
		n += c
	}
	return n
}

// String lists the counts, e.g. "Access-Accept=100 timeout=2".
func (o *outcomes) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return formatCounts(o.counts)
}

// radiusErrorKind names a failed exchange.
func radiusErrorKind(err error) string {
	switch {
	case errors.Is(err, radclient.ErrNoReply):
		return "no reply"
	case errors.Is(err, radclient.ErrBusy):
		return "socket busy"
	}
	return fmt.Sprintf("error: %v", err)
}
