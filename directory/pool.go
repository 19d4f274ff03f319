package directory

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// conn is a pooled connection and the server it goes to.
type conn struct {
	*ldap.Conn
	srv *server
}

// pool keeps up to size connections, made by dial, and runs at most size
// operations at once; the others wait for a free slot (or their context).
type pool struct {
	dial  func() (*conn, error)
	slots chan struct{}
	// onFailure is told when an operation on a fresh connection failed
	// on the network, so the server can be paused.
	onFailure func(*server, error)

	mu     sync.Mutex
	idle   []*conn
	closed bool
}

func newPool(size int, dial func() (*conn, error), onFailure func(*server, error)) *pool {
	return &pool{dial: dial, slots: make(chan struct{}, size), onFailure: onFailure}
}

// do runs op on a connection. A connection whose op failed on the network
// is closed; when it was an idle one (which a restarted server may have
// dropped) op runs once more on a fresh connection. Network failures are
// ErrUnavailable; other errors (LDAP results) come back as they are and
// the connection goes back to the pool.
func (p *pool) do(ctx context.Context, op func(*ldap.Conn) error) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for a directory connection: %w", ErrUnavailable, ctx.Err())
	}
	defer func() { <-p.slots }()
	for retry := false; ; retry = true {
		c, reused, err := p.get()
		if err != nil {
			return err
		}
		err = op(c.Conn)
		if !isNetworkError(err) {
			p.put(c)
			return err
		}
		c.Close()
		if !reused || retry {
			p.onFailure(c.srv, err)
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
}

// get returns an idle connection (reused) or a new one.
func (p *pool) get() (c *conn, reused bool, err error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		c = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !c.IsClosing() {
			p.mu.Unlock()
			return c, true, nil
		}
		c.Close()
	}
	p.mu.Unlock()
	c, err = p.dial()
	return c, false, err
}

// put keeps c for the next operation, unless the pool is closed.
func (p *pool) put(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || c.IsClosing() {
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// close closes the idle connections; connections in use are closed when
// they come back.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		c.Close()
	}
	p.idle = nil
}
