package radclient

import "sync"

// idTable hands out the 256 RADIUS Identifiers of one socket or
// connection and routes each reply to the exchange waiting on its
// Identifier.
type idTable struct {
	mu      sync.Mutex
	waiting map[byte]*waiter
	next    byte
}

// waiter is an exchange waiting on an Identifier.
type waiter struct {
	ch chan []byte
	// accept, once the request is armed, tells an authentic reply from
	// one to drop before it takes the channel's one place: a forged or
	// stale reply arriving first must not crowd out the authentic one.
	accept  func(raw []byte) bool
	dropped int // replies accept refused
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
		t.waiting = map[byte]*waiter{}
	}
	w := &waiter{ch: make(chan []byte, 1)}
	t.waiting[id] = w
	return w.ch, nil
}

// arm makes the exchange on id take only the replies accept passes.
func (t *idTable) arm(id byte, accept func(raw []byte) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.waiting[id]; w != nil {
		w.accept = accept
	}
}

// dropped is how many replies to id its accept refused.
func (t *idTable) dropped(id byte) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.waiting[id]; w != nil {
		return w.dropped
	}
	return 0
}

// release frees Identifier id.
func (t *idTable) release(id byte) {
	t.mu.Lock()
	delete(t.waiting, id)
	t.mu.Unlock()
}

// deliver hands a reply (at least 20 octets) to the exchange waiting on
// its Identifier. It is dropped when none waits, when the exchange's
// accept refuses it (counted), or when an accepted reply is already
// waiting to be read.
func (t *idTable) deliver(raw []byte) {
	t.mu.Lock()
	w := t.waiting[raw[1]]
	var accept func([]byte) bool
	if w != nil {
		accept = w.accept
	}
	t.mu.Unlock()
	if w == nil {
		return
	}
	if accept != nil && !accept(raw) {
		t.mu.Lock()
		w.dropped++
		t.mu.Unlock()
		return
	}
	select {
	case w.ch <- raw:
	default:
	}
}
