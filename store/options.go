package store

// Option tunes a store as it is opened (OpenSQLite, OpenDir,
// OpenPostgres).
type Option func(*options)

type options struct {
	node string
}

// WithNode names the node writing through the store: every audit record it
// appends carries the name (unless the record names a node itself). A
// cluster node passes cluster.node; a single node passes nothing, and its
// records have an empty node.
func WithNode(name string) Option {
	return func(o *options) { o.node = name }
}

func applyOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
