package actors

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/push"
)

// Number matching (SPEC S10.3): the login picks a two-digit number, shows
// it to the user at the agent in an immediate Access-Challenge, and sends
// it to the phone among three choices. An approve must name it; a wrong
// pick ends the login like a deny. The agent sends the challenge's State
// back with an empty answer, and the server holds that request for the
// push as it holds a first request.

// numberMatch is a login's number and the choices its pushes carry, made
// at its first push under number matching (every later push of the login
// carries the same).
type numberMatch struct {
	number  int    // 10..99
	choices [3]int // distinct numbers, one of them number, in random order
	shown   bool   // the immediate challenge went out
	pickup  bool   // the agent has not come back with the challenge's State yet
	// decided is the outcome reached before the agent came back, kept
	// until it does (or the challenge expires).
	decided *outcome
}

func newNumberMatch() *numberMatch {
	m := &numberMatch{choices: drawChoices()}
	m.number = m.choices[randInt(len(m.choices))]
	return m
}

// picked tells whether an approve named the login's number (always true
// without number matching).
func (m *numberMatch) picked(n int32) bool { return m == nil || int(n) == m.number }

// awaitingPickup tells whether the agent has not yet come back for the
// outcome of the number challenge.
func (m *numberMatch) awaitingPickup() bool { return m != nil && m.pickup }

// drawChoices returns three distinct numbers in 10..99.
func drawChoices() [3]int {
	var out [3]int
	for i := 0; i < len(out); {
		n := 10 + randInt(90)
		if !slices.Contains(out[:i], n) {
			out[i] = n
			i++
		}
	}
	return out
}

// randInt is uniform in [0, n) from crypto/rand.
func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil { // crypto/rand does not fail on supported platforms
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return int(v.Int64())
}

// showNumber answers the held requests with the immediate challenge that
// shows the number, once per login.
func (l *login) showNumber(ctx actor.Context) {
	if l.match == nil || l.match.shown {
		return
	}
	l.match.shown, l.match.pickup = true, true
	l.replyHeld(ctx, Challenge, fmt.Sprintf(push.NumberPrompt, l.match.number), l.id)
}

// holdForNumber holds, while waiting, the agent's follow-up to the number
// challenge (an empty answer or "push"): it gets the push's outcome.
func (l *login) holdForNumber(a *Attempt) bool {
	if l.match == nil || !l.match.shown || !auth.IsPushRequest(a.Password) {
		return false
	}
	l.match.pickup = false
	l.held = append(l.held, a)
	return true
}
