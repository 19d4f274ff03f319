package radclient

import "testing"

// A reply that the armed exchange refuses does not take the channel's
// place: the authentic reply delivered right after it, before the
// exchange reads, still reaches the exchange, and the refused one is
// counted. (Before, the forged reply filled the place and the authentic
// one was dropped: a spoofed reply racing the server's could void it.)
func TestDeliverRefusedReplyDoesNotCrowdOutAuthentic(t *testing.T) {
	var ids idTable
	id, ch, err := ids.reserve()
	if err != nil {
		t.Fatal(err)
	}
	ids.arm(id, func(raw []byte) bool { return raw[0] == 2 })
	forged, real := make([]byte, 20), make([]byte, 20)
	forged[0], forged[1] = 3, id
	real[0], real[1] = 2, id
	ids.deliver(forged)
	ids.deliver(real)
	select {
	case got := <-ch:
		if got[0] != 2 {
			t.Fatalf("the exchange got code %d", got[0])
		}
	default:
		t.Fatal("the authentic reply did not reach the exchange")
	}
	if n := ids.dropped(id); n != 1 {
		t.Fatalf("%d replies counted as dropped, want 1", n)
	}
	ids.release(id)
	if n := ids.dropped(id); n != 0 {
		t.Fatalf("a released Identifier still counts %d", n)
	}
}
