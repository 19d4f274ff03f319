package main

import (
	"flag"

	"github.com/pushauth/pushauth/internal/cli"
)

// command is pushauthd's help.
func command(fs *flag.FlagSet) cli.Command {
	return cli.Command{
		Name:    "pushauthd",
		Summary: "RADIUS two-factor server with push approval",
		Usage:   []string{"[--config FILE] [--check-config]", "[--config FILE] --check-directory USER", "--version"},
		About: `pushauthd answers RADIUS Access-Requests from VPN gateways, Wi-Fi
controllers and login agents: it checks the password, sends a push to the
user's phone and, when the phone stays silent, challenges for a passcode.
Without --config it runs the embedded example configuration (RADIUS on
127.0.0.1:1812, one client 127.0.0.1 with secret testing123, data in
./data). Logs are JSON lines on standard error (console format on a
terminal). The behaviour is described in docs/behaviour.md.`,
		Flags: fs,
		Sections: []cli.Section{
			{Title: "Environment (each overrides its key in the file)", Items: []cli.Item{
				{Term: "PUSHAUTH_NOTIFICATIONTIMEOUT", Text: "NOTIFICATIONTIMEOUT: seconds a login waits for the phone, 1..30"},
				{Term: "PUSHAUTH_PUSHOFF", Text: "PushOff: 1 = never push"},
				{Term: "PUSHAUTH_OFFLINE", Text: "offline: true = no push, passcode at once"},
				{Term: "PUSHAUTH_DATA_DIR", Text: "data_dir"},
				{Term: "PUSHAUTH_RADIUS_LISTEN", Text: "radius.listen"},
				{Term: "PUSHAUTH_ADMIN_API_LISTEN", Text: "admin_api.listen"},
				{Term: "PUSHAUTH_ADMIN_API_TOKEN", Text: "admin_api.token"},
				{Term: "PUSHAUTH_DEVICE_API_LISTEN", Text: "device_api.listen"},
				{Term: "PUSHAUTH_DEVICE_API_PUBLIC_URL", Text: "device_api.public_url: the https:// URL phones reach the device API at"},
				{Term: "PUSHAUTH_LOG_LEVEL", Text: "log.level: debug, info, warn or error"},
				{Term: "PUSHAUTH_STORE_DRIVER", Text: "store.driver: sqlite or postgres"},
				{Term: "PUSHAUTH_STORE_DSN", Text: "store.dsn (PostgreSQL)"},
				{Term: "PUSHAUTH_CLUSTER_ENABLED", Text: "cluster.enabled"},
				{Term: "PUSHAUTH_CLUSTER_NODE", Text: "cluster.node"},
				{Term: "PUSHAUTH_CLUSTER_LISTEN", Text: "cluster.listen"},
				{Term: "PUSHAUTH_CLUSTER_ETCD_ENDPOINTS", Text: "cluster.etcd.endpoints, comma-separated"},
				{Term: "PUSHAUTH_EAP_CERT_FILE", Text: "eap.cert_file: PEM certificate for PEAP/TTLS (turns EAP on)"},
				{Term: "PUSHAUTH_EAP_KEY_FILE", Text: "eap.key_file"},
				{Term: "GOMEMLIMIT", Text: "Go's soft memory limit, e.g. 900MiB (see docs/benchmarks.md)"},
			}},
			{Title: "Signals", Items: []cli.Item{
				{Term: "SIGHUP", Text: "re-read the config file; NOTIFICATIONTIMEOUT, PushOff, offline and\nradius.clients apply to what starts afterwards; each other changed\nkey is named in a warning: it needs a restart"},
				{Term: "SIGINT, SIGTERM", Text: "stop taking requests, end the logins in flight (each gets an\naudit record), close the store and exit"},
			}},
			{Title: "Files in data_dir", Items: []cli.Item{
				{Term: "pushauth.db", Text: "SQLite database (users, tokens, policies, audit)"},
				{Term: "server.key", Text: "key sealing OTP seeds and PIPs, unless server_key is set"},
				{Term: "push-signing.key", Text: "key signing push payloads"},
				{Term: "admin.token", Text: "admin API token, generated unless admin_api.token is set"},
			}},
			{Title: "Exit status", Items: []cli.Item{
				{Term: "0", Text: "stopped by a signal, or --check-config found no error"},
				{Term: "1", Text: "the configuration was rejected, or the server could not start"},
				{Term: "2", Text: "wrong command line"},
			}},
		},
	}
}
