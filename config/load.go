package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
)

// defaultsName names the source in messages when no file is loaded.
const defaultsName = "(defaults)"

// Load reads the YAML file at path ("" = built-in defaults only, no file),
// applies the PUSHAUTH_* overrides found in environ (a list of "KEY=value"
// strings such as os.Environ() returns), and validates the result.
//
// Invalid NOTIFICATIONTIMEOUT / PushOff values only produce Warnings (SPEC
// S1.1, S1.2). Every other problem is returned together in one
// *ValidationError (SPEC S1.5), with a nil Config.
func Load(path string, environ []string) (*Config, []Warning, error) {
	if path == "" {
		return load(defaultsName, nil, environ)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fileError(path, fmt.Sprintf("cannot read config file: %v", err))
	}
	cfg, warns, err := load(path, data, environ)
	if cfg != nil {
		cfg.File = path
	}
	return cfg, warns, err
}

// LoadBytes is Load for YAML already in memory (e.g. Example()); name is
// used in messages. The returned Config.File is "".
func LoadBytes(name string, data []byte, environ []string) (*Config, []Warning, error) {
	return load(name, data, environ)
}

// load parses data with koanf, merges the environment and decodes.
func load(name string, data []byte, environ []string) (*Config, []Warning, error) {
	pos, fe := parsePositions(name, data)
	if fe != nil {
		return nil, nil, &ValidationError{Errors: []FieldError{*fe}}
	}
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(data), yaml.Parser()); err != nil {
		return nil, nil, &ValidationError{Errors: []FieldError{yamlError(name, err)}}
	}
	d := &decoder{source: source{file: name, env: applyEnv(k, environ), pos: pos}}
	cfg := d.config(k.Raw())
	d.checkPasswordSource(cfg)
	d.checkConsoleGroups(cfg)
	d.checkListeners(cfg)
	d.checkWebPush(cfg)
	if len(d.errs) > 0 {
		return nil, d.warns, &ValidationError{Errors: d.errs}
	}
	cfg.source = d.source
	return cfg, d.warns, nil
}

// fileError is a ValidationError about a file as a whole.
func fileError(name, msg string) error {
	return &ValidationError{Errors: []FieldError{{File: name, Msg: msg}}}
}

// envOverride maps one environment variable to a config key.
type envOverride struct{ env, key string }

// envOverrides lists the supported environment variables (SPEC S1.3).
func envOverrides() []envOverride {
	return []envOverride{
		{"PUSHAUTH_NOTIFICATIONTIMEOUT", keyNotificationTimeout},
		{"PUSHAUTH_PUSHOFF", keyPushOff},
		{"PUSHAUTH_OFFLINE", "offline"},
		{"PUSHAUTH_DATA_DIR", "data_dir"},
		{"PUSHAUTH_RADIUS_LISTEN", "radius.listen"},
		{"PUSHAUTH_ADMIN_API_LISTEN", "admin_api.listen"},
		{"PUSHAUTH_ADMIN_API_TOKEN", "admin_api.token"},
		{"PUSHAUTH_DEVICE_API_LISTEN", "device_api.listen"},
		{"PUSHAUTH_DEVICE_API_PUBLIC_URL", "device_api.public_url"},
		{"PUSHAUTH_LOG_LEVEL", "log.level"},
		{"PUSHAUTH_CLUSTER_ENABLED", "cluster.enabled"},
		{"PUSHAUTH_CLUSTER_NODE", "cluster.node"},
		{"PUSHAUTH_CLUSTER_LISTEN", "cluster.listen"},
		{"PUSHAUTH_CLUSTER_ETCD_ENDPOINTS", "cluster.etcd.endpoints"},
		{"PUSHAUTH_STORE_DRIVER", "store.driver"},
		{"PUSHAUTH_STORE_DSN", "store.dsn"},
		{"PUSHAUTH_EAP_CERT_FILE", "eap.cert_file"},
		{"PUSHAUTH_EAP_KEY_FILE", "eap.key_file"},
	}
}

// applyEnv sets each override present in environ (even when empty) on k
// and returns config key -> variable name. As with os.Getenv, the first
// occurrence of a variable wins. An override whose parent section in the
// file is not a mapping is skipped, so the file's error is still reported.
func applyEnv(k *koanf.Koanf, environ []string) map[string]string {
	values := envValues(environ)
	set := map[string]string{}
	for _, o := range envOverrides() {
		v, ok := values[o.env]
		if !ok || !parentIsMapping(k, o.key) {
			continue
		}
		if err := k.Set(o.key, v); err == nil {
			set[o.key] = o.env
		}
	}
	return set
}

// envValues turns "KEY=value" strings into a map, first occurrence wins.
func envValues(environ []string) map[string]string {
	out := make(map[string]string, len(environ))
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if _, seen := out[name]; ok && !seen {
			out[name] = value
		}
	}
	return out
}

// parentIsMapping reports whether key's parent section is absent, null or
// a mapping.
func parentIsMapping(k *koanf.Koanf, key string) bool {
	i := strings.LastIndex(key, ".")
	if i < 0 {
		return true
	}
	switch k.Get(key[:i]).(type) {
	case nil, map[string]any:
		return true
	}
	return false
}
