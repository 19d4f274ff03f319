package main

import (
	"fmt"
	"strconv"
)

// providerList prints each push provider's circuit and the pushes the
// answering node handed it, by result.
func (c *cli) providerList(args []string) error {
	_, api, err := c.connect(args, "provider list", 0)
	if err != nil {
		return err
	}
	list, err := api.Providers(c.ctx())
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	t := c.table("PROVIDER", "CIRCUIT", "PUSHES OK", "ERRORS")
	for _, p := range list.Providers {
		t.row(p.Name, p.Circuit, strconv.FormatInt(p.PushesOK, 10), strconv.FormatInt(p.PushesError, 10))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if list.Node != "" {
		fmt.Fprintf(c.stdout, "counts of node %s since it started\n", list.Node)
	}
	return nil
}

// clientList prints the RADIUS clients the server applies now, never a
// secret.
func (c *cli) clientList(args []string) error {
	_, api, err := c.connect(args, "client list", 0)
	if err != nil {
		return err
	}
	list, err := api.RadiusClients(c.ctx())
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	t := c.table("NAME", "ADDRESS", "TRANSPORT", "KIND", "POLICY", "MESSAGE-AUTHENTICATOR")
	for _, rc := range list.Clients {
		addr := rc.Address
		if rc.Transport == "radsec" && addr == "" {
			addr = "certificate " + rc.TLSSubject + rc.TLSSAN
		}
		t.row(rc.Name, addr, rc.Transport, rc.Kind, rc.Policy, required(rc.RequireMessageAuthenticator))
	}
	return t.flush()
}

// required is a flag as the client table shows it.
func required(on bool) string {
	if on {
		return "required"
	}
	return "optional"
}
