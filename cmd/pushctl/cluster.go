package main

import "fmt"

// clusterStatus prints the cluster as the node behind the admin API sees
// it: its name, this node, and every member's inter-node address, with the
// logins in flight on this node.
func (c *cli) clusterStatus(args []string) error {
	_, api, err := c.connect(args, "cluster status", 0)
	if err != nil {
		return err
	}
	st, err := api.Cluster(c.ctx())
	if err != nil {
		return err
	}
	logins, err := api.LoginPage(c.ctx(), 0)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"cluster": st, "logins_in_flight": logins.Total})
	}
	fmt.Fprintf(c.stdout, "cluster %s: %d members\n", st.Name, len(st.Members))
	t := c.table("MEMBER", "NODE", "LOGINS IN FLIGHT")
	for _, m := range st.Members {
		node, inFlight := "", ""
		if m == st.Address {
			node, inFlight = st.Node+" (this node)", fmt.Sprint(logins.Total)
		}
		t.row(m, node, inFlight)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(st.Members) == 0 {
		return fmt.Errorf("this node sees no members: is etcd reachable?")
	}
	return nil
}
