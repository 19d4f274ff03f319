package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
)

// AdminTokenFile is the file in data_dir that holds the admin API token
// the server generates when the config sets none (mode 0600).
const AdminTokenFile = "admin.token"

// New opens the store and keys and starts the actor system. It logs where
// the data directory is and where the admin token comes from. When it
// fails, it removes what it created in the data directory (keys, database,
// token, and the directory itself if it made it), so a start that fails
// leaves no secrets behind.
func New(cfg *config.Config, log zerolog.Logger) (*Server, error) {
	before, err := dataDirEntries(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", cfg.DataDir, err)
	}
	s, err := newServer(cfg, log)
	if err != nil {
		removeCreated(cfg.DataDir, before, log)
		return nil, err
	}
	logStart(cfg, before, log)
	return s, nil
}

// dataDirEntries lists the names in dir; nil when dir does not exist.
func dataDirEntries(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries)+1)
	names = append(names, ".") // the directory itself exists
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// created lists the entries of dir that are not in before.
func created(dir string, before []string) []string {
	now, err := dataDirEntries(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, name := range now {
		if name != "." && !slices.Contains(before, name) {
			out = append(out, name)
		}
	}
	return out
}

// removeCreated undoes a failed start: it removes the entries of dir that
// were not in before, and dir itself when it did not exist.
func removeCreated(dir string, before []string, log zerolog.Logger) {
	names := created(dir, before)
	for _, name := range names {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			log.Error().Err(err).Str("data_dir", dir).Str("file", name).Msg("start failed; could not remove a file it created")
		}
	}
	if before == nil {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Error().Err(err).Str("data_dir", dir).Msg("start failed; could not remove the data directory it created")
		}
	}
	if len(names) > 0 {
		log.Info().Str("data_dir", dir).Strs("removed", names).Msg("start failed; removed what it created in the data directory")
	}
}

// logStart says where the data directory is, what this start created in
// it, and where the admin token comes from.
func logStart(cfg *config.Config, before []string, log zerolog.Logger) {
	dir := absPath(cfg.DataDir)
	newFiles := created(cfg.DataDir, before)
	ev := log.Info().Str("data_dir", dir).Bool("new", before == nil || len(before) == 1)
	if len(newFiles) > 0 {
		ev = ev.Strs("created", newFiles)
	}
	ev.Msg("data directory")
	a := cfg.AdminAPI
	switch {
	case a.Token != "" && a.TokenFile != "":
		log.Info().Str("file", absPath(a.TokenFile)).Msg("admin token from admin_api.token_file")
	case a.Token != "":
		log.Info().Msg("admin token from admin_api.token (or PUSHAUTH_ADMIN_API_TOKEN)")
	case slices.Contains(newFiles, AdminTokenFile):
		log.Info().Str("file", filepath.Join(dir, AdminTokenFile)).
			Msg("admin token generated; give it to pushctl with --token-file or PUSHAUTH_ADMIN_TOKEN")
	default:
		log.Info().Str("file", filepath.Join(dir, AdminTokenFile)).Msg("admin token read from the data directory")
	}
}

// absPath is p made absolute, or p when that fails.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// Close closes every listener that is set.
func (ls Listeners) Close() {
	if ls.Radius != nil {
		ls.Radius.Close()
	}
	for _, l := range []net.Listener{ls.Admin, ls.Device, ls.Metrics} {
		if l != nil {
			l.Close()
		}
	}
}
