package server

import (
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// pushesMetric counts the pushes handed to each provider, by result
// (actors/metrics.go).
const pushesMetric = "pushauth_pushes_total"

// adminRuntime is what the admin API reports of the running server (GET
// /v1/providers, GET /v1/clients): its push providers, from its metrics,
// and its RADIUS clients, as last applied.
type adminRuntime struct{ s *Server }

var (
	_ adminapi.ProviderHealth = adminRuntime{}
	_ adminapi.ClientTable    = adminRuntime{}
)

// Providers lists each configured provider with its circuit and this
// node's push counts by result.
func (r adminRuntime) Providers() []apitype.Provider {
	circuits := r.s.circuits()
	counts := r.s.pushCounts()
	out := make([]apitype.Provider, 0, len(circuits))
	for name, circuit := range circuits {
		c := counts[name]
		out = append(out, apitype.Provider{Name: name, Circuit: circuit, PushesOK: c["ok"], PushesError: c["error"]})
	}
	slices.SortFunc(out, func(a, b apitype.Provider) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// pushCounts is pushesMetric by provider and result; empty when the
// registry cannot be read.
func (s *Server) pushCounts() map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	families, err := s.registry.Gather()
	if err != nil {
		s.log.Warn().Err(err).Msg("read the push counts from the metrics")
		return out
	}
	for _, f := range families {
		if f.GetName() != pushesMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			provider, result := label(m, "provider"), label(m, "result")
			if out[provider] == nil {
				out[provider] = map[string]int64{}
			}
			out[provider][result] += int64(m.GetCounter().GetValue())
		}
	}
	return out
}

// label is the value of m's label name, "" when it has none.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// RadiusClients lists the configured RADIUS clients as applied now (the
// configuration of the last reload), without their secrets.
func (r adminRuntime) RadiusClients() []apitype.RadiusClient {
	r.s.reloadMu.Lock()
	clients := r.s.live.Radius.Clients
	r.s.reloadMu.Unlock()
	out := make([]apitype.RadiusClient, len(clients))
	for i, c := range clients {
		out[i] = radiusClientView(c)
	}
	return out
}

// radiusClientView is c as the admin API shows it: everything but the
// secret.
func radiusClientView(c config.Client) apitype.RadiusClient {
	transport := "udp"
	if c.IsTLS() {
		transport = "radsec"
	}
	return apitype.RadiusClient{Name: c.Name, Address: c.Address, Transport: transport, Kind: c.Kind, Policy: c.Policy,
		RequireMessageAuthenticator: c.RequireMessageAuthenticator, AppendMode: c.AppendMode,
		NumberMatching: c.NumberMatching, TLSSubject: c.TLSSubject, TLSSAN: c.TLSSAN, TLSCAFile: c.TLSCAFile}
}
