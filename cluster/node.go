// Package cluster makes a pushauth server one node of several: protoactor
// remoting between the nodes (gRPC, mutual TLS unless the operator chose
// plaintext) and membership kept in etcd (SPEC S7). The actors package runs
// logins on the actor system a Node provides; this package only knows who
// the members are, how to reach them, and which member keeps a user's push
// slot or a device's queue (rendezvous hashing). A single node is a cluster
// of one (cluster/local).
package cluster

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/etcd"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/rs/zerolog"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pushauth/pushauth/config"
)

// etcdPrefix is where the members register in etcd, under
// etcdPrefix/NAME/NAME/ID: protoactor appends the cluster name to its base
// key and watches that as a bare prefix, so with etcdPrefix as the base a
// cluster named "a" also saw the members of one named "ab". The name in
// the base key, followed by "/", keeps every cluster to itself.
const etcdPrefix = "/pushauth"

// Node is this server's membership in the cluster.
type Node struct {
	cfg     config.Cluster
	system  *actor.ActorSystem
	cluster *pcluster.Cluster
	peers   *peers // members verified over mutual TLS
	stop    context.CancelFunc
	log     zerolog.Logger
	// logFilter demotes protoactor's repeated warnings about a peer;
	// setSelf tells it this node's address once bound.
	logFilter *peerLogFilter
	setSelf   func()

	mu      sync.Mutex
	watches []func() // called when the members this node uses change (Watch)
}

// Start binds the inter-node address, registers this node in etcd and
// returns once it is a member. pushKey is the fingerprint of the node's
// push-signing key: a node whose key differs from the cluster's is refused.
// Errors (address in use, etcd unreachable, bad TLS files, another key) are
// returned, never panicked.
func Start(cfg config.Cluster, pushKey string, log zerolog.Logger, opts ...Option) (*Node, error) {
	log = log.With().Str("component", "cluster").Str("node", cfg.Node).Logger()
	rc, tlsPeers, err := remoteConfig(cfg)
	if err != nil {
		return nil, err
	}
	if err := checkKeys(context.Background(), cfg, pushKey); err != nil {
		return nil, err
	}
	if err := checkBindable(cfg.Listen); err != nil {
		return nil, err
	}
	provider, err := etcd.NewWithConfig(etcdPrefix+"/"+cfg.Name, clientv3.Config{
		Endpoints: cfg.EtcdEndpoints, DialTimeout: 5 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster.etcd.endpoints: %w", err)
	}
	n := newNode(cfg, tlsPeers, log)
	for _, opt := range opts {
		opt(n)
	}
	if err := n.join(provider, rc); err != nil {
		return nil, err
	}
	log.Info().Str("cluster", cfg.Name).Str("address", n.Address()).Strs("etcd", cfg.EtcdEndpoints).
		Bool("mutual_tls", tlsPeers != nil).Msg("joined the cluster")
	return n, nil
}

// Option tunes a Node as it starts.
type Option func(*Node)

// ReadyWhenActor makes this node use another member only once the actor
// named name answers there (protoactor's Touch): a member registers in
// etcd before its server has started its actors, and messages sent to an
// actor that does not exist yet are lost.
func ReadyWhenActor(name string) Option {
	return func(n *Node) {
		n.peers.ready = func(ctx context.Context, addr string) error { return n.touch(ctx, addr, name) }
	}
}

// touch asks the actor name on the member at addr to answer.
func (n *Node) touch(ctx context.Context, addr, name string) error {
	timeout := time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	res, err := n.system.Root.RequestFuture(actor.NewPID(addr, name), &actor.Touch{}, timeout).Result()
	if err != nil {
		return fmt.Errorf("actor %s: %w", name, err)
	}
	if _, ok := res.(*actor.Touched); !ok {
		return fmt.Errorf("actor %s answered %T", name, res)
	}
	return nil
}

// newNode makes the node's actor system; join starts its membership.
func newNode(cfg config.Cluster, tlsPeers *peerTLS, log zerolog.Logger) *Node {
	var self atomic.Pointer[string] // set once the system has its address
	filter := newPeerLogFilter(zerolog.NewSlogHandler(log), func() string {
		if a := self.Load(); a != nil {
			return *a
		}
		return ""
	})
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(filter)
	}))
	n := &Node{cfg: cfg, system: system, log: log, logFilter: filter}
	n.setSelf = func() { a := n.Address(); self.Store(&a) }
	base, stop := context.WithCancel(context.Background())
	n.stop = stop
	n.peers = newPeers(base, tlsPeers, n.Address, n.allMembers, n.membersChanged, log)
	system.EventStream.Subscribe(func(evt any) {
		if t, ok := evt.(*pcluster.ClusterTopology); ok {
			for _, m := range t.Joined {
				filter.forget(m.Address()) // back: its next warning shows
			}
			n.peers.onTopology(t)
			n.membersChanged()
		}
	})
	return n
}

// membersChanged tells the watchers (the poll provider's device queues)
// that the members this node uses changed (a member joined, left or was
// verified).
func (n *Node) membersChanged() {
	n.mu.Lock()
	watches := slices.Clone(n.watches)
	n.mu.Unlock()
	for _, f := range watches {
		f()
	}
}

// Watch calls f, which must not block, whenever the members this node
// uses change (poll.Ring).
func (n *Node) Watch(f func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.watches = append(n.watches, f)
}

// join registers the node in etcd and, with mutual TLS, checks that the
// members already there accept it.
func (n *Node) join(provider pcluster.ClusterProvider, rc *remote.Config) error {
	n.cluster = pcluster.New(n.system, pcluster.Configure(n.cfg.Name, provider, disthash.New(), rc))
	if err := startMember(n.cluster); err != nil {
		n.stop()
		n.system.Shutdown()
		return err
	}
	n.setSelf()
	if err := n.peers.checkJoin(context.Background()); err != nil {
		// Leave at once: out of etcd, then no graceful wait for
		// connections that never worked (protoactor waits 2 s + up to 10 s).
		n.stop()
		_ = provider.Shutdown(true)
		n.cluster.Shutdown(false)
		return err
	}
	return nil
}

// startMember runs protoactor's StartMember, which panics on provider or
// bind errors, and turns a panic into an error.
func startMember(c *pcluster.Cluster) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("join the cluster: %v", r)
		}
	}()
	c.StartMember()
	return nil
}

// checkBindable fails early with a clear error when the inter-node address
// cannot be bound (protoactor would panic).
func checkBindable(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cluster.listen: %w", err)
	}
	return ln.Close()
}

// remoteConfig is protoactor's remote configuration: the listen address,
// the advertised one, and gRPC transport credentials (with the TLS half
// used to verify peers; nil for plaintext).
func remoteConfig(cfg config.Cluster) (*remote.Config, *peerTLS, error) {
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster.listen: %w", err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster.listen: %w", err)
	}
	dial, serve, tlsPeers, err := transport(cfg)
	if err != nil {
		return nil, nil, err
	}
	opts := []remote.ConfigOption{remote.WithDialOptions(dial...), remote.WithServerOptions(serve...)}
	if cfg.Advertise != "" { // else the address actually bound (listen port 0, tests)
		opts = append(opts, remote.WithAdvertisedHost(cfg.Advertise))
	}
	return remote.Configure(host, port, opts...), tlsPeers, nil
}

// System is the actor system the node's actors run on.
func (n *Node) System() *actor.ActorSystem { return n.system }

// Address is this node's inter-node address as other nodes dial it.
func (n *Node) Address() string { return n.system.Address() }

// Alive tells whether address is a current member, one that did not
// refuse mutual TLS. Unlike Members it does not wait for a new member's
// readiness check: a login id can only name a node whose actors run, and
// its answer must not be refused (404) because this node has not checked
// that member yet.
func (n *Node) Alive(address string) bool {
	if address == n.Address() {
		return true
	}
	return !n.peers.refused(address) && slices.Contains(n.allMembers(), address)
}

// Members lists the addresses of the members this node uses: every member,
// or with mutual TLS those verified (this node always).
func (n *Node) Members() []string {
	var out []string
	for _, addr := range n.allMembers() {
		if n.peers.trusted(addr) {
			out = append(out, addr)
		}
	}
	return out
}

// allMembers lists every member registered in etcd, verified or not.
func (n *Node) allMembers() []string {
	if n.cluster == nil {
		return nil
	}
	var out []string
	for _, m := range n.cluster.MemberList.Members().Members() {
		out = append(out, m.Address())
	}
	return out
}

// Stop leaves the cluster: etcd forgets this node and the inter-node
// connections close. ctx bounds the wait.
func (n *Node) Stop(ctx context.Context) error {
	done := make(chan struct{})
	n.stop()
	go func() {
		defer close(done)
		n.cluster.Shutdown(true)
	}()
	select {
	case <-done:
		n.log.Info().Msg("left the cluster")
		return nil
	case <-ctx.Done():
		return fmt.Errorf("leave the cluster: %w", ctx.Err())
	}
}

// SlotNode is the member that keeps user's push slot (see rendezvous).
func (n *Node) SlotNode(user string) string { return n.rendezvous("user\x00" + user) }

// Place is the member that keeps deviceID's queue of poll-mode pushes
// (see rendezvous; this node while it knows no member), and whether that
// is this node (poll.Ring).
func (n *Node) Place(deviceID string) (member string, local bool) {
	member = n.rendezvous("device\x00" + deviceID)
	if member == "" {
		member = n.Address()
	}
	return member, member == n.Address()
}

// rendezvous is the member that owns key: rendezvous hashing of the key
// over the members' addresses, so every node computes the same answer from
// the same member list, and a member joining or leaving moves only the
// keys it owns.
func (n *Node) rendezvous(key string) string {
	best, bestScore := "", uint64(0)
	for _, addr := range n.Members() {
		h := fnv.New64a()
		h.Write([]byte(key))
		h.Write([]byte{0})
		h.Write([]byte(addr))
		if s := h.Sum64(); best == "" || s > bestScore {
			best, bestScore = addr, s
		}
	}
	return best
}
