package server

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/internal/testcerts"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/eap/eapconv"
)

// failingProviders makes New fail after it created the keys and the
// database: the APNs key file does not exist.
func failingProviders(t *testing.T, cfg *config.Config) {
	cfg.Providers.APNs = &config.APNs{Topic: "com.example.app", Environment: "production",
		KeyFile: filepath.Join(t.TempDir(), "missing.p8"), KeyID: "K", TeamID: "T"}
}

// A start that fails leaves no new data directory with keys behind.
func TestFailedNewRemovesNewDataDir(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.DataDir = filepath.Join(t.TempDir(), "fresh", "data")
	failingProviders(t, cfg)
	if _, err := New(cfg, zerolog.Nop()); err == nil {
		t.Fatal("New succeeded with a missing APNs key file")
	}
	if _, err := os.Stat(cfg.DataDir); !os.IsNotExist(err) {
		t.Fatalf("data directory left behind: %v", err)
	}
}

// In an existing data directory a failed start removes only what it
// created: files that were there stay.
func TestFailedNewKeepsExistingFiles(t *testing.T) {
	cfg := testConfig(t, "")
	keep := filepath.Join(cfg.DataDir, "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	failingProviders(t, cfg)
	if _, err := New(cfg, zerolog.Nop()); err == nil {
		t.Fatal("New succeeded with a missing APNs key file")
	}
	entries, err := os.ReadDir(cfg.DataDir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "keep.txt" {
		t.Fatalf("data directory after a failed start: %v %v", entries, err)
	}
}

// eapConfig is cfg with EAP on, its certificate from a test CA.
func eapConfig(t *testing.T) *config.Config {
	files := testcerts.NewCA(t, "pushauth eap test ca").Node(t, "radius", testcerts.Options{})
	return testConfig(t, "eap: {cert_file: "+files.CertFile+", key_file: "+files.KeyFile+"}\n")
}

// reopens checks that the store of cfg's data directory is closed: a new
// server takes its lock and opens it.
func reopens(t *testing.T, cfg *config.Config) {
	t.Helper()
	cfg.EAP = config.EAP{}
	s, err := New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("the data directory stayed locked: %v", err)
	}
	s.close()
}

// A start whose EAP keeper fails, after the actors run, takes back all it
// made: the actor system and its goroutines end, and the store is closed.
func TestFailedEAPStartStopsActorsAndStore(t *testing.T) {
	cfg := eapConfig(t)
	before := runtime.NumGoroutine()
	refused := errors.New("no eap keeper")
	_, err := openServer(cfg, zerolog.Nop(), func(*actors.System, eapconv.Config) (*eapconv.Keeper, error) {
		return nil, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("openServer: %v, want the EAP keeper's error", err)
	}
	testwait.For(t, "the failed start's goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
	reopens(t, cfg)
}

// A start whose EAP certificate cannot be loaded closes the store again.
func TestFailedEAPCertificateClosesStore(t *testing.T) {
	cfg := eapConfig(t)
	cfg.EAP.KeyFile = filepath.Join(t.TempDir(), "missing.key")
	if _, err := New(cfg, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "eap.key_file") {
		t.Fatalf("New with a missing EAP key file: %v", err)
	}
	reopens(t, cfg)
}
