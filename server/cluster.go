package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/cluster"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

// joinCluster makes this server a cluster node when cluster.enabled is
// true (SPEC S7); nil when it runs alone.
func (s *Server) joinCluster() error {
	if !s.cfg.Cluster.Enabled {
		return nil
	}
	node, err := cluster.Start(s.cfg.Cluster, keyFingerprint(s.signer), s.log)
	if err != nil {
		return err
	}
	s.node, s.mailboxes = node, node.Mailboxes(s.poll)
	return nil
}

// network is the actors' view of the cluster (nil when alone).
func (s *Server) network() actors.Network {
	if s.node == nil {
		return nil
	}
	return s.node
}

// pollProvider is the "poll" push provider: this node's mailboxes, or the
// cluster's device mailboxes on a cluster node (SPEC S5.3).
func (s *Server) pollProvider() providers.Provider {
	if s.mailboxes == nil {
		return s.poll
	}
	return s.mailboxes
}

// poller is where the device API finds poll-mode devices' pushes.
func (s *Server) poller() deviceapi.Poller {
	if s.mailboxes == nil {
		return s.poll
	}
	return s.mailboxes
}

// clusterInfo is the admin API's view of the cluster (nil when alone).
func (s *Server) clusterInfo() adminapi.ClusterInfo {
	if s.node == nil {
		return nil
	}
	return s.node
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

// leaveCluster leaves the cluster after the logins have ended.
func (s *Server) leaveCluster(ctx context.Context) {
	if s.node == nil {
		return
	}
	if err := s.node.Stop(ctx); err != nil {
		s.log.Error().Err(err).Msg("leave the cluster")
	}
}

// Node is the server's cluster membership (nil when it runs alone).
func (s *Server) Node() *cluster.Node { return s.node }
