package main

import (
	"context"
	"fmt"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/push"
)

// storyApproved: the password starts a push; the user approves it.
func (d *demo) storyApproved() error {
	return d.storyAnswered(push.Approve, layeh.CodeAccessAccept)
}

// storyDenied: the user did not start this login and denies it.
func (d *demo) storyDenied() error {
	return d.storyAnswered(push.Deny, layeh.CodeAccessReject, "denied")
}

// storyAnswered: the password starts a push, the phone answers decision,
// and the NAS gets want (with a Reply-Message holding every hint).
func (d *demo) storyAnswered(decision string, want layeh.Code, hints ...string) error {
	began := time.Now()
	x := d.send(user, userPassword, "password=****", "")
	p, err := d.nextPush()
	if err != nil {
		return err
	}
	if err := d.answer(p, decision); err != nil {
		return err
	}
	_, err = d.expect(x, began, want, hints...)
	return err
}

// storySilent: nobody answers the push; after NOTIFICATIONTIMEOUT the NAS
// gets a challenge, the user types "push" and approves the new push.
func (d *demo) storySilent() error {
	began := time.Now()
	x := d.send(user, userPassword, "password=****", "")
	if _, err := d.nextPush(); err != nil {
		return err
	}
	d.say("phone: (the phone is in a pocket: nobody answers)")
	r, err := d.expect(x, began, layeh.CodeAccessChallenge, "push", "passcode")
	if err != nil {
		return err
	}
	if waited := time.Since(began); waited < notificationTimeout {
		return fmt.Errorf("expected the challenge after NOTIFICATIONTIMEOUT=%v, got it after %v", notificationTimeout, waited)
	}
	began = time.Now()
	x = d.send(user, "push", `answer="push"`, rfc2865.State_GetString(r.Packet))
	p, err := d.nextPush()
	if err != nil {
		return err
	}
	if err := d.answer(p, push.Approve); err != nil {
		return err
	}
	_, err = d.expect(x, began, layeh.CodeAccessAccept)
	return err
}

// storyPasscode: user demo2 has only an OATH token and a policy without
// push, so the password is followed by a passcode challenge.
func (d *demo) storyPasscode() error {
	tok, err := d.passcodeUser()
	if err != nil {
		return err
	}
	began := time.Now()
	x := d.send(user2, user2Pass, "password=****", "")
	r, err := d.expect(x, began, layeh.CodeAccessChallenge, "passcode")
	if err != nil {
		return err
	}
	code := tok.code(time.Now())
	d.say("user: reads the authenticator app: %s", code)
	began = time.Now()
	x = d.send(user2, code, "answer="+code, rfc2865.State_GetString(r.Packet))
	_, err = d.expect(x, began, layeh.CodeAccessAccept)
	return err
}

// passcodeUser creates demo2 with an OATH token and the policy "passcode"
// (push off).
func (d *demo) passcodeUser() (*oath, error) {
	d.say("admin → create user %s password=****", user2)
	if _, err := d.admin.CreateUser(d.ctx, user2, user2Pass); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	tok, err := d.programOATH(user2)
	if err != nil {
		return nil, err
	}
	d.say("admin → policy \"passcode\" push=off, assigned to %s", user2)
	if _, err := d.admin.SetPolicy(d.ctx, "passcode", map[string]any{"push": "off"}); err != nil {
		return nil, fmt.Errorf("set policy: %w", err)
	}
	if _, err := d.admin.SetUserPolicy(d.ctx, user2, "passcode"); err != nil {
		return nil, fmt.Errorf("assign policy: %w", err)
	}
	return tok, nil
}

// nextPush long-polls the phone for a push it has not shown yet, and
// prints what the phone shows.
func (d *demo) nextPush() (push.Payload, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 15*time.Second)
	defer cancel()
	p, err := d.phone.NextPush(ctx, 5*time.Second, d.seen...)
	if err != nil {
		return push.Payload{}, fmt.Errorf("expected a push on the phone: %w", err)
	}
	d.seen = append(d.seen, p.Nonce)
	d.showPush(p)
	return p, nil
}

func (d *demo) showPush(p push.Payload) {
	d.say("phone ← push (server signature verified): %s is signing in to %s (%s) from %s",
		p.User, p.Client, p.Agent, p.CallingStation)
	d.note("login %s, expires %s", short(p.LoginID), p.Expires.Local().Format(time.TimeOnly))
}

// answer signs and sends the user's decision.
func (d *demo) answer(p push.Payload, decision string) error {
	d.say("phone → %s (signed with the device key)", decision)
	if err := d.phone.Answer(d.ctx, p, decision); err != nil {
		return fmt.Errorf("expected the server to take the answer: %w", err)
	}
	return nil
}
