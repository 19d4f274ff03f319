package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// fleet is the simulated phones' side: one HTTP client (keep-alive pool)
// shared by every device, as many connections as answering workers.
type fleet struct {
	http *http.Client
}

func newFleet(conns int) *fleet {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     2 * time.Minute,
		DisableCompression:  true,
	}
	return &fleet{http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (f *fleet) close() { f.http.CloseIdleConnections() }

// errNoPush means no new push reached the phone within the wait.
var errNoPush = errors.New("no push arrived")

// next long-polls (up to wait) for a push this phone has not answered yet.
func (f *fleet) next(ctx context.Context, p *phone, wait time.Duration) (push.Payload, error) {
	deadline := time.Now().Add(wait)
	for {
		left := time.Until(deadline)
		list, err := p.dev.Pending(ctx, left, p.answered...)
		if err != nil {
			return push.Payload{}, err
		}
		for _, pl := range list {
			if !slices.Contains(p.answered, pl.Nonce) {
				return pl, nil
			}
		}
		if left < time.Second || ctx.Err() != nil {
			return push.Payload{}, errNoPush
		}
	}
}

// approve waits for the phone's next push and approves it.
func (f *fleet) approve(ctx context.Context, p *phone, wait time.Duration) error {
	pl, err := f.next(ctx, p, wait)
	if err != nil {
		return err
	}
	p.remember(pl.Nonce)
	if err := p.dev.Answer(ctx, pl, push.Approve); err != nil {
		return err
	}
	return nil
}

// errorKind names an error for result tables: the device API's error code,
// a RADIUS client error, or its text.
func errorKind(err error) string {
	var ae *deviceclient.APIError
	switch {
	case errors.As(err, &ae):
		return fmt.Sprintf("device-api %d %s", ae.Status, ae.Code)
	case errors.Is(err, errNoPush):
		return "no push arrived"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	s := err.Error()
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}
