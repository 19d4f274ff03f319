package config

import (
	"reflect"
	"strings"
)

// Changes are the keys whose values differ between two configurations,
// as a running server sees them on reload: Live keys it applies at once,
// Restart keys it applies only when it starts.
type Changes struct {
	Live    []string
	Restart []string
}

// Compare lists the keys whose values differ from old to new, in the
// order of the configuration reference. Values are compared as loaded
// (defaults applied, files such as token_file and dsn_file read), so a
// key whose file changed counts as changed. Secrets are never part of
// the result, only key names.
func Compare(old, new *Config) Changes {
	var ch Changes
	for _, k := range reloadKeys() {
		if reflect.DeepEqual(k.value(old), k.value(new)) {
			continue
		}
		if k.live {
			ch.Live = append(ch.Live, k.key)
		} else {
			ch.Restart = append(ch.Restart, k.key)
		}
	}
	return ch
}

// reloadKey is one key (or section, compared as a whole) of the
// configuration: field is its Go path in Config, for the test that checks
// every field is listed.
type reloadKey struct {
	key, field string
	live       bool
	value      func(*Config) any
}

// reloadKeys lists every key and whether a reload applies it. A field
// added to Config must be added here (TestReloadKeysCoverConfig).
func reloadKeys() []reloadKey {
	return []reloadKey{
		{keyNotificationTimeout, "NotificationTimeout", true, func(c *Config) any { return c.NotificationTimeout }},
		{keyPushOff, "PushOff", true, func(c *Config) any { return c.PushOff }},
		{"offline", "Offline", true, func(c *Config) any { return c.Offline }},
		{"radius.clients", "Radius.Clients", true, func(c *Config) any { return c.Radius.Clients }},
		{"radius.challenge_timeout", "Radius.ChallengeTimeout", true, func(c *Config) any { return c.Radius.ChallengeTimeout }},
		{"data_dir", "DataDir", false, func(c *Config) any { return c.DataDir }},
		{"server_key", "ServerKey", false, func(c *Config) any { return c.ServerKey }},
		{"radius.listen", "Radius.Listen", false, func(c *Config) any { return c.Radius.Listen }},
		{"radius.max_in_flight", "Radius.MaxInFlight", false, func(c *Config) any { return c.Radius.MaxInFlight }},
		{"radius.reply_cache_ttl", "Radius.ReplyCacheTTL", false, func(c *Config) any { return c.Radius.ReplyCacheTTL }},
		{"radius.tls", "Radius.TLS", false, func(c *Config) any { return c.Radius.TLS }},
		{"radius.dictionaries", "Radius.Dictionaries", false, func(c *Config) any { return c.Radius.Dictionaries }},
		{"admin_api.listen", "AdminAPI.Listen", false, func(c *Config) any { return c.AdminAPI.Listen }},
		{"admin_api.token", "AdminAPI.Token", false, func(c *Config) any { return c.AdminAPI.Token }},
		{"admin_api.token_file", "AdminAPI.TokenFile", false, func(c *Config) any { return c.AdminAPI.TokenFile }},
		{"admin_api.public_health", "AdminAPI.PublicHealth", false, func(c *Config) any { return c.AdminAPI.PublicHealth }},
		{"console.operators", "Console.Operators", false, func(c *Config) any { return c.Console.Operators }},
		{"console.groups", "Console.Groups", false, func(c *Config) any { return c.Console.Groups }},
		{"console.session_idle", "Console.SessionIdle", false, func(c *Config) any { return c.Console.SessionIdle }},
		{"device_api.listen", "DeviceAPI.Listen", false, func(c *Config) any { return c.DeviceAPI.Listen }},
		{"device_api", "DeviceAPI", false, func(c *Config) any { d := c.DeviceAPI; d.Listen = ""; return d }},
		{"log", "Log", false, func(c *Config) any { return c.Log }},
		{"passwords", "Passwords", false, func(c *Config) any { return c.Passwords }},
		{"directory", "Directory", false, func(c *Config) any { return c.Directory }},
		{"providers", "Providers", false, func(c *Config) any { return c.Providers }},
		{"metrics.listen", "Metrics", false, func(c *Config) any { return c.Metrics }},
		{"cluster", "Cluster", false, func(c *Config) any { return c.Cluster }},
		{"store", "Store", false, func(c *Config) any { return c.Store }},
		{"eap", "EAP", false, func(c *Config) any { return c.EAP }},
	}
}

// reloadFields is the set of Go field paths reloadKeys covers.
func reloadFields() map[string]bool {
	out := map[string]bool{}
	for _, k := range reloadKeys() {
		out[k.field] = true
		if i := strings.IndexByte(k.field, '.'); i > 0 {
			out[k.field[:i]+".*"] = true
		}
	}
	return out
}
