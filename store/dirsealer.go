package store

import "fmt"

// DirSealer returns the Sealer of key, or, when key is nil, of the key kept
// in dataDir/server.key (created on first start).
func DirSealer(dataDir string, key []byte) (*Sealer, error) {
	if key == nil {
		var err error
		if key, err = LoadOrCreateKey(dataDir); err != nil {
			return nil, fmt.Errorf("server key: %w", err)
		}
	}
	sealer, err := NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	return sealer, nil
}
