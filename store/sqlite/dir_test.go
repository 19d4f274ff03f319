package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// One server per data_dir: a second OpenDir of the same directory fails
// clearly while the first is open (the read cache relies on it), and works
// once the first is closed.
func TestOpenDirLocksDataDir(t *testing.T) {
	dir := t.TempDir()
	first, err := OpenDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	holder, _ := os.ReadFile(filepath.Join(dir, LockFileName))
	if strings.TrimSpace(string(holder)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file says %q, want this pid", holder)
	}
	if s, err := OpenDir(dir, nil); !errors.Is(err, ErrDataDirInUse) || !strings.Contains(err.Error(), dir) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("second OpenDir = %v, want ErrDataDirInUse naming %s", err, dir)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenDir(dir, nil)
	if err != nil {
		t.Fatalf("OpenDir after Close: %v", err)
	}
	again.Close()
}
