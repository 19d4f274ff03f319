package actors

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// storeTimeout bounds each piece of off-mailbox work.
const storeTimeout = 10 * time.Second

// policyToken is the policy method that skips the password (SPEC S2.3).
const policyToken = "token"

// async runs work off the mailbox (owned by the System, which waits for
// it at shutdown) and delivers its result to the login.
func (l *login) async(ctx actor.Context, work func(context.Context) any) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	l.sys.goWork(func(base context.Context) {
		c, cancel := context.WithTimeout(base, storeTimeout)
		defer cancel()
		root.Send(self, work(c))
	})
}

func (l *login) startVerify(ctx actor.Context) {
	l.become(ctx, stateVerifying, l.verifying)
	// The goroutine reads l.first before the login touches it again: the
	// login changes it only once the result (sent after) has arrived.
	a, deps := l.first, l.deps()
	l.async(ctx, func(c context.Context) any { return verifyFirst(c, deps, a) })
}

// verifyFirst looks the user up, resolves the policy, checks the password
// (SPEC S2.2, S2.3) and loads the tokens and the user's push history.
func verifyFirst(ctx context.Context, d *Deps, a *Attempt) *verified {
	id, err := identify(ctx, d, a)
	if err != nil {
		return &verified{reason: sourceFailure(d, err, "store-error", "look up user")}
	}
	u, userPolicy := id.User, id.PolicyName()
	v := &verified{user: u, policy: auth.ResolvePolicy(userPolicy, a.Client.GetPolicy(), func(name string) (*store.Policy, error) {
		return d.Store.PolicyByName(ctx, name)
	})}
	if v.reason, v.appended = checkPasswordAppended(ctx, d, id, v.policy, a); v.reason != "" {
		if a.NameError != "" {
			v.reason = "invalid-user-name"
		}
		return v
	}
	if auth.Locked(u, d.now()) {
		v.reason = "locked-out"
		return v
	}
	if v.tokens, err = loginTokens(ctx, d, id); err != nil {
		d.Log.Error().Err(err).Msg("load tokens")
		v.reason = "store-error"
		return v
	}
	if v.pushTok, _ = auth.ChoosePushToken(v.tokens); v.pushTok != nil {
		loadPushHistory(ctx, d, v) // only a push needs it: two reads saved per passcode-only login
	}
	v.ok = true
	v.passcode = (v.policy.Method == policyToken && a.Password != "") ||
		(v.appended != "" && !auth.IsPushRequest(v.appended))
	return v
}

// loginTokens are the user's tokens: the ones the password source read
// with the user, or else read now and slimmed.
func loginTokens(ctx context.Context, d *Deps, id *auth.Identity) ([]store.Token, error) {
	if id.TokensRead {
		return id.Tokens, nil
	}
	tokens, err := d.Store.TokensByUser(ctx, id.User.ID)
	if err != nil {
		return nil, err
	}
	return slimTokens(tokens), nil
}

// slimTokens keeps what a login needs of each token: the OTP and GridSure
// secrets, and the push target of a device (never its public key, which
// only the device API checks). The rest of each row is left to the GC.
func slimTokens(tokens []store.Token) []store.Token {
	out := make([]store.Token, len(tokens))
	for i, t := range tokens {
		out[i] = store.Token{ID: t.ID, UserID: t.UserID, Type: t.Type, Serial: t.Serial,
			Algorithm: t.Algorithm, Digits: t.Digits, Period: t.Period, Seed: t.Seed,
			LastStep: t.LastStep, PushOn: t.PushOn,
			OneLoginUser: t.OneLoginUser, OneLoginDevice: t.OneLoginDevice}
		if d := t.Device; d != nil {
			out[i].Device = &store.Device{ID: d.ID, PushKind: d.PushKind, PushToken: d.PushToken,
				PushDisabled: d.PushDisabled}
		}
	}
	return out
}

// checkPasswordAppended is checkPassword with append mode (SPEC S8.3): for
// a client with append_mode, a password that is not right as a whole and
// holds a comma is tried once more without its last ",…"; the rest
// ("push" or a passcode) is returned. The whole string goes first, so a
// comma that belongs to the password still works.
func checkPasswordAppended(ctx context.Context, d *Deps, id *auth.Identity, p store.Policy, a *Attempt) (reason, appended string) {
	reason = checkPassword(ctx, d, id, p, a)
	i := strings.LastIndexByte(a.Password, ',')
	if reason == "" || !a.Client.GetAppendMode() || p.Method == policyToken || i < 0 {
		return reason, ""
	}
	short := &Attempt{Password: a.Password[:i]}
	if again := checkPassword(ctx, d, id, p, short); again != "" {
		return reason, ""
	}
	return "", strings.TrimSpace(a.Password[i+1:])
}

// identify asks the password source who the user is (the local record,
// and the directory entry for a directory source). An unacceptable name
// is nobody; its password is still checked, for timing.
func identify(ctx context.Context, d *Deps, a *Attempt) (*auth.Identity, error) {
	if a.NameError != "" {
		return &auth.Identity{}, nil
	}
	return d.PasswordChecker.Identify(ctx, a.User)
}

// loadPushHistory reads the user's pushes in the last minute (for the
// per-user cap) and any "this wasn't me" suspension. A store error is
// logged and treated as no history: the in-memory cap still applies.
func loadPushHistory(ctx context.Context, d *Deps, v *verified) {
	if !v.policy.PushEnabled {
		return
	}
	var err error
	if v.policy.PushesPerMinute > 0 {
		if v.recentPushes, err = d.Store.PushesSince(ctx, v.user.Name, d.now().Add(-time.Minute)); err != nil {
			d.Log.Error().Err(err).Msg("read push history")
		}
	}
	if v.suspendedUntil, _, err = d.Store.PushSuspension(ctx, v.user.Name); err != nil {
		d.Log.Error().Err(err).Msg("read push suspension")
	}
}

// checkPassword returns "" when the password step passes, else the reason.
// The password source checks unknown users too, for comparable timing
// (SPEC S2.2); a directory that cannot answer rejects (SPEC S9.1).
func checkPassword(ctx context.Context, d *Deps, id *auth.Identity, p store.Policy, a *Attempt) string {
	if p.Method == policyToken {
		return id.Unusable()
	}
	reason, err := d.PasswordChecker.Check(ctx, id, a.Password)
	switch {
	case err != nil:
		return sourceFailure(d, err, "password-error", "verify password")
	case reason != "":
		return reason
	}
	return id.Unusable()
}

// appendedPasscode is the attempt whose passcode is checked first: the
// attempt itself (policy "token"), or in append mode a copy carrying only
// what followed the password's last comma.
func appendedPasscode(a *Attempt, appended string) *Attempt {
	if appended == "" {
		return a
	}
	c := proto.Clone(a).(*Attempt)
	c.Password = appended
	return c
}

// checkPasscode checks a typed passcode off the mailbox (SPEC S3.2).
func (l *login) checkPasscode(ctx actor.Context, a *Attempt) {
	l.cancelTimer()
	l.become(ctx, stateChecking, l.checking)
	tokens, deps, grid := l.tokens, l.deps(), l.grid
	if l.gridToken() == nil {
		grid = nil
	}
	l.grid = nil // a grid answers one challenge only
	l.async(ctx, func(c context.Context) any { return checkAnswer(c, deps, tokens, grid, a) })
}

// checkAnswer checks a typed answer against the GridSure grid shown (if
// any, SPEC S3.3), then against the OTP tokens (S3.2).
func checkAnswer(ctx context.Context, d *Deps, tokens []store.Token, grid *auth.Grid, a *Attempt) *otpChecked {
	if grid != nil {
		for _, t := range tokens {
			if t.Type != store.TokenGridSure {
				continue
			}
			if pip, err := auth.ParsePIP(string(t.Seed)); err == nil && auth.VerifyGridAnswer(*grid, pip, a.Password) {
				return &otpChecked{attempt: a, ok: true, token: t.Serial, reason: "gridsure"}
			}
		}
	}
	return checkOTP(ctx, d, tokens, a)
}

// checkOTP tries the answer against every OTP token of the user and
// consumes the matching step so it is never accepted twice.
func checkOTP(ctx context.Context, d *Deps, tokens []store.Token, a *Attempt) *otpChecked {
	res := &otpChecked{attempt: a, reason: "wrong-passcode"}
	for _, t := range tokens {
		if !auth.IsOTPToken(t) {
			continue
		}
		spec := auth.OTPSpec{Algorithm: t.Algorithm, Digits: t.Digits, Period: t.Period, LastStep: t.LastStep}
		step, ok := auth.VerifyOTP(t.Seed, spec, a.Password, d.now())
		if !ok {
			continue
		}
		err := d.Store.ConsumeOTPStep(ctx, t.ID, step)
		switch {
		case errors.Is(err, store.ErrOTPReused):
			res.reason = "passcode-reused"
		case err != nil:
			res.err = err
			return res
		default:
			res.ok, res.token, res.reason = true, t.Serial, "passcode"
			return res
		}
	}
	return res
}

func (l *login) onPasscodeChecked(ctx actor.Context, r *otpChecked) {
	l.held = append(l.held, r.attempt)
	switch {
	case l.cancelled:
		l.finish(ctx, Reject, msgDenied, "denied")
	case r.err != nil:
		l.deps().Log.Error().Err(r.err).Str("login", l.id).Msg("check passcode")
		l.finish(ctx, Reject, msgAuthFailed, "store-error")
	case r.ok:
		// The user signed in another way: a login of theirs still waiting
		// on the phone is superseded and its push withdrawn (S2.3). Only a
		// right passcode does this, never a wrong one.
		l.claimSlot(ctx)
		l.tokenUsed = r.token
		reason := r.reason
		if l.timedOut {
			reason = "timeout-then-passcode"
		}
		l.finish(ctx, Accept, "", reason)
	default:
		l.wrong++
		if int(l.wrong) >= l.policy.AttemptLimit {
			l.finish(ctx, Reject, msgAuthFailed, "attempt-limit")
			return
		}
		l.challenge(ctx, msgWrong)
	}
}
