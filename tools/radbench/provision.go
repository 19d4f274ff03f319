package main

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/adminclient"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
)

// parallel runs fn(i) for every i in [0, n) on up to workers goroutines and
// returns the first error (the remaining work is then skipped). It reports
// progress every 10 s when progress is not nil.
func parallel(ctx context.Context, n, workers int, progress io.Writer, what string, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(fmt.Errorf("%s %d: %w", what, i, err))
					return
				}
				done.Add(1)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	start := time.Now()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-finished:
			return context.Cause(ctx)
		case <-tick.C:
			if progress != nil {
				d := done.Load()
				fmt.Fprintf(progress, "  %s: %d/%d (%.0f/s)\n", what, d, n, float64(d)/time.Since(start).Seconds())
			}
		}
	}
}

// userName is the name of the i-th benchmark user.
func userName(i int) string { return fmt.Sprintf("u%06d", i) }

// userPassword is the password of the i-th benchmark user.
func userPassword(i int) string { return fmt.Sprintf("pw-%06d-radbench", i) }

// oathUser is a user with a password and an OATH token whose codes radbench
// computes from the otpauth URI's secret, as an authenticator app would.
type oathUser struct {
	name, password string
	seed           []byte
	alg            string
	digits, period int
	next           int64 // HOTP: next counter; TOTP: last step used
}

// code returns the next passcode to type, or ok=false when a TOTP user has
// used every step the server would accept now (steps are accepted once, so a
// TOTP user can log in about three times per period).
func (u *oathUser) code(now time.Time) (string, bool) {
	if u.alg == apitype.AlgorithmHOTP {
		c := u.next
		u.next++
		return auth.HOTP(u.seed, uint64(c), u.digits), true
	}
	cur := auth.TOTPStep(now, u.period)
	step := max(cur-auth.TOTPWindow, u.next+1)
	if step > cur+auth.TOTPWindow {
		return "", false
	}
	u.next = step
	return auth.HOTP(u.seed, uint64(step), u.digits), true
}

// provisionOATH creates n users with a password and an OATH token each.
// Without local, the users exist only in the directory (with the same
// passwords): programming the token creates their local record.
func provisionOATH(ctx context.Context, admin *adminclient.Client, n int, alg string, local bool, workers int, progress io.Writer) ([]*oathUser, error) {
	users := make([]*oathUser, n)
	err := parallel(ctx, n, workers, progress, "oath users", func(ctx context.Context, i int) error {
		u := &oathUser{name: userName(i), password: userPassword(i), alg: alg, next: -1}
		if alg == apitype.AlgorithmHOTP {
			u.next = 0
		}
		if local {
			if _, err := admin.CreateUser(ctx, u.name, u.password); err != nil {
				return fmt.Errorf("create user: %w", err)
			}
		}
		res, err := admin.ProgramToken(ctx, u.name, apitype.ProgramRequest{Type: apitype.TypeOATH, Algorithm: alg})
		if err != nil {
			return fmt.Errorf("program token: %w", err)
		}
		if u.seed, u.digits, u.period, err = parseOTPAuth(res.OTPAuthURI); err != nil {
			return err
		}
		users[i] = u
		return nil
	})
	return users, err
}

// parseOTPAuth reads seed, digits and period from an otpauth:// URI.
func parseOTPAuth(uri string) (seed []byte, digits, period int, err error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("otpauth URI: %w", err)
	}
	q := u.Query()
	secret := strings.TrimRight(strings.ToUpper(q.Get("secret")), "=")
	if seed, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret); err != nil || len(seed) == 0 {
		return nil, 0, 0, errors.New("otpauth URI: secret is not base32")
	}
	digits, _ = strconv.Atoi(q.Get("digits"))
	if digits == 0 {
		digits = auth.DefaultDigits
	}
	period, _ = strconv.Atoi(q.Get("period"))
	return seed, digits, period, nil
}

// phone is a user's activated soft token in poll mode.
type phone struct {
	name, password string
	dev            *deviceclient.Device
	answered       []string // nonces this phone already answered (the last few)
}

// remember records an answered nonce, keeping the last four.
func (p *phone) remember(nonce string) {
	p.answered = append(p.answered, nonce)
	if len(p.answered) > 4 {
		p.answered = p.answered[len(p.answered)-4:]
	}
}

// provisionPhones creates n users, each with a soft token activated from
// its own simulated Android device (poll mode). withPassword gives each user
// a directory password too (hashed by the server with its argon2 params).
func provisionPhones(ctx context.Context, admin *adminclient.Client, n int, withPassword bool, workers int, f *fleet, progress io.Writer) ([]*phone, error) {
	phones := make([]*phone, n)
	err := parallel(ctx, n, workers, progress, "phones", func(ctx context.Context, i int) error {
		p := &phone{name: userName(i)}
		if withPassword {
			p.password = userPassword(i)
		}
		if _, err := admin.CreateUser(ctx, p.name, p.password); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		res, err := admin.ProgramToken(ctx, p.name, apitype.ProgramRequest{Type: apitype.TypeSoftToken})
		if err != nil {
			return fmt.Errorf("program soft token: %w", err)
		}
		p.dev, err = deviceclient.Activate(ctx, res.ActivationURL, deviceclient.Options{
			Platform: "android", OSVersion: "14", PushKind: "poll", HTTP: f.http,
		})
		if err != nil {
			return err
		}
		p.dev.HTTP = f.http
		phones[i] = p
		return nil
	})
	return phones, err
}

// setBenchPolicies creates the policies of the isapi client (method token)
// and of the second ddl client (method password+token), both with push on
// and no per-user push rate limit.
func setBenchPolicies(ctx context.Context, admin *adminclient.Client) error {
	for name, method := range map[string]string{benchPolicy: "token", benchPWPolicy: "password+token"} {
		_, err := admin.SetPolicy(ctx, name, map[string]any{
			auth.KeyMethod: method, auth.KeyPush: "on", auth.KeyPushesPerMinute: "0",
		})
		if err != nil {
			return fmt.Errorf("set policy %s: %w", name, err)
		}
	}
	return nil
}
