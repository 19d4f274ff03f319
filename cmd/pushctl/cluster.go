package main

import (
	"fmt"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// clusterStatus prints the cluster as the node behind the admin API sees
// it: its name, and every member's inter-node address, node name and
// logins in flight as the member itself answered over the cluster; a
// member that did not answer in time is marked so.
func (c *cli) clusterStatus(args []string) error {
	_, api, err := c.connect(args, "cluster status", 0)
	if err != nil {
		return err
	}
	st, err := api.Cluster(c.ctx())
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"cluster": st, "logins_in_flight": loginsHere(st)})
	}
	fmt.Fprintf(c.stdout, "cluster %s: %d members\n", st.Name, len(st.Members))
	t := c.table("MEMBER", "NODE", "LOGINS IN FLIGHT")
	for _, m := range st.Nodes {
		t.row(memberRow(st, m)...)
	}
	if len(st.Nodes) == 0 { // a server from before members reported themselves
		for _, m := range st.Members {
			t.row(m, "", "")
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(st.Members) == 0 {
		return fmt.Errorf("this node sees no members: is etcd reachable?")
	}
	return nil
}

// memberRow is one member's line: address, node (the node asked marked
// "(this node)") and logins in flight, or why they are unknown.
func memberRow(st *apitype.ClusterStatus, m apitype.ClusterMember) []string {
	node, inFlight := m.Node, fmt.Sprint(m.LoginsInFlight)
	switch {
	case !m.Answered:
		node, inFlight = "?", "no answer"
	case m.Error != "":
		inFlight = "unknown: " + m.Error
	}
	if m.Address == st.Address {
		node += " (this node)"
	}
	return []string{m.Address, node, inFlight}
}

// loginsHere is the logins in flight on the node asked (the JSON output's
// logins_in_flight, kept from before members reported their own).
func loginsHere(st *apitype.ClusterStatus) int64 {
	for _, m := range st.Nodes {
		if m.Address == st.Address {
			return m.LoginsInFlight
		}
	}
	return 0
}
