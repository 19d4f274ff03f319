package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/cluster/local"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/providers/poll"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// ownerActor is the actors' login owner ("logins" in actors/system.go):
// once it answers on a member, that member's actors run and it can take
// slot queries and answers.
const ownerActor = "logins"

// network is the cluster this server is a node of: *cluster.Node, or a
// cluster of one (*local.Network) when it runs alone, so that the actors
// and the poll provider route the same way in both.
type network interface {
	actors.Network
	poll.Ring
	// Stop leaves the cluster (a cluster of one: shuts its actor system
	// down).
	Stop(ctx context.Context) error
}

// joinNetwork makes this server a cluster node when cluster.enabled is
// true (SPEC S7), else a cluster of one: no listener, gossip or etcd.
func (s *Server) joinNetwork() error {
	if !s.cfg.Cluster.Enabled {
		s.net = local.New(s.log)
		return nil
	}
	node, err := cluster.Start(s.cfg.Cluster, keyFingerprint(s.signer), s.log, cluster.ReadyWhenActor(ownerActor))
	if err != nil {
		return err
	}
	s.node, s.net = node, node
	return nil
}

// clusterInfo is the admin API's view of the cluster (nil when alone: GET
// /v1/cluster says the server runs alone).
func (s *Server) clusterInfo() adminapi.ClusterInfo {
	if s.node == nil {
		return nil
	}
	return s.node
}

// clusterLogins gathers every member's logins for GET /v1/logins (nil
// when alone: the API lists this server's own).
func (s *Server) clusterLogins() adminapi.ClusterLoginLister {
	if s.node == nil {
		return nil
	}
	return s.node
}

// serveClusterStatus lets the other members ask this node for its name
// and logins in flight (GET /v1/cluster on any node lists every node's),
// and for its oldest logins (GET /v1/logins on any node lists the
// cluster's).
func (s *Server) serveClusterStatus() error {
	if s.node == nil {
		return nil
	}
	err := s.node.ServeStatus(func(ctx context.Context) (int, error) {
		sum, err := s.sys.LoginSummary(ctx, 0) // the count alone, no copy of the logins
		return sum.Total, err
	})
	if err != nil {
		return err
	}
	return s.node.ServeLogins(s.memberLogins)
}

// memberLogins is this node's answer to a member's request for its
// logins in flight.
func (s *Server) memberLogins(ctx context.Context, limit int) (cluster.LoginSummary, error) {
	sum, err := s.sys.LoginSummary(ctx, limit)
	if err != nil {
		return cluster.LoginSummary{}, err
	}
	out := cluster.LoginSummary{Total: sum.Total, States: sum.States, Oldest: make([]cluster.Login, 0, len(sum.Oldest))}
	for _, l := range sum.Oldest {
		out.Oldest = append(out.Oldest, cluster.Login{ID: l.ID, User: l.User, Client: l.Client, State: l.State, Started: l.Started})
	}
	return out, nil
}

// keyFingerprint identifies the push-signing key (its public half).
func keyFingerprint(signer *push.Signer) string {
	sum := sha256.Sum256([]byte(signer.PublicKey()))
	return hex.EncodeToString(sum[:16])
}

// joinSecret keys the digests that recognise a join. It is derived from
// the push-signing key, which every node of a cluster shares, so that a
// request re-sent to another node joins the login waiting on the first.
func joinSecret(key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil // random per node: joins stay within a node
	}
	sum := sha256.Sum256(append([]byte("pushauth join key\x00"), der...))
	return sum[:]
}

// leaveNetwork leaves the cluster after the logins have ended.
func (s *Server) leaveNetwork(ctx context.Context) {
	if err := s.net.Stop(ctx); err != nil {
		s.log.Error().Err(err).Msg("leave the cluster")
	}
}

// Node is the server's cluster membership (nil when it runs alone).
func (s *Server) Node() *cluster.Node { return s.node }

// nodeName is the name audit records and metrics carry: cluster.node on a
// cluster node, empty when the server runs alone.
func nodeName(c config.Cluster) string {
	if !c.Enabled {
		return ""
	}
	return c.Node
}

// storeOptions stamp this node's name on its audit records.
func storeOptions(c config.Cluster) []store.Option {
	return []store.Option{store.WithNode(nodeName(c))}
}

// metricsRegistry is the server's Prometheus registry. On a cluster node
// every collector registers through a wrapper that adds the constant label
// node="<cluster.node>" to its series, so the nodes' series stay apart when
// one Prometheus scrapes them all; alone, series have no node label.
type metricsRegistry struct {
	reg  *prometheus.Registry
	wrap prometheus.Registerer
}

var (
	_ prometheus.Registerer = (*metricsRegistry)(nil)
	_ prometheus.Gatherer   = (*metricsRegistry)(nil)
)

func newMetricsRegistry(c config.Cluster) *metricsRegistry {
	reg := prometheus.NewRegistry()
	m := &metricsRegistry{reg: reg, wrap: reg}
	if node := nodeName(c); node != "" {
		m.wrap = prometheus.WrapRegistererWith(prometheus.Labels{"node": node}, reg)
	}
	return m
}

// Register implements prometheus.Registerer.
func (m *metricsRegistry) Register(c prometheus.Collector) error { return m.wrap.Register(c) }

// MustRegister implements prometheus.Registerer.
func (m *metricsRegistry) MustRegister(cs ...prometheus.Collector) { m.wrap.MustRegister(cs...) }

// Unregister implements prometheus.Registerer.
func (m *metricsRegistry) Unregister(c prometheus.Collector) bool { return m.wrap.Unregister(c) }

// Gather implements prometheus.Gatherer.
func (m *metricsRegistry) Gather() ([]*dto.MetricFamily, error) { return m.reg.Gather() }
