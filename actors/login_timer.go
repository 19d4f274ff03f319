package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// A login has one timer at a time (NOTIFICATIONTIMEOUT while waiting, the
// challenge timeout while challenged or decided). Each arming bumps
// timerGen, so a timer that was replaced fires into nothing (Receive).

// armTimer replaces the login's single timer.
func (l *login) armTimer(ctx actor.Context, d time.Duration) {
	l.cancelTimer()
	gen, self, root := l.timerGen, ctx.Self(), ctx.ActorSystem().Root
	l.stopTimer = l.deps().Clock.AfterFunc(d, func() { root.Send(self, &timerFired{gen: gen}) })
}

func (l *login) cancelTimer() {
	if l.stopTimer != nil {
		l.stopTimer()
		l.stopTimer = nil
	}
	l.timerGen++
}
