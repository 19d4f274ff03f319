package config

import _ "embed"

//go:embed example.yaml
var exampleYAML string

// Example returns a documented, valid example configuration (the
// `make demo` defaults: RADIUS on 127.0.0.1:1812, one ddl client
// "localhost" at 127.0.0.1 with secret "testing123"). Each call returns a
// fresh copy.
func Example() []byte {
	return []byte(exampleYAML)
}
