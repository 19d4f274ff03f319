package actorstest

import (
	"context"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/store"
)

// Pusher is a push provider (the poll kind) that hands every notification
// to the test on Sent and every withdrawn login id on Withdrawn.
type Pusher struct {
	Sent      chan *providers.Notification
	Withdrawn chan string // login ids
	Fail      error       // every Push returns it when set
}

// NewPusher returns a Pusher with room for 1024 notifications.
func NewPusher() *Pusher {
	return &Pusher{Sent: make(chan *providers.Notification, 1024), Withdrawn: make(chan string, 1024)}
}

func (p *Pusher) Name() string { return store.PushPoll }

func (p *Pusher) Push(_ context.Context, n *providers.Notification) error {
	p.Sent <- n
	return p.Fail
}

func (p *Pusher) Withdraw(_, loginID string) { p.Withdrawn <- loginID }

func (p *Pusher) Start(context.Context) error { return nil }

func (p *Pusher) Stop(context.Context) error { return nil }
