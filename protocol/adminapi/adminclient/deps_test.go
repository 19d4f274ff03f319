package adminclient_test

import (
	"testing"

	"github.com/pushauth/pushauth/internal/deptest"
)

// The admin API's client links the standard library and apitype only, so
// that pushctl links none of the server.
func TestDeps(t *testing.T) {
	deptest.StdOnly(t, ".", "github.com/pushauth/pushauth/protocol/adminapi/apitype")
}
