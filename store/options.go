package store

// Option tunes a store as it is opened (sqlite.Open, sqlite.OpenDir,
// postgres.Open).
type Option func(*Options)

// Options are the settings a driver opens its store with.
type Options struct {
	// Node names the node writing through the store (WithNode).
	Node string
}

// WithNode names the node writing through the store: every audit record it
// appends carries the name (unless the record names a node itself). A
// cluster node passes cluster.node; a single node passes nothing, and its
// records have an empty node.
func WithNode(name string) Option {
	return func(o *Options) { o.Node = name }
}

// ApplyOptions is the Options opts set, for a driver's Open.
func ApplyOptions(opts []Option) Options {
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
