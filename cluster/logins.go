package cluster

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// loginsActor is the name of each node's logins actor, which answers
// MemberLoginsRequest.
const loginsActor = "cluster-logins"

// MaxMemberLogins caps how many logins a member lists in one answer, and
// so how many Logins lists: the counts cover every login, but a list of
// 100,000 would be megabytes on the inter-node connection that carries
// the logins' own messages (gRPC refuses messages over 4 MiB). 1,000 are
// about 100 KB.
const MaxMemberLogins = 1000

// Login is a login in flight on a member.
type Login struct {
	ID      string
	User    string
	Client  string
	State   string
	Started time.Time
	Node    string // the member's cluster.node
}

// LoginSummary counts logins in flight, in all and in each state, and
// lists the oldest, oldest first.
type LoginSummary struct {
	Total  int
	States map[string]int
	Oldest []Login
}

// Logins is the cluster's logins in flight as this node gathered them
// from every member, itself included.
type Logins struct {
	LoginSummary
	// Unanswered are the addresses of the members whose logins are not
	// counted: no answer within StatusDeadline, or their own actors did
	// not answer them. Empty when every member answered.
	Unanswered []string
}

// LoginLister summarizes this node's logins in flight with the limit
// oldest (limit is 0..MaxMemberLogins). It need not set Login.Node.
type LoginLister func(ctx context.Context, limit int) (LoginSummary, error)

// ServeLogins starts this node's logins actor: from now on it answers the
// other members' requests for its logins in flight. Until it runs,
// members report this node as unanswered.
func (n *Node) ServeLogins(list LoginLister) error {
	props := actor.PropsFromProducer(func() actor.Actor {
		return &loginsResponder{node: n.cfg.Node, list: list, root: n.system.Root}
	})
	if _, err := n.system.Root.SpawnNamed(props, loginsActor); err != nil {
		return fmt.Errorf("start the cluster logins actor: %w", err)
	}
	return nil
}

// Logins asks every member (itself included) at once for its logins in
// flight, each bounded by StatusDeadline, and merges the answers: the
// counts add up, and the limit oldest of the cluster are listed (limit is
// clamped to 0..MaxMemberLogins). Members that did not answer are listed
// in Unanswered, never left out silently.
func (n *Node) Logins(ctx context.Context, limit int) Logins {
	limit = min(max(limit, 0), MaxMemberLogins)
	members := n.Members()
	answers := make([]memberLogins, len(members))
	var wg sync.WaitGroup
	for i, addr := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = askLogins(ctx, n.system.Root, actor.NewPID(addr, loginsActor), limit)
		}()
	}
	wg.Wait()
	return mergeLogins(answers, limit)
}

// memberLogins is one member's answer, or why there is none.
type memberLogins struct {
	address string
	logins  *MemberLogins
	err     error
}

// askLogins asks one member's logins actor.
func askLogins(ctx context.Context, root *actor.RootContext, pid *actor.PID, limit int) memberLogins {
	m := memberLogins{address: pid.Address}
	timeout := StatusDeadline
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	res, err := root.RequestFuture(pid, &MemberLoginsRequest{Limit: int32(limit)}, timeout).Result()
	switch ml, ok := res.(*MemberLogins); {
	case err != nil:
		m.err = fmt.Errorf("no answer within %v: %w", timeout.Round(time.Millisecond), err)
	case !ok:
		m.err = fmt.Errorf("unexpected answer %T", res)
	case ml.GetError() != "":
		m.err = fmt.Errorf("its logins: %s", ml.GetError())
	default:
		m.logins = ml
	}
	return m
}

// mergeLogins adds up the members' counts and keeps the limit oldest of
// their lists.
func mergeLogins(answers []memberLogins, limit int) Logins {
	out := Logins{LoginSummary: LoginSummary{States: map[string]int{}}}
	for _, a := range answers {
		if a.logins == nil {
			out.Unanswered = append(out.Unanswered, a.address)
			continue
		}
		out.Total += int(a.logins.GetTotal())
		for state, count := range a.logins.GetStates() {
			out.States[state] += int(count)
		}
		for _, l := range a.logins.GetOldest()[:min(len(a.logins.GetOldest()), limit)] {
			out.Oldest = append(out.Oldest, Login{ID: l.GetId(), User: l.GetUser(), Client: l.GetClient(),
				State: l.GetState(), Started: time.Unix(0, l.GetStartedUnixNano()).UTC(), Node: a.logins.GetNode()})
		}
	}
	slices.SortFunc(out.Oldest, func(a, b Login) int {
		return cmp.Or(a.Started.Compare(b.Started), cmp.Compare(a.Node, b.Node), cmp.Compare(a.ID, b.ID))
	})
	out.Oldest = out.Oldest[:min(len(out.Oldest), limit)]
	return out
}

// loginsResponder is a node's logins actor. Listing the logins asks the
// login owner, so it runs off the mailbox and the answer is sent from
// there.
type loginsResponder struct {
	node string
	list LoginLister
	root *actor.RootContext
}

// Receive implements actor.Actor.
func (a *loginsResponder) Receive(ctx actor.Context) {
	req, ok := ctx.Message().(*MemberLoginsRequest)
	if !ok || ctx.Sender() == nil {
		return
	}
	sender, limit := ctx.Sender(), min(max(int(req.GetLimit()), 0), MaxMemberLogins)
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), StatusDeadline/2) // answer before the asker gives up
		defer cancel()
		a.root.Send(sender, a.answer(cctx, limit))
	}()
}

// answer is this node's MemberLogins.
func (a *loginsResponder) answer(ctx context.Context, limit int) *MemberLogins {
	out := &MemberLogins{Node: a.node}
	sum, err := a.list(ctx, limit)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Total = int64(sum.Total)
	out.States = make(map[string]int64, len(sum.States))
	for state, count := range sum.States {
		out.States[state] = int64(count)
	}
	for _, l := range sum.Oldest[:min(len(sum.Oldest), limit)] {
		out.Oldest = append(out.Oldest, &MemberLogin{Id: l.ID, User: l.User, Client: l.Client, State: l.State,
			StartedUnixNano: l.Started.UnixNano()})
	}
	return out
}
