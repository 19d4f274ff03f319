package console

import (
	"net/netip"
	"sync"
	"time"
)

// Limits of sign-ins in progress: a flood of sign-in forms cannot grow
// memory, and an abandoned one is forgotten.
const (
	maxFlows          = 256
	maxFlowsPerSource = 8 // one address cannot take the others' share
	flowTTL           = 5 * time.Minute
)

// Steps of a sign-in.
const (
	stepConfirm  = "confirm"  // a pending action waits for the operator's password
	stepWaiting  = "waiting"  // for the login's answer (the phone)
	stepPasscode = "passcode" // the login asks for a passcode
	stepDone     = "done"     // accepted: the next status call signs in
	stepRefused  = "refused"
)

// flow is one sign-in in progress.
type flow struct {
	user, role, station string
	group               bool       // the role comes from a directory group
	source              netip.Addr // the browser's address (IPv6: its /64), for the cap per source
	started             time.Time
	step                string
	number              int    // number to pick on the phone, 0 when none
	message             string // the login's message at a passcode step
	state               string // the login's State for the next answer
	// action is what a re-authentication confirms (reauth.go); nil for
	// a sign-in.
	action *pendingAction
}

// flows are the sign-ins in progress, by random id.
type flows struct {
	mu  sync.Mutex
	all map[string]*flow
}

// add keeps f under a new id; "" when there are too many.
func (fs *flows) add(f *flow, now time.Time) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for id, old := range fs.all {
		if now.Sub(old.started) > flowTTL {
			delete(fs.all, id)
		}
	}
	if len(fs.all) >= maxFlows || fs.fromSource(f.source) >= maxFlowsPerSource {
		return ""
	}
	id := randomToken()
	fs.all[id] = f
	return id
}

// fromSource counts the flows from source (under the lock).
func (fs *flows) fromSource(source netip.Addr) int {
	n := 0
	for _, f := range fs.all {
		if f.source == source {
			n++
		}
	}
	return n
}

// update runs fn on the flow id under the lock; false when it is gone.
func (fs *flows) update(id string, fn func(*flow)) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, ok := fs.all[id]
	if ok {
		fn(f)
	}
	return ok
}

// view is a copy of the flow id.
func (fs *flows) view(id string) (flow, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, ok := fs.all[id]
	if !ok {
		return flow{}, false
	}
	return *f, true
}

// take removes the flow id and returns it when ok says so, under the
// lock: of two requests for the same flow, one at most gets it.
func (fs *flows) take(id string, ok func(*flow) bool) (flow, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, found := fs.all[id]
	if !found || !ok(f) {
		return flow{}, false
	}
	delete(fs.all, id)
	return *f, true
}

func (fs *flows) remove(id string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	delete(fs.all, id)
}

// waitView is what the waiting page shows and where it polls: a
// sign-in's, or a re-authentication's (reauth.go).
type waitView struct {
	What      string // the action being confirmed; "" for a sign-in
	Status    string // the status URL the page polls
	Passcode  string // where the passcode form posts
	Again     string // where to go after a refusal
	AgainText string
	Refused   string // what the page says after a refusal
}

// signInWait is the sign-in's waiting page.
func signInWait() waitView {
	return waitView{Status: "/console/signin/status", Passcode: "/console/signin/passcode",
		Again: "/console/signin", AgainText: "Sign in again", Refused: "Sign-in refused."}
}
