package server

import "context"

// undo is what a start has made so far and must take back, as closers run
// in reverse order of making: each resource pushes its closer once it
// exists. A failed start runs them; a server that started runs them in
// close.
type undo struct {
	closers []func(ctx context.Context)
}

// push adds the closer of a resource just made.
func (u *undo) push(closer func(ctx context.Context)) {
	u.closers = append(u.closers, closer)
}

// run closes everything made, the last made first, once.
func (u *undo) run(ctx context.Context) {
	for i := len(u.closers) - 1; i >= 0; i-- {
		u.closers[i](ctx)
	}
	u.closers = nil
}
