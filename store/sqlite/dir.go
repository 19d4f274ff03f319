package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/pushauth/pushauth/store"
)

// DBFileName is the database file inside a data directory.
const DBFileName = "pushauth.db"

// OpenDir opens the store of a data directory: dataDir/pushauth.db, sealed
// with key, or with the key kept in dataDir (created on first start) when
// key is nil.
//
// It holds an exclusive lock on data_dir until Close: a second OpenDir of
// the same directory, in this process or another, fails with
// ErrDataDirInUse.
func OpenDir(dataDir string, key []byte, opts ...store.Option) (*Store, error) {
	sealer, err := store.DirSealer(dataDir, key)
	if err != nil {
		return nil, err
	}
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	s, err := Open(filepath.Join(dataDir, DBFileName), sealer, opts...)
	if err != nil {
		unlock()
		return nil, err
	}
	s.unlock = unlock
	return s, nil
}

// LockFileName is the file in data_dir that one pushauthd at a time holds
// an exclusive lock on: a second server on the same data_dir would write
// to the database behind the first one's read cache (store.CacheReads).
const LockFileName = "pushauth.lock"

// ErrDataDirInUse means another process holds data_dir's lock.
var ErrDataDirInUse = errors.New("data_dir is in use by another pushauthd")

// lockDataDir takes the exclusive lock on dataDir and writes this
// process's id into the lock file; the returned func releases it. The
// kernel releases it too when the process dies, so a crash leaves no stale
// lock behind.
func lockDataDir(dataDir string) (func(), error) {
	path := filepath.Join(dataDir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data_dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s, held by pid %s)", ErrDataDirInUse, dataDir, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock data_dir %s: %w", dataDir, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0) // informational only
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}
