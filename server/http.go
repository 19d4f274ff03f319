package server

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pushauth/pushauth/protocol/adminapi"
	"github.com/pushauth/pushauth/protocol/deviceapi"
	"github.com/pushauth/pushauth/protocol/radius"
)

func (s *Server) radiusServer(conn *net.UDPConn) *radius.Server {
	return radius.NewServer(conn, &radiusAdapter{sys: s.sys, log: s.log}, radius.Options{
		Clients:       radiusClients(s.cfg.Radius.Clients),
		MaxInFlight:   s.cfg.Radius.MaxInFlight,
		ReplyCacheTTL: s.cfg.Radius.ReplyCacheTTL,
		Logger:        s.log.With().Str("component", "radius").Logger(),
		Metrics:       radius.NewMetrics(s.registry),
	})
}

func (s *Server) httpServers(ls Listeners) []httpServer {
	admin := http.NewServeMux()
	admin.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	admin.Handle("/", adminapi.New(adminapi.Deps{
		Store:        s.store,
		Passwords:    s.passwords,
		Logins:       s.sys,
		Token:        s.adminTok,
		DeviceAPIURL: s.deviceURL(ls.Device),
		Log:          s.log.With().Str("component", "adminapi").Logger(),
	}))
	device := deviceapi.New(deviceapi.Deps{
		Store:   s.store,
		Answers: s.sys,
		Poll:    s.poll,
		Signer:  s.signer,
		Log:     s.log,
	})
	deviceSrv := &http.Server{Handler: device, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return []httpServer{
		{srv: &http.Server{Handler: admin, ReadHeaderTimeout: 10 * time.Second}, ln: ls.Admin},
		{srv: deviceSrv, ln: ls.Device, certFile: s.cfg.DeviceAPI.CertFile, keyFile: s.cfg.DeviceAPI.KeyFile},
	}
}

// deviceURL is the device API's public base URL for activation links: the
// configured one, or the bound address when the config asked for port 0.
func (s *Server) deviceURL(ln net.Listener) string {
	if u := s.cfg.DeviceAPI.PublicURL; u != "" && !strings.HasSuffix(u, ":0") {
		return u
	}
	scheme := "http"
	if s.cfg.DeviceAPI.CertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + ln.Addr().String()
}
