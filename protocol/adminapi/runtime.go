package adminapi

import (
	"net/http"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// ProviderHealth reports the push providers; the server implements it
// from its metrics.
type ProviderHealth interface {
	// Providers lists every configured provider, by name, with its
	// circuit and this node's push counts.
	Providers() []apitype.Provider
}

// ClientTable reports the RADIUS clients the server applies now (the
// configuration's, as last reloaded); never their secrets.
type ClientTable interface {
	RadiusClients() []apitype.RadiusClient
}

// listProviders is GET /v1/providers: each provider's circuit and push
// counts on this node.
func (s *server) listProviders(w http.ResponseWriter, _ *http.Request) error {
	if s.deps.Providers == nil {
		return newError(http.StatusServiceUnavailable, "providers_unavailable", "this server does not report its push providers")
	}
	out := apitype.ProviderList{Node: s.deps.Node, Providers: s.deps.Providers.Providers()}
	if out.Providers == nil {
		out.Providers = []apitype.Provider{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// listClients is GET /v1/clients: the RADIUS clients of the
// configuration file, as applied now (SIGHUP reloads them).
func (s *server) listClients(w http.ResponseWriter, _ *http.Request) error {
	if s.deps.Clients == nil {
		return newError(http.StatusServiceUnavailable, "clients_unavailable", "this server does not report its RADIUS clients")
	}
	out := apitype.RadiusClientList{Source: "config", Clients: s.deps.Clients.RadiusClients()}
	if out.Clients == nil {
		out.Clients = []apitype.RadiusClient{}
	}
	return writeJSON(w, http.StatusOK, out)
}
