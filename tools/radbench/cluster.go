package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
)

// clusterFlags run push-throughput against several nodes of one cluster
// (or one node on PostgreSQL). etcd and PostgreSQL are the operator's: say
// where they are.
type clusterFlags struct {
	nodes    int
	etcd     string
	storeDSN string
}

func (c *clusterFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&c.nodes, "nodes", 1, "pushauthd nodes of one cluster (>1 needs --etcd and --store-dsn); RADIUS goes to the first, the phones poll and answer through the second")
	fs.StringVar(&c.etcd, "etcd", "", "etcd client URL for the cluster's membership, e.g. http://127.0.0.1:2379")
	fs.StringVar(&c.storeDSN, "store-dsn", "", "PostgreSQL DSN: the nodes' shared store (with --nodes 1: one node on PostgreSQL instead of SQLite)")
}

func (c *clusterFlags) check() error {
	switch {
	case c.nodes < 1:
		return errors.New("--nodes must be 1 or more")
	case c.nodes > 1 && (c.etcd == "" || c.storeDSN == ""):
		return errors.New("--nodes > 1 needs --etcd and --store-dsn")
	}
	return nil
}

// label describes the setup for the result header.
func (c *clusterFlags) label() string {
	store := "SQLite"
	if c.storeDSN != "" {
		store = "PostgreSQL"
	}
	if c.nodes == 1 {
		return "1 node on " + store
	}
	return fmt.Sprintf("%d nodes on %s (etcd %s); Access-Requests to node 1, phones poll and answer through node 2", c.nodes, store, c.etcd)
}

// startNodes starts the configured nodes; with one node and no DSN it is
// startServer. The nodes share one data directory (their keys). stop ends
// them all and removes what they left.
func startNodes(ctx context.Context, so serverOptions, c clusterFlags, progress io.Writer) (nodes []*serverProc, stop func(), err error) {
	if c.storeDSN != "" {
		so.extraYAML += fmt.Sprintf("store: {driver: postgres, dsn: %s}\n", strconv.Quote(c.storeDSN))
	}
	if c.nodes > 1 {
		dir, err := os.MkdirTemp(so.workDir, "radbench-cluster-")
		if err != nil {
			return nil, nil, err
		}
		so.dataDir = dir
	}
	name := "radbench-" + randomHex(4)
	stopAll := func() {
		for _, n := range nodes {
			n.Stop()
		}
		if so.dataDir != "" && !so.keep {
			os.RemoveAll(so.dataDir)
		}
	}
	for i := range c.nodes {
		o := so
		if c.nodes > 1 {
			o.extraYAML += fmt.Sprintf("cluster: {enabled: true, name: %s, node: node-%d, listen: \"127.0.0.1:0\", insecure: true, etcd: {endpoints: [%s]}}\n",
				name, i+1, strconv.Quote(c.etcd))
		}
		n, err := startServer(ctx, o, progress)
		if err != nil {
			stopAll()
			return nil, nil, fmt.Errorf("node %d: %w", i+1, err)
		}
		nodes = append(nodes, n)
	}
	if err := awaitMembers(ctx, nodes); err != nil {
		stopAll()
		return nil, nil, err
	}
	return nodes, stopAll, nil
}

// awaitMembers waits until every node of a cluster sees all of them.
func awaitMembers(ctx context.Context, nodes []*serverProc) error {
	if len(nodes) < 2 {
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range nodes {
		for {
			st, err := n.Admin.Cluster(ctx)
			if err == nil && len(st.Members) == len(nodes) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("node %s does not see %d members: %v", n.AdminURL, len(nodes), err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// answerThrough moves the phones to another node's device API (a load
// balancer in front of the nodes would do the same).
func answerThrough(phones []*phone, node *serverProc) error {
	for _, p := range phones {
		st := p.dev.State()
		st.APIBase = node.DeviceURL
		dev, err := deviceclient.FromState(st)
		if err != nil {
			return err
		}
		p.dev = dev
	}
	return nil
}
