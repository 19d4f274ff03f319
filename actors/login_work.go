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
	a, deps, lk := l.first, l.deps(), l.sys.lockouts
	l.async(ctx, func(c context.Context) any { return verifyFirst(c, deps, lk, a) })
}

// verifyFirst looks the user up, resolves the policy, checks the password
// (SPEC S2.2, S2.3) and loads the tokens and the user's push history.
func verifyFirst(ctx context.Context, d *Deps, lk *lockouts, a *Attempt) *verified {
	id, err := identify(ctx, d, a)
	if err != nil {
		return &verified{reason: sourceFailure(d, err, auth.ReasonStoreError, "look up user")}
	}
	u, userPolicy := id.User, id.PolicyName()
	v := &verified{user: u, policy: d.resolvePolicy(ctx, userPolicy, a.Client)}
	if v.reason, v.appended = passwordStep(ctx, d, lk, id, v.policy, a); v.reason != "" {
		if a.NameError != "" {
			v.reason = auth.ReasonInvalidUserName
		}
		return v
	}
	if v.tokens, err = loginTokens(ctx, d, id); err != nil {
		d.Log.Error().Err(err).Msg("load tokens")
		v.reason = auth.ReasonStoreError
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
func checkPasswordAppended(ctx context.Context, d *Deps, id *auth.Identity, p store.Policy, a *Attempt) (reason auth.Reason, appended string) {
	reason = checkPassword(ctx, d, id, p, a)
	i := strings.LastIndexByte(a.Password, ',')
	if reason == "" || !a.Client.GetAppendMode() || p.Method == policyToken || i < 0 {
		return reason, ""
	}
	short := &Attempt{Password: a.Password[:i], Client: a.Client, CallingStation: a.CallingStation}
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
func checkPassword(ctx context.Context, d *Deps, id *auth.Identity, p store.Policy, a *Attempt) auth.Reason {
	if p.Method == policyToken {
		return id.Unusable()
	}
	release, busy := admitPassword(ctx, d, a) // fair per client (SPEC S2.10)
	if busy != "" {
		return busy
	}
	reason, err := d.PasswordChecker.Check(ctx, id, a.Password)
	release()
	switch {
	case err != nil:
		return sourceFailure(d, err, auth.ReasonPasswordError, "verify password")
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

// gridMatch returns the GridSure token whose PIP the answer follows on
// grid, or nil (also when there is no grid, or the agent gets none).
func gridMatch(tokens []store.Token, grid *auth.Grid, gridAllowed bool, answer string) *store.Token {
	if grid == nil || !gridAllowed {
		return nil
	}
	for i, t := range tokens {
		if t.Type != store.TokenGridSure {
			continue
		}
		if pip, err := auth.ParsePIP(string(t.Seed)); err == nil && auth.VerifyGridAnswer(*grid, pip, answer) {
			return &tokens[i]
		}
	}
	return nil
}

// otpMatch returns the OATH token that answer is a current code of, with
// the code's step, or nil. A step not after the token's last used one (as
// read when the login began) does not match; the store re-checks it when
// it consumes the step.
func otpMatch(tokens []store.Token, answer string, now time.Time) (*store.Token, int64) {
	for i, t := range tokens {
		if !auth.IsOTPToken(t) {
			continue
		}
		spec := auth.OTPSpec{Algorithm: t.Algorithm, Digits: t.Digits, Period: t.Period, LastStep: t.LastStep}
		if step, ok := auth.VerifyOTP(t.Seed, spec, answer, now); ok {
			return &tokens[i], step
		}
	}
	return nil, 0
}

// passcodeReason is the audit reason of an accept by passcode.
func (l *login) passcodeReason(reason auth.Reason) auth.Reason {
	if l.timedOut {
		return auth.ReasonTimeoutThenPasscode
	}
	return reason
}

// commitPasscode has the store consume the right code's step and write the
// accept's record in one transaction, off the mailbox. Until the store
// claims the accept, a deny from the phone still cancels the login (SPEC
// S3.5, answerStatus); after that the deny is too late.
func (l *login) commitPasscode(ctx actor.Context, t *store.Token, step int64) {
	l.become(ctx, stateChecking, l.checking)
	rec := l.auditRecord(Accept, l.passcodeReason(auth.ReasonPasscode))
	rec.Token = t.Serial
	l.passcode = &passcodeAccept{rec: rec}
	accept := &store.OTPAccept{TokenID: t.ID, Step: step, Record: rec, Claim: l.passcode.race.win}
	deps := l.deps()
	l.async(ctx, func(c context.Context) any {
		return &passcodeCommitted{err: deps.Store.AcceptWithOTP(c, accept)}
	})
}

// onPasscodeCommitted ends the login as the commit and a deny decided.
func (l *login) onPasscodeCommitted(ctx actor.Context, r *passcodeCommitted) {
	p := l.passcode
	rec := p.rec
	l.passcode = nil
	switch {
	case l.cancelled: // the deny won: the step is consumed, no accept written
		l.finish(ctx, Reject, msgDenied, auth.ReasonDenied)
	case errors.Is(r.err, store.ErrOTPReused):
		l.wrongPasscode(ctx) // used meanwhile, by another login or node
	case r.err != nil:
		// A commit that timed out in the queue may still run: taking the
		// claim first keeps its accept from being written after this
		// login has rejected.
		ev := l.deps().Log.Error().Err(r.err).Str("login", l.id)
		if !p.race.win() {
			ev = ev.Bool("accept_may_be_stored", true)
		}
		ev.Msg("accept passcode")
		l.finish(ctx, Reject, msgUnavailable, auth.ReasonStoreError) // the code was right: say so honestly
	default:
		// The user signed in another way: a login of theirs still waiting
		// on the phone is superseded and its push withdrawn (S2.3). Only a
		// right passcode does this, never a wrong one.
		l.claimSlot(ctx)
		l.tokenUsed = rec.Token
		l.end(ctx, Accept, "", "", rec)
	}
}

// wrongPasscode challenges again, until the policy's attempt limit.
func (l *login) wrongPasscode(ctx actor.Context) {
	l.wrong++
	if int(l.wrong) >= l.policy.AttemptLimit {
		l.finish(ctx, Reject, msgAuthFailed, auth.ReasonAttemptLimit)
		return
	}
	l.challenge(ctx, msgWrong)
}
