package main

import (
	"context"
	"time"
)

// flow limits the requests the server has not yet turned into a push to a
// window, reading the server's push counter every 20 ms: the server's
// RADIUS socket keeps the kernel's default receive buffer (~200 KiB, a few
// hundred datagrams), and a burst beyond it is lost until the client
// retransmits.
type flow struct {
	tokens chan struct{}
	done   chan struct{}
}

// newFlow starts the flow control; window 0 turns it off.
func newFlow(ctx context.Context, srv *serverProc, window int, pushes0 float64) *flow {
	f := &flow{done: make(chan struct{})}
	if window <= 0 {
		return f
	}
	f.tokens = make(chan struct{}, window)
	for range window {
		f.tokens <- struct{}{}
	}
	go func() {
		seen := pushes0
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-f.done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			m, err := srv.Metrics(ctx)
			if err != nil {
				continue
			}
			for now := m[pushesOK]; seen < now; seen++ {
				select {
				case f.tokens <- struct{}{}:
				default:
				}
			}
		}
	}()
	return f
}

// acquire waits until the window has room for one more request.
func (f *flow) acquire(ctx context.Context) error {
	if f.tokens == nil {
		return nil
	}
	select {
	case <-f.tokens:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *flow) stop() { close(f.done) }
