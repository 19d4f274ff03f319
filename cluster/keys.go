package cluster

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/pushauth/pushauth/config"
)

// keysPrefix is where the cluster's key fingerprints are kept in etcd.
const keysPrefix = "/pushauth-keys"

// checkKeys makes sure every node of the cluster signs pushes with the same
// key: the first node to join records the key's fingerprint in etcd, and a
// node whose fingerprint differs is refused (its pushes would not verify on
// phones activated through another node). The server key that seals
// secrets is checked by the store (PostgreSQL keeps its fingerprint).
func checkKeys(ctx context.Context, cfg config.Cluster, fingerprint string) error {
	if fingerprint == "" {
		return nil
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: cfg.EtcdEndpoints, DialTimeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("cluster.etcd.endpoints: %w", err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Outside the members' prefix: protoactor reads every key under it as
	// a member record.
	key := keysPrefix + "/" + cfg.Name + "/push-signing-key"
	resp, err := cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, fingerprint)).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return fmt.Errorf("cluster.etcd.endpoints: record the push-signing key: %w", err)
	}
	if resp.Succeeded {
		return nil
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 1 && string(kvs[0].Value) != fingerprint {
		return fmt.Errorf("this node's push-signing key (fingerprint %s) differs from the cluster %q's (%s): "+
			"copy data_dir/push-signing.key from a running node", fingerprint, cfg.Name, kvs[0].Value)
	}
	return nil
}
