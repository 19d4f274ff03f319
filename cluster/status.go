package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// statusActor is the name of each node's status actor, which answers
// MemberStatusRequest.
const statusActor = "cluster-status"

// StatusDeadline is how long Status waits for each member's answer; a
// member that does not answer in time is reported as such.
const StatusDeadline = time.Second

// Status is a node's view of the cluster, for operators.
type Status struct {
	Name    string   `json:"name"`
	Node    string   `json:"node"`
	Address string   `json:"address"`
	Members []string `json:"members"` // addresses of every member, this node included
	// Nodes are the members as each reported itself, in Members' order.
	Nodes []MemberReport `json:"nodes"`
}

// MemberReport is one member's answer to this node's status request.
type MemberReport struct {
	Address        string `json:"address"`
	Node           string `json:"node,omitempty"`
	LoginsInFlight int64  `json:"logins_in_flight"`
	// Answered is false when the member did not answer within
	// StatusDeadline (Error says why); Node and LoginsInFlight are then
	// unknown.
	Answered bool   `json:"answered"`
	Error    string `json:"error,omitempty"`
}

// LoginCounter counts the logins in flight on this node.
type LoginCounter func(ctx context.Context) (int, error)

// ServeStatus starts this node's status actor: from now on it answers the
// other members' status requests with its name and count. Until it runs,
// members report this node as not answering.
func (n *Node) ServeStatus(count LoginCounter) error {
	props := actor.PropsFromProducer(func() actor.Actor {
		return &statusResponder{node: n.cfg.Node, count: count, root: n.system.Root}
	})
	if _, err := n.system.Root.SpawnNamed(props, statusActor); err != nil {
		return fmt.Errorf("start the cluster status actor: %w", err)
	}
	return nil
}

// Status reports the cluster as this node sees it now, asking every
// member (itself included) over the cluster for its name and logins in
// flight, all at once, each bounded by StatusDeadline.
func (n *Node) Status(ctx context.Context) Status {
	members := n.Members()
	st := Status{Name: n.cfg.Name, Node: n.cfg.Node, Address: n.Address(), Members: members,
		Nodes: make([]MemberReport, len(members))}
	var wg sync.WaitGroup
	for i, addr := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.Nodes[i] = askStatus(ctx, n.system.Root, actor.NewPID(addr, statusActor))
		}()
	}
	wg.Wait()
	return st
}

// askStatus asks one member's status actor.
func askStatus(ctx context.Context, root *actor.RootContext, pid *actor.PID) MemberReport {
	r := MemberReport{Address: pid.Address}
	timeout := StatusDeadline
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	res, err := root.RequestFuture(pid, &MemberStatusRequest{}, timeout).Result()
	if err != nil {
		r.Error = fmt.Sprintf("no answer within %v: %v", timeout.Round(time.Millisecond), err)
		return r
	}
	ms, ok := res.(*MemberStatus)
	if !ok {
		r.Error = fmt.Sprintf("unexpected answer %T", res)
		return r
	}
	r.Answered, r.Node, r.LoginsInFlight, r.Error = true, ms.GetNode(), ms.GetLoginsInFlight(), ms.GetError()
	return r
}

// statusResponder is a node's status actor. Counting the logins asks the
// login owner, so it runs off the mailbox and the answer is sent from
// there.
type statusResponder struct {
	node  string
	count LoginCounter
	root  *actor.RootContext
}

// Receive implements actor.Actor.
func (a *statusResponder) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*MemberStatusRequest); !ok || ctx.Sender() == nil {
		return
	}
	sender := ctx.Sender()
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), StatusDeadline/2) // answer before the asker gives up
		defer cancel()
		st := &MemberStatus{Node: a.node}
		n, err := a.count(cctx)
		if err != nil {
			st.Error = err.Error()
		}
		st.LoginsInFlight = int64(n)
		a.root.Send(sender, st)
	}()
}
