package poll

import (
	"context"
	"testing"
	"time"

	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
)

func note(device, login string, deadline time.Time) *providers.Notification {
	return &providers.Notification{
		Payload:  push.Payload{DeviceID: device, LoginID: login},
		Signed:   push.Signed{Data: login},
		Deadline: deadline,
	}
}

// S5.3: pending pushes per device, oldest deadline first, expired ones and
// withdrawn ones gone.
func TestPendingWithdrawAndExpiry(t *testing.T) {
	p := New()
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	ctx := context.Background()
	_ = p.Push(ctx, note("d1", "late", now.Add(20*time.Second)))
	_ = p.Push(ctx, note("d1", "soon", now.Add(5*time.Second)))
	_ = p.Push(ctx, note("d2", "other", now.Add(5*time.Second)))
	list, _ := p.Pending("d1")
	if len(list) != 2 || list[0].Data != "soon" || list[1].Data != "late" {
		t.Fatalf("pending %+v", list)
	}
	p.Withdraw("d1", "soon")
	now = now.Add(30 * time.Second)
	if list, _ := p.Pending("d1"); len(list) != 0 {
		t.Fatalf("withdrawn or expired pushes still pending: %+v", list)
	}
}

// Wait returns as soon as a push arrives.
func TestWaitWakesOnPush(t *testing.T) {
	p := New()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan []push.Signed, 1)
	_, wake := p.Pending("d1") // the device is listening before the push
	go func() { got <- p.Wait(ctx, "d1") }()
	_ = p.Push(ctx, note("d1", "L", time.Now().Add(time.Minute)))
	<-wake
	if list := <-got; len(list) != 1 || list[0].Data != "L" {
		t.Fatalf("wait returned %+v", list)
	}
}
