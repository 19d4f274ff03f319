package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// step is where a login in flight stands, as the browser sees it.
type step int

const (
	// stepWaiting: an Access-Request is held by pushauthd while the
	// phone decides; the waiting page polls.
	stepWaiting step = iota
	// stepTimedOut: the push was not answered in time (an
	// Access-Challenge offering push): RESEND or a passcode.
	stepTimedOut
	// stepPasscode: the user chose another option, or the server asks
	// for a passcode or a GridSure answer.
	stepPasscode
	// stepDenied: the push was denied on the phone.
	stepDenied
	// stepFailed: the login is over without success (start over).
	stepFailed
	// stepUnavailable: pushauthd did not answer.
	stepUnavailable
	// stepAccepted: Access-Accept; the next page view signs the user in.
	stepAccepted
)

// errFull means the agent holds as many logins as it may.
var errFull = errors.New("too many logins in flight")

// flow is one browser's login in flight. The flows type owns every flow;
// handlers and RADIUS goroutines get copies and change flows only through
// flows.update.
type flow struct {
	id      string
	user    string
	next    string // where the user was going
	station string // the browser's address, sent as Calling-Station-Id
	step    step
	state   string // RADIUS State of the latest challenge; "" when none is open
	grid    string // a GridSure grid from the latest challenge
	notice  string // a line for the passcode page (e.g. a refused passcode)
	enroll  string // the enrolment page a rejection pointed at ("" when none)
	number  int    // number matching: the number to pick on the phone; 0 when none
	pickup  bool   // number matching: the follow-up request is still to be sent
	gen     int    // the RADIUS exchange whose outcome counts
	expires time.Time
}

// flows holds the logins in flight, at most max, each for at most ttl.
type flows struct {
	mu  sync.Mutex
	m   map[string]*flow
	max int
	ttl time.Duration
	now func() time.Time
}

func newFlows(max int, ttl time.Duration, now func() time.Time) *flows {
	return &flows{m: make(map[string]*flow), max: max, ttl: ttl, now: now}
}

// add stores a new flow under a fresh random id and returns the id;
// errFull when max flows are in flight.
func (f *flows) add(fl flow) (string, error) {
	id, err := randomID()
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.m) >= f.max {
		f.purgeLocked()
	}
	if len(f.m) >= f.max {
		return "", errFull
	}
	fl.id, fl.expires = id, f.now().Add(f.ttl)
	f.m[id] = &fl
	return id, nil
}

// get returns a copy of the flow, if it exists and has not expired.
func (f *flows) get(id string) (flow, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, ok := f.live(id)
	if !ok {
		return flow{}, false
	}
	return *fl, true
}

// update runs change on the flow under the lock and returns a copy of
// the result; false when the flow is gone or change refused (returned
// false).
func (f *flows) update(id string, change func(*flow) bool) (flow, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, ok := f.live(id)
	if !ok || !change(fl) {
		return flow{}, false
	}
	return *fl, true
}

// remove forgets a flow.
func (f *flows) remove(id string) {
	f.mu.Lock()
	delete(f.m, id)
	f.mu.Unlock()
}

// size is the number of flows held (expired ones included until purged).
func (f *flows) size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}

func (f *flows) live(id string) (*flow, bool) {
	fl, ok := f.m[id]
	if !ok {
		return nil, false
	}
	if !f.now().Before(fl.expires) {
		delete(f.m, id)
		return nil, false
	}
	return fl, true
}

func (f *flows) purgeLocked() {
	now := f.now()
	for id, fl := range f.m {
		if !now.Before(fl.expires) {
			delete(f.m, id)
		}
	}
}

// randomID is 128 random bits in hex.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
