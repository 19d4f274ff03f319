package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/providers/apns"
	"github.com/pushauth/pushauth/providers/fcm"
	"github.com/pushauth/pushauth/providers/onelogin"
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

// pushers builds the configured providers; poll is always there.
func (s *Server) pushers(ctx context.Context) (map[string]providers.Pusher, error) {
	p := s.cfg.Providers
	out := map[string]providers.Pusher{store.PushPoll: s.poll}
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
	return out, nil
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

// closePushers releases providers that hold connections or goroutines.
func closePushers(ps map[string]providers.Pusher) {
	for _, p := range ps {
		switch c := p.(type) {
		case interface{ Close() error }:
			_ = c.Close() // shutting down: nothing left to tell
		case interface{ Close() }:
			c.Close()
		}
	}
}
