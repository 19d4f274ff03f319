package test

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// S6.11, S7: GET /v1/logins on any node of a cluster answers the whole
// cluster's logins in flight: bob's login waiting on node-b and carol's
// on node-c are listed by node-a, oldest first, each with its node, and
// counted. A member that does not answer in time (node-c frozen) is
// named in unanswered while the others' logins are still listed and its
// own are neither listed nor counted.
func TestClusterLoginsListsEveryMember(t *testing.T) {
	t.Setenv("PUSHAUTH_NOTIFICATIONTIMEOUT", "30") // the nodes inherit it
	nodes := startCluster(t, 3, "")
	a, b, c := nodes[0], nodes[1], nodes[2]
	a.AddUser("bob", "bob-pw")
	a.AddUser("carol", "carol-pw")
	bob, carol := b.Phone("bob"), c.Phone("carol")
	bobLogin := Start(b.Client(""), "bob", "bob-pw", "", "")
	bobPush := NextPush(t, bob)
	carolLogin := Start(c.Client(""), "carol", "carol-pw", "", "")
	carolPush := NextPush(t, carol)

	var page *apitype.LoginPage
	checkFor(t, 10*time.Second, func() bool { // carol's login reaches waiting after her push
		var err error
		if page, err = a.Admin.LoginPage(a.ctx(), 20); err != nil {
			t.Fatal(err)
		}
		return page.States["waiting"] == 2
	}, "two logins waiting in the cluster")
	asked := time.Now()
	page, err := a.Admin.LoginPage(a.ctx(), 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("GET /v1/logins over 3 live members answered in %v", time.Since(asked).Round(time.Millisecond))
	if got := usersAtNodes(page); got != "[bob@node-b carol@node-c]" || page.Total != 2 || len(page.Unanswered) != 0 {
		t.Fatalf("node-a's GET /v1/logins: %s, %+v", got, page)
	}
	if one, err := a.Admin.LoginPage(a.ctx(), 1); err != nil || usersAtNodes(one) != "[bob@node-b]" || one.Total != 2 {
		t.Fatalf("limit=1: %+v, %v", one, err)
	}
	if every, err := b.Admin.Logins(b.ctx()); err != nil || usersAtNodes(&apitype.LoginPage{Logins: every}) != "[bob@node-b carol@node-c]" {
		t.Fatalf("node-b's GET /v1/logins without a limit: %+v, %v", every, err)
	}

	frozen := clusterAddress(t, c)
	if err := c.signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.signal(syscall.SIGCONT) })
	// Each member's ask is bounded by its 1 s deadline. A stop that has
	// not taken hold when an ask goes out is seen by a later one.
	checkFor(t, 10*time.Second, func() bool {
		asked := time.Now()
		p, err := a.Admin.LoginPage(a.ctx(), 20)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(asked); took > 3*time.Second {
			t.Errorf("GET /v1/logins took %v with a member frozen", took)
		}
		page = p
		if slices.Equal(p.Unanswered, []string{frozen}) {
			t.Logf("GET /v1/logins with node-c frozen answered in %v", time.Since(asked).Round(time.Millisecond))
			return true
		}
		return false
	}, "frozen member %s named unanswered", frozen)
	if got := usersAtNodes(page); got != "[bob@node-b]" || page.Total != 1 || page.States["waiting"] != 1 {
		t.Errorf("with node-c frozen: %s, %+v", got, page)
	}

	if err := c.signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		h     *Harness
		phone *deviceclient.Device
		p     push.Payload
		wait  pending
	}{{b, bob, bobPush, bobLogin}, {c, carol, carolPush, carolLogin}} {
		if err := l.phone.Answer(l.h.ctx(), l.p, push.Approve); err != nil {
			t.Fatal(err)
		}
		expectCode(t, l.wait.Wait(t), layeh.CodeAccessAccept)
	}
}

// usersAtNodes is the page's logins as user@node, in its order.
func usersAtNodes(p *apitype.LoginPage) string {
	var out []string
	for _, l := range p.Logins {
		out = append(out, l.User+"@"+l.Node)
	}
	return fmt.Sprint(out)
}
