package console

import (
	"strings"
	"testing"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// S6.10: the login page says how long the phone took to answer when its
// answer decided the login; an older record of such a login says the
// time was not kept; any other login says no answer decided it.
func TestPhoneAnswer(t *testing.T) {
	for _, c := range []struct {
		d    apitype.LoginDetail
		want string
	}{
		{apitype.LoginDetail{Reason: "approved", PhoneMS: 3100}, "after 3100 ms ("},
		{apitype.LoginDetail{Reason: "denied", PhoneMS: 1}, "after 1 ms ("},
		{apitype.LoginDetail{Reason: "wrong-number"}, "not kept ("},
		{apitype.LoginDetail{Reason: "timeout-then-passcode"}, "— (no answer"},
		{apitype.LoginDetail{Reason: "passcode;push-off"}, "— (no answer"},
	} {
		if got := phoneAnswer(&c.d); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s, %d ms: %q, want %q…", c.d.Reason, c.d.PhoneMS, got, c.want)
		}
	}
}
