package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/apns"
	"github.com/pushauth/pushauth/providers/fcm"
	"github.com/pushauth/pushauth/providers/onelogin"
	"github.com/pushauth/pushauth/providers/webpush"
	"github.com/pushauth/pushauth/store"
)

// CheckProviders validates the configured push providers' files and keys
// (for `pushauthd --check-config`), naming the config key of each problem.
func CheckProviders(p config.Providers) []error {
	var errs []error
	prefix := func(section string, list []error) {
		for _, err := range list {
			errs = append(errs, fmt.Errorf("providers.%s.%w", section, err))
		}
	}
	if p.APNs != nil {
		prefix("apns", apns.Validate(apnsConfig(p.APNs)))
	}
	if p.FCM != nil {
		prefix("fcm", fcm.Validate(fcmConfig(p.FCM)))
	}
	prefix("webpush", checkWebPush(p.WebPush))
	if p.OneLogin != nil {
		prefix("onelogin", onelogin.Validate(oneLoginConfig(p.OneLogin, nil)))
		if _, err := caClient(p.OneLogin.CAFile); err != nil {
			errs = append(errs, fmt.Errorf("providers.onelogin.ca_file: %w", err))
		}
	}
	return errs
}

func apnsConfig(c *config.APNs) apns.Config {
	return apns.Config{
		Topic: c.Topic, Environment: c.Environment, URL: c.URL,
		KeyFile: c.KeyFile, KeyID: c.KeyID, TeamID: c.TeamID,
		CertFile: c.CertFile, CertPassword: c.CertPassword, CAFile: c.CAFile,
	}
}

func fcmConfig(c *config.FCM) fcm.Config {
	return fcm.Config{ProjectID: c.ProjectID, CredentialsFile: c.CredentialsFile, Endpoint: c.Endpoint, CAFile: c.CAFile}
}

func oneLoginConfig(c *config.OneLogin, hc *http.Client) onelogin.Config {
	return onelogin.Config{BaseURL: c.BaseURL, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		PollInterval: c.PollInterval, HTTPClient: hc}
}

// pushers builds the configured providers (poll is always there) and
// starts them; ctx is the server's lifetime. The map's keys are the
// providers' sections under providers in the config.
func (s *Server) pushers(ctx context.Context) (map[string]providers.Provider, error) {
	p := s.cfg.Providers
	out := map[string]providers.Provider{store.PushPoll: s.poll}
	if p.APNs != nil {
		a, err := apns.New(apnsConfig(p.APNs))
		if err != nil {
			return nil, fmt.Errorf("providers.apns: %w", err)
		}
		out[store.PushAPNs] = a
	}
	if p.FCM != nil {
		f, err := fcm.New(ctx, fcmConfig(p.FCM))
		if err != nil {
			return nil, fmt.Errorf("providers.fcm: %w", err)
		}
		out[store.PushFCM] = f
	}
	if s.vapidKey != nil {
		w, err := webpush.New(s.webPushConfig())
		if err != nil {
			return nil, fmt.Errorf("providers.webpush: %w", err)
		}
		out[store.PushWebPush] = w
	}
	if p.OneLogin != nil {
		hc, err := caClient(p.OneLogin.CAFile)
		if err != nil {
			return nil, fmt.Errorf("providers.onelogin.ca_file: %w", err)
		}
		o, err := onelogin.New(oneLoginConfig(p.OneLogin, hc), s.answerFromProvider)
		if err != nil {
			return nil, fmt.Errorf("providers.onelogin: %w", err)
		}
		out[store.TokenOneLogin] = o
	}
	if err := s.startPushers(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// startPushers starts every provider, in a fixed order. When one fails, the
// ones already started are stopped again and the error names the failing
// provider's config section.
func (s *Server) startPushers(ctx context.Context, ps map[string]providers.Provider) error {
	var started []string
	for _, name := range slices.Sorted(maps.Keys(ps)) {
		if err := ps[name].Start(ctx); err != nil {
			s.stopPushers(ctx, subset(ps, started))
			return fmt.Errorf("providers.%s: start: %w", name, err)
		}
		started = append(started, name)
	}
	return nil
}

func subset(ps map[string]providers.Provider, names []string) map[string]providers.Provider {
	out := make(map[string]providers.Provider, len(names))
	for _, n := range names {
		out[n] = ps[n]
	}
	return out
}

// asPushers is ps as the actors see the providers: Name, Push, Withdraw.
func asPushers(ps map[string]providers.Provider) map[string]providers.Pusher {
	out := make(map[string]providers.Pusher, len(ps))
	for name, p := range ps {
		out[name] = p
	}
	return out
}

// answerFromProvider delivers an answer that came through a provider
// (OneLogin Protect) to the login, like a device answer.
func (s *Server) answerFromProvider(ctx context.Context, loginID, deviceID, nonce, decision string) error {
	status, err := s.sys.Answer(ctx, &actors.Answer{LoginId: loginID, DeviceId: deviceID, Nonce: nonce, Decision: decision})
	if err != nil {
		return err
	}
	if status != actors.AnswerAccepted {
		return errAnswerRefused
	}
	return nil
}

var errAnswerRefused = errors.New("the login refused the answer")

// caClient is an HTTP client trusting the system roots plus caFile (nil
// when caFile is empty).
func caClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		return nil, nil
	}
	pool, err := providers.CertPool(caFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

// providerLimits maps the config onto the provider actors' limits.
func providerLimits(l config.ProviderLimits) actors.ProviderLimits {
	return actors.ProviderLimits{
		Concurrency:     l.Concurrency,
		RatePerSecond:   float64(l.RatePerSecond),
		CircuitFailures: l.CircuitFailures,
		CircuitPause:    l.CircuitPause,
	}
}

// pusherStopTimeout bounds how long shutdown waits for the providers'
// goroutines (OneLogin's pollers) and pushes in flight to end.
const pusherStopTimeout = 5 * time.Second

// stopPushers stops every provider at once and logs the ones that fail to
// stop in time. They get pusherStopTimeout even when ctx has already ended
// (shutdown may have spent its budget waiting for logins): Stop cancels a
// provider's work before it waits, so this wait is short.
func (s *Server) stopPushers(ctx context.Context, ps map[string]providers.Provider) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pusherStopTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for name, p := range ps {
		wg.Go(func() {
			if err := p.Stop(ctx); err != nil {
				s.log.Error().Err(err).Str("provider", name).Msg("stop push provider")
			}
		})
	}
	wg.Wait()
}
