package deviceapitest

import (
	"context"
	"sync"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/providers/poll"
	"github.com/pushauth/pushauth/push"
)

// Logins stands in for the actor system behind deviceapi.Answerer: it
// knows the pushes Server.Push sent and judges answers as a login does
// (wrong device, stale nonce, answered once), recording every answer.
type Logins struct {
	poll *poll.Provider

	mu      sync.Mutex
	pushes  map[string]*pending // by login id
	answers []Answer
	err     error
}

type pending struct {
	payload  push.Payload
	answered bool
	stale    bool
}

// NewLogins returns an empty set of logins that withdraw answered pushes
// from p.
func NewLogins(p *poll.Provider) *Logins {
	return &Logins{poll: p, pushes: map[string]*pending{}}
}

func (l *Logins) add(p push.Payload) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pushes[p.LoginID] = &pending{payload: p}
}

// Answer is an answer the fake received, as plain values.
type Answer struct {
	LoginID, DeviceID, Nonce, Decision string
	Report                             bool
	Number                             int // picked under number matching
}

// Answer implements deviceapi.Answerer.
func (l *Logins) Answer(_ context.Context, a *actors.Answer) (actors.AnswerStatus, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answers = append(l.answers, Answer{LoginID: a.LoginId, DeviceID: a.DeviceId, Nonce: a.Nonce, Decision: a.Decision, Report: a.Report,
		Number: int(a.Number)})
	if l.err != nil {
		return 0, l.err
	}
	p, ok := l.pushes[a.LoginId]
	switch {
	case !ok:
		return actors.AnswerUnknownLogin, nil
	case p.payload.DeviceID != a.DeviceId:
		return actors.AnswerWrongDevice, nil
	case p.stale || p.payload.Nonce != a.Nonce:
		return actors.AnswerStale, nil
	case p.answered:
		return actors.AnswerAlreadyAnswer, nil
	}
	p.answered = true
	l.poll.Withdraw(a.DeviceId, a.LoginId)
	return actors.AnswerAccepted, nil
}

// Answers returns every answer received so far, in order.
func (l *Logins) Answers() []Answer {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Answer(nil), l.answers...)
}

// Expire marks a login's push as expired.
func (l *Logins) Expire(loginID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.pushes[loginID]; ok {
		p.stale = true
	}
}

// SetError makes every later Answer fail with err (nil restores).
func (l *Logins) SetError(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.err = err
}
