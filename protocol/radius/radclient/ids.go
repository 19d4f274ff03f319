package radclient

import "sync"

// idTable hands out the 256 RADIUS Identifiers of one socket or
// connection and routes each reply to the exchange waiting on its
// Identifier.
type idTable struct {
	mu      sync.Mutex
	waiting map[byte]chan []byte
	next    byte
}

// reserve takes the next free Identifier, or fails with ErrBusy.
func (t *idTable) reserve() (byte, chan []byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for range 256 {
		id := t.next
		t.next++
		if ch, err := t.takeLocked(id); err == nil {
			return id, ch, nil
		}
	}
	return 0, nil, ErrBusy
}

// take reserves Identifier id, or fails with ErrBusy when it is in use.
func (t *idTable) take(id byte) (chan []byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.takeLocked(id)
}

func (t *idTable) takeLocked(id byte) (chan []byte, error) {
	if _, used := t.waiting[id]; used {
		return nil, ErrBusy
	}
	if t.waiting == nil {
		t.waiting = map[byte]chan []byte{}
	}
	ch := make(chan []byte, 1)
	t.waiting[id] = ch
	return ch, nil
}

// release frees Identifier id.
func (t *idTable) release(id byte) {
	t.mu.Lock()
	delete(t.waiting, id)
	t.mu.Unlock()
}

// deliver hands a reply (at least 20 octets) to the exchange waiting on
// its Identifier; with none, or one that has a reply it has not read yet,
// the reply is dropped.
func (t *idTable) deliver(raw []byte) {
	t.mu.Lock()
	ch := t.waiting[raw[1]]
	t.mu.Unlock()
	if ch != nil {
		select {
		case ch <- raw:
		default:
		}
	}
}
