// Command pushauthd is the pushauth RADIUS two-factor server.
//
//	pushauthd --config /etc/pushauth/pushauth.yaml
//	pushauthd --config pushauth.yaml --check-config
//	pushauthd --help | --version
//
// SIGHUP re-reads the config file and applies NOTIFICATIONTIMEOUT, PushOff,
// offline, radius.challenge_timeout and radius.clients to what starts
// afterwards; every other changed key is named in a warning as waiting for
// a restart. SIGINT/SIGTERM stop the server.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/cli"
	"github.com/pushauth/pushauth/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// embeddedName names the embedded example configuration in logs and errors.
const embeddedName = "embedded example configuration (config/example.yaml)"

// run is pushauthd without the process around it: it serves until ctx ends.
func run(ctx context.Context, args []string, stdout io.Writer, stderr *os.File) int {
	fs := flag.NewFlagSet("pushauthd", flag.ContinueOnError)
	path := fs.String("config", "", "configuration `file` (YAML); without it the "+embeddedName)
	check := fs.Bool("check-config", false, "validate the configuration, including push provider key files and the EAP\n"+
		"certificate (warned about when it expires within 30 days or lacks server-auth), and exit")
	checkDir := fs.String("check-directory", "", "find `USER` in the directory (directory.ldap) as the service account, print what\n"+
		"pushauth would use (DN, stable id, groups, policy) and exit; no password is asked for")
	version := cli.AddVersionFlag(fs)
	cmd := command(fs)
	if code, done := cmd.Parse(args, version, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return cmd.UsageError(stderr, "unexpected argument "+fs.Arg(0))
	}
	boot := server.NewLogger(config.Log{Format: "auto"}, stderr)
	cfg, warnings, err := load(*path)
	warnings = append(warnings, extraWarnings(cfg)...)
	logWarnings(boot, warnings)
	if err != nil {
		reportConfigError(boot, err)
		return cli.ExitError
	}
	if *check {
		return checkConfig(boot, cfg, *path, len(warnings))
	}
	// The files the config names load now, with the same errors as
	// --check-config, before anything is created on disk (the EAP and
	// device certificates' warnings come from the server as it starts).
	if errs, _ := cfg.CheckFiles(time.Now()); len(errs) > 0 {
		return rejectConfig(boot, errs)
	}
	if *checkDir != "" {
		return checkDirectory(ctx, stdout, boot, cfg, *checkDir)
	}
	log := server.NewLogger(cfg.Log, stderr)
	log.Info().Str("version", cli.Version("pushauthd")).Str("config", source(*path)).Msg("pushauthd starting")
	if err := serve(ctx, cfg, *path, log); err != nil {
		log.Error().Err(err).Msg("pushauthd stopped")
		return cli.ExitError
	}
	return cli.ExitOK
}

// source names where the configuration comes from: the file's absolute
// path, or the embedded example.
func source(path string) string {
	if path == "" {
		return embeddedName
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// extraWarnings are about configurations that load but cannot work as an
// operator would expect.
func extraWarnings(cfg *config.Config) []config.Warning {
	if cfg != nil && len(cfg.Radius.Clients) == 0 {
		return []config.Warning{cfg.Caution("radius.clients", "",
			"no RADIUS clients: every Access-Request will be dropped; add one entry per NAS")}
	}
	return nil
}

// logWarnings logs each configuration warning with its place (file, line,
// column, key) and value, the same fields as the errors.
func logWarnings(log zerolog.Logger, warnings []config.Warning) {
	for _, w := range warnings {
		log.Warn().Fields(w.Fields()).Msg(w.Msg)
	}
}

// checkConfig validates what loading cannot: the certificate and key
// files the config names, provider keys, the directory and the stored
// policies' reply attributes; it warns about certificates that expire soon
// and policies named in the configuration that the store lacks.
func checkConfig(log zerolog.Logger, cfg *config.Config, path string, warnings int) int {
	errs, fileWarnings := cfg.CheckFiles(time.Now())
	logWarnings(log, fileWarnings)
	warnings += len(fileWarnings)
	for _, err := range append(server.CheckProviders(cfg.Providers), server.CheckDirectory(cfg.Directory)...) {
		errs = append(errs, problem(cfg, err))
	}
	warnings += checkPolicies(log, cfg)
	attrErrs, attrWarnings := checkReplyAttributes(log, cfg)
	errs, warnings = append(errs, attrErrs...), warnings+attrWarnings
	if len(errs) > 0 {
		return rejectConfig(log, errs)
	}
	log.Info().Str("config", source(path)).Int("warnings", warnings).Msg("config ok")
	return cli.ExitOK
}

// problem places an error of a check that names its key first
// ("providers.apns.key_file: ...") like a loading error.
func problem(cfg *config.Config, err error) config.FieldError {
	msg := err.Error()
	if key, rest, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(key, " \t") {
		return cfg.Problem(key, rest)
	}
	return cfg.Problem("", msg)
}

// rejectConfig logs every problem on its own line, naming the file, line,
// column and key (docs/behaviour.md S1.5), and returns the exit status.
func rejectConfig(log zerolog.Logger, errs []config.FieldError) int {
	for _, fe := range errs {
		log.Error().Fields(fe.Fields()).Msg(fe.Msg)
	}
	log.Error().Int("errors", len(errs)).Msg("configuration rejected")
	return cli.ExitError
}

func load(path string) (*config.Config, []config.Warning, error) {
	if path == "" {
		return config.LoadBytes(embeddedName, config.Example(), os.Environ())
	}
	return config.Load(path, os.Environ())
}

// reportConfigError logs every config error on its own line, naming the
// file and key (docs/behaviour.md S1.5).
func reportConfigError(log zerolog.Logger, err error) {
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		log.Error().Err(err).Msg("configuration rejected")
		return
	}
	rejectConfig(log, ve.Errors)
}

// serve binds the sockets first, so that a busy port stops the server
// before it creates a data directory and keys, then serves until ctx ends.
func serve(ctx context.Context, cfg *config.Config, path string, log zerolog.Logger) error {
	ls, err := server.Listen(cfg)
	if err != nil {
		return err
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		ls.Close()
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHUP(ctx, hup, srv, path, log)
	go func() {
		<-ctx.Done()
		log.Info().Str("cause", context.Cause(ctx).Error()).Msg("shutting down")
	}()
	return srv.Serve(ctx, ls)
}

// reloadOnHUP reloads the configuration on SIGHUP (docs/behaviour.md
// S1.3; server.Reload says what it applies and what waits for a restart).
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, srv *server.Server, path string, log zerolog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		log.Info().Str("config", source(path)).Msg("SIGHUP: reloading the configuration")
		cfg, warnings, err := load(path)
		logWarnings(log, append(warnings, extraWarnings(cfg)...))
		if err != nil {
			log.Error().Err(err).Msg("reload rejected; keeping the running settings")
			continue
		}
		srv.Reload(cfg)
	}
}
