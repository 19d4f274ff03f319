package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pushauth/pushauth/internal/cli"
	"github.com/pushauth/pushauth/internal/radagent"
)

// Defaults.
const (
	// defaultListen is off pushauthd's default ports (the device API's
	// 8080, the admin API's 8443), so both run side by side as the README
	// shows.
	defaultListen     = "127.0.0.1:8088"
	defaultRADIUS     = "127.0.0.1:1812"
	defaultTimeout    = 35 * time.Second
	defaultSessionTTL = 8 * time.Hour
	defaultLoginTTL   = 10 * time.Minute
	defaultMaxLogins  = 1000
	defaultRate       = 20
	defaultBurst      = 10
	defaultConnsPerIP = 64
	maxRateAddrs      = 100000
)

// envPrefix: every flag can be given as PUSHWEB_<FLAG> (upper case, "-"
// as "_"), e.g. PUSHWEB_SECRET_FILE; the command line wins.
const envPrefix = "PUSHWEB_"

// config is pushweb's configuration after flags, environment and defaults.
type config struct {
	listen         string
	radius         string
	radiusSource   string
	secretFile     string
	upstream       *url.URL // nil: the built-in demo page
	cookieKeyFile  string
	tlsCert        string
	tlsKey         string
	nasIdentifier  string
	timeout        time.Duration
	sessionTTL     time.Duration
	loginTTL       time.Duration
	maxLogins      int
	rate           int
	perAddrConns   int
	trustedProxies []netip.Prefix
	logLevel       string
}

// flagValues are the raw flag values before checking.
type flagValues struct {
	config
	upstream string
	trusted  string
}

func newFlags(v *flagValues) *flag.FlagSet {
	fs := flag.NewFlagSet("pushweb", flag.ContinueOnError)
	fs.StringVar(&v.listen, "listen", defaultListen, "serve the web login on `ADDR`")
	fs.StringVar(&v.radius, "radius", defaultRADIUS, "pushauthd's RADIUS socket `HOST:PORT` (port 1812 when left out)")
	fs.StringVar(&v.radiusSource, "radius-source", "", "send RADIUS from local `IP` (the address pushauthd knows this client by)")
	fs.StringVar(&v.secretFile, "secret-file", "", "read the RADIUS shared secret from `FILE` (first line; required)")
	fs.StringVar(&v.upstream, "upstream", "", "reverse-proxy signed-in users to `URL` (default: a built-in demo page)")
	fs.StringVar(&v.cookieKeyFile, "cookie-key-file", "", "sign cookies with the key in `FILE` (32+ bytes; default: random, sessions end on restart)")
	fs.StringVar(&v.tlsCert, "tls-cert", "", "serve HTTPS with the certificate chain in `FILE` (with --tls-key)")
	fs.StringVar(&v.tlsKey, "tls-key", "", "the private key of --tls-cert, in `FILE`")
	fs.StringVar(&v.nasIdentifier, "nas-identifier", "", "send `ID` as NAS-Identifier (default the host name)")
	fs.DurationVar(&v.timeout, "radius-timeout", defaultTimeout, "wait up to `D` for each RADIUS reply; must exceed NOTIFICATIONTIMEOUT")
	fs.DurationVar(&v.sessionTTL, "session-ttl", defaultSessionTTL, "a sign-in lasts `D`")
	fs.DurationVar(&v.loginTTL, "login-ttl", defaultLoginTTL, "forget an unfinished login after `D`")
	fs.IntVar(&v.maxLogins, "max-logins", defaultMaxLogins, "hold at most `N` logins in flight (more are refused with 503)")
	fs.IntVar(&v.rate, "rate-limit", defaultRate, "accept `N` form posts per minute per client address (bursts of 10)")
	fs.IntVar(&v.perAddrConns, "max-conns-per-address", defaultConnsPerIP, "hold at most `N` connections at once from one client address (0: no cap; trusted proxies are not capped)")
	fs.StringVar(&v.trusted, "trusted-proxies", "", "take the client address from X-Forwarded-For when the peer is in these comma-separated `CIDRs`")
	fs.StringVar(&v.logLevel, "log-level", "info", "log `LEVEL`: debug, info, warn, error")
	return fs
}

// fromEnv sets every flag not given on the command line from its
// environment variable, when that is set.
func fromEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := getenv(name); v != "" && !given[f.Name] && f.Name != "version" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	return errors.Join(errs...)
}

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// check validates the values and builds the config.
func (v *flagValues) check() (*config, error) {
	c := v.config
	var errs []error
	if c.secretFile == "" {
		errs = append(errs, errors.New("no shared secret: give --secret-file or set PUSHWEB_SECRET_FILE"))
	}
	c.radius = radagent.ServerAddr(c.radius)
	if c.radiusSource != "" {
		if _, _, err := net.SplitHostPort(c.radiusSource); err != nil {
			c.radiusSource = net.JoinHostPort(strings.Trim(c.radiusSource, "[]"), "0")
		}
	}
	if v.upstream != "" {
		u, err := url.Parse(v.upstream)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--upstream %q: want an http or https URL", v.upstream))
		}
		c.upstream = u
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--radius-timeout", c.timeout}, {"--session-ttl", c.sessionTTL}, {"--login-ttl", c.loginTTL}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive", d.name))
		}
	}
	if c.maxLogins <= 0 || c.rate <= 0 {
		errs = append(errs, errors.New("--max-logins and --rate-limit must be positive"))
	}
	if c.perAddrConns < 0 {
		errs = append(errs, errors.New("--max-conns-per-address must be 0 or more"))
	}
	for _, s := range strings.Split(v.trusted, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
			continue
		}
		c.trustedProxies = append(c.trustedProxies, p.Masked())
	}
	if c.nasIdentifier == "" {
		c.nasIdentifier, _ = os.Hostname()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &c, nil
}

// command is pushweb's help.
func command(fs *flag.FlagSet) cli.Command {
	return cli.Command{
		Name:    "pushweb",
		Summary: "web login with a push to your phone, in front of a web application (RADIUS agent)",
		Usage:   []string{"--secret-file FILE [--radius HOST:PORT] [--listen ADDR] [--upstream URL]", "--version"},
		About: `pushweb is the web (isapi) agent of pushauth: a RADIUS client of pushauthd,
like any NAS. It asks for the user name only, sends the Access-Request with
an empty password and shows a waiting page while pushauthd holds the reply
for the push; "Sign in with another option" takes a passcode at any time.
Approve on the phone signs the user in (a signed cookie) and sends them
where they were going: the --upstream application, reverse-proxied with
the header X-Pushauth-User, or a demo page. Deny shows a denial page;
no answer offers RESEND or a passcode.

pushweb's host must be a client of pushauthd (radius.clients, kind isapi,
with a policy whose method is token) with the shared secret in
--secret-file. Cookies are Secure: serve pushweb over HTTPS (--tls-cert,
or a TLS-terminating proxy in front) except on localhost. Every flag can
also be set as PUSHWEB_<FLAG>, e.g. PUSHWEB_SECRET_FILE. See docs/agents.md.`,
		Flags: fs,
	}
}
