package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// replies is the node's RADIUS reply process: a login answers an Attempt by
// sending a Reply to the Attempt's reply_to PID, which is this process on
// the node whose socket received the request (possibly another node). It is
// a bare process, not an actor: delivering a reply is a map lookup and a
// call, with no mailbox between the login and the socket.
type replies struct {
	mu      sync.Mutex
	next    uint64
	waiting map[uint64]func(*Reply)
}

var _ actor.Process = (*replies)(nil)

func newReplies() *replies {
	return &replies{waiting: make(map[uint64]func(*Reply))}
}

// hold registers the function that sends a request's reply and returns the
// request's handle.
func (r *replies) hold(send func(*Reply)) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	r.waiting[r.next] = send
	return r.next
}

// take removes and returns a request's reply function (nil when the
// request was answered already or is unknown).
func (r *replies) take(id uint64) func(*Reply) {
	r.mu.Lock()
	defer r.mu.Unlock()
	send := r.waiting[id]
	delete(r.waiting, id)
	return send
}

// held is the number of requests waiting for a reply.
func (r *replies) held() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.waiting)
}

// SendUserMessage delivers a Reply to its request, once.
func (r *replies) SendUserMessage(_ *actor.PID, message any) {
	rep, ok := actor.UnwrapEnvelopeMessage(message).(*Reply)
	if !ok {
		return
	}
	if send := r.take(rep.RequestId); send != nil {
		send(rep)
	}
}

// SendSystemMessage implements actor.Process; replies has no lifecycle.
func (r *replies) SendSystemMessage(*actor.PID, any) {}

// Stop implements actor.Process.
func (r *replies) Stop(*actor.PID) {}
