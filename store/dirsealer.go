package store

import (
	"fmt"
	"path/filepath"
)

// DirSealer returns the Sealer of key, or, when key is nil, of the key kept
// in dataDir/server.key (created on first start).
// The Sealer remembers which (KeyMismatch names it).
func DirSealer(dataDir string, key []byte) (*Sealer, error) {
	keyFile := ""
	if key == nil {
		var err error
		if key, err = LoadOrCreateKey(dataDir); err != nil {
			return nil, fmt.Errorf("server key: %w", err)
		}
		if keyFile, err = filepath.Abs(filepath.Join(dataDir, KeyFileName)); err != nil {
			keyFile = filepath.Join(dataDir, KeyFileName)
		}
	}
	sealer, err := NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	sealer.keyFile, sealer.fromConfig = keyFile, keyFile == ""
	return sealer, nil
}
