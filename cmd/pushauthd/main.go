// Command pushauthd is the pushauth RADIUS two-factor server.
//
//	pushauthd --config /etc/pushauth/pushauth.yaml
//	pushauthd --config pushauth.yaml --check-config
//
// SIGHUP re-reads the config file and applies NOTIFICATIONTIMEOUT, PushOff
// and offline to logins started afterwards; SIGINT/SIGTERM stop the server.
package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// run is pushauthd without the process around it: it serves until ctx ends.
func run(ctx context.Context, args []string, stderr *os.File) int {
	fs := flag.NewFlagSet("pushauthd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file (YAML); empty = built-in example config")
	check := fs.Bool("check-config", false, "validate the config and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, warnings, err := load(*path)
	boot := server.NewLogger(config.Log{Format: "auto"}, stderr)
	for _, w := range warnings {
		boot.Warn().Str("key", w.Key).Str("value", w.Value).Msg(w.Msg)
	}
	if err != nil {
		reportConfigError(boot, err)
		return 1
	}
	if *check {
		return checkConfig(boot, cfg, len(warnings))
	}
	log := server.NewLogger(cfg.Log, stderr)
	if err := serve(ctx, cfg, *path, log); err != nil {
		log.Error().Err(err).Msg("pushauthd stopped")
		return 1
	}
	return 0
}

// checkConfig validates what loading cannot: provider keys and files.
func checkConfig(log zerolog.Logger, cfg *config.Config, warnings int) int {
	errs := server.CheckProviders(cfg.Providers)
	for _, err := range errs {
		log.Error().Str("file", cfg.File).Msg(err.Error())
	}
	if len(errs) > 0 {
		log.Error().Int("errors", len(errs)).Msg("configuration rejected")
		return 1
	}
	log.Info().Str("file", cfg.File).Int("warnings", warnings).Msg("config ok")
	return 0
}

func load(path string) (*config.Config, []config.Warning, error) {
	if path == "" {
		return config.LoadBytes("example.yaml", config.Example(), os.Environ())
	}
	return config.Load(path, os.Environ())
}

// reportConfigError logs every config error on its own line, naming the
// file and key (SPEC S1.5).
func reportConfigError(log zerolog.Logger, err error) {
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		log.Error().Err(err).Msg("configuration rejected")
		return
	}
	for _, fe := range ve.Errors {
		log.Error().Str("file", fe.File).Str("key", fe.Key).Msg(fe.Msg)
	}
	log.Error().Int("errors", len(ve.Errors)).Msg("configuration rejected")
}

func serve(ctx context.Context, cfg *config.Config, path string, log zerolog.Logger) error {
	srv, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	ls, err := srv.Listen()
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHUP(ctx, hup, srv, path, log)
	return srv.Serve(ctx, ls)
}

// reloadOnHUP applies the run-time settings on SIGHUP (SPEC S1.3).
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, srv *server.Server, path string, log zerolog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, warnings, err := load(path)
		for _, w := range warnings {
			log.Warn().Str("key", w.Key).Str("value", w.Value).Msg(w.Msg)
		}
		if err != nil {
			log.Error().Err(err).Msg("reload rejected; keeping the running settings")
			continue
		}
		srv.Reload(cfg)
	}
}
