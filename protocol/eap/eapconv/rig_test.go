package eapconv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/actors"
	"github.com/pushauth/pushauth/actors/actorstest"
	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/internal/testwait"
	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/providers"
	"github.com/pushauth/pushauth/push"
	"github.com/pushauth/pushauth/store"
)

// The conversations' tests run them beside a real actors.System with a
// store, a clock and a push provider faked in memory, as server/ runs
// them beside the node's System.

// waitFor bounds every wait of these tests; nothing here sleeps.
const waitFor = 5 * time.Second

// Messages of the login side the tests expect to see relayed.
const (
	msgDenied     = "The sign-in was denied on your device; this login is cancelled."
	msgPushOrCode = "No answer from your device. Submit an empty answer or type push to send another notification, or enter a passcode."
)

// rig is a login System with a fake store, clock and provider.
type rig struct {
	t       *testing.T
	sys     *actors.System
	store   *actorstest.Store
	clock   *actorstest.Clock
	pusher  *actorstest.Pusher
	pw      *auth.Passwords
	set     actors.Settings
	nextID  int64
	metrics *Metrics
}

func newRig(t *testing.T) *rig {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, clock: actorstest.NewClock(), store: actorstest.NewStore(), pusher: actorstest.NewPusher(),
		pw:      auth.NewPasswords(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 0),
		set:     actors.Settings{NotificationTimeout: 5 * time.Second, ChallengeTimeout: time.Minute},
		metrics: NewMetrics(prometheus.NewRegistry()),
	}
	sys, err := actors.Start(actors.Deps{
		Store: r.store, Passwords: r.pw, Signer: push.NewSigner(key),
		Providers: map[string]providers.Pusher{store.PushPoll: r.pusher},
		Settings:  func() actors.Settings { return r.set },
		Log:       zerolog.Nop(), Clock: r.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.sys = sys
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_ = r.sys.Stop(ctx)
	})
	return r
}

// config is the keeper's configuration in these tests, with srv.
func (r *rig) config(srv *eap.Server) Config {
	return Config{Server: srv, ChallengeTimeout: func() time.Duration { return r.set.ChallengeTimeout },
		Clock: r.clock, Log: zerolog.Nop(), Metrics: r.metrics}
}

// user adds a user with password "pw-"+name and the tokens.
func (r *rig) user(name string, tokens ...store.Token) *store.User {
	r.t.Helper()
	hash, err := r.pw.Hash("pw-" + name)
	if err != nil {
		r.t.Fatal(err)
	}
	r.nextID++
	return r.store.AddUser(r.nextID, name, hash, tokens...)
}

var (
	phoneToken = actorstest.PhoneToken
	oathToken  = actorstest.OATHToken
)

// hotp0 is RFC 4226's first HOTP value for oathToken's seed.
const hotp0 = "755224"

// nextPush waits for the provider to be asked for a push.
func (r *rig) nextPush() *providers.Notification {
	r.t.Helper()
	select {
	case n := <-r.pusher.Sent:
		return n
	case <-time.After(waitFor):
		r.t.Fatal("no push sent")
		return nil
	}
}

// noPush checks that no push was sent (after the system settled).
func (r *rig) noPush() {
	r.t.Helper()
	if len(r.pusher.Sent) != 0 {
		r.t.Fatalf("unexpected push %+v", (<-r.pusher.Sent).Payload)
	}
}

// answer sends a device answer for a push.
func (r *rig) answer(n *providers.Notification, decision string) actors.AnswerStatus {
	return r.decide(n, decision, 0)
}

// pick approves a push naming number (number matching, S10.3).
func (r *rig) pick(n *providers.Notification, number int) actors.AnswerStatus {
	return r.decide(n, push.Approve, number)
}

func (r *rig) decide(n *providers.Notification, decision string, number int) actors.AnswerStatus {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	st, err := r.sys.Answer(ctx, &actors.Answer{LoginId: n.Payload.LoginID, DeviceId: n.Payload.DeviceID,
		Nonce: n.Payload.Nonce, Decision: decision, Number: int32(number)})
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

// numberMatchingFor gives user a policy with number matching (S10.3).
func (r *rig) numberMatchingFor(user string) {
	p := store.DefaultPolicy()
	p.Name, p.NumberMatching = "matching", true
	r.store.Mu.Lock()
	defer r.store.Mu.Unlock()
	r.store.Policies[p.Name] = &p
	r.store.Users[user].Policy = p.Name
}

// waitState polls the owner until the login is in state.
func (r *rig) waitState(id, state string) {
	r.t.Helper()
	testwait.For(r.t, "login "+id+" in state "+state, func() bool {
		list, err := r.sys.Logins(context.Background())
		if err != nil {
			r.t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == id {
				return l.State == state
			}
		}
		return false
	})
}

// audits waits for n audit records and returns them oldest first.
func (r *rig) audits(n int) []*store.AuditRecord {
	r.t.Helper()
	var recs []*store.AuditRecord
	testwait.For(r.t, "audit records", func() bool {
		r.store.Mu.Lock()
		defer r.store.Mu.Unlock()
		recs = append([]*store.AuditRecord(nil), r.store.Audit...)
		return len(recs) >= n
	})
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Time.Before(recs[j].Time) })
	return recs
}
