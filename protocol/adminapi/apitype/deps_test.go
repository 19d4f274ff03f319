package apitype_test

import (
	"testing"

	"github.com/pushauth/pushauth/internal/deptest"
)

// The admin API's types link the standard library only, so that any
// client can use them without linking more.
func TestDeps(t *testing.T) {
	deptest.StdOnly(t, ".")
}
