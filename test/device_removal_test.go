package test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
)

// A phone whose token or user is removed is refused at once, even though
// the server keeps the devices it has seen in memory (store.CacheReads):
// its next poll after the removal gets 404 unknown_device.
func TestRemovedPhoneIsRefusedAtOnce(t *testing.T) {
	h := StartServer(t, nil)
	remove := map[string]func(phone *deviceclient.Device) error{
		"token": func(phone *deviceclient.Device) error { return h.Admin.DeleteToken(h.ctx(), phone.Serial()) },
		"user":  func(*deviceclient.Device) error { return h.Admin.DeleteUser(h.ctx(), "user-removed") },
	}
	for what, removeIt := range remove {
		t.Run(what, func(t *testing.T) {
			user := "token-removed"
			if what == "user" {
				user = "user-removed"
			}
			h.AddUser(user, "pw")
			phone := h.Phone(user)
			if _, err := phone.Pending(h.ctx(), 0); err != nil {
				t.Fatalf("poll before the removal: %v", err)
			}
			if err := removeIt(phone); err != nil {
				t.Fatalf("remove the %s: %v", what, err)
			}
			_, err := phone.Pending(h.ctx(), 0)
			var ae *deviceclient.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusNotFound || ae.Code != "unknown_device" {
				t.Fatalf("poll after the %s was removed: %v, want 404 unknown_device", what, err)
			}
		})
	}
}
