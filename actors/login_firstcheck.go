package actors

import (
	"context"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// The first checks of a login (SPEC S2.2–S2.4, S8.3, S9.1), run off the
// mailbox while the login is verifying: who the user is, the policy, the
// password step with its lockout (lockout.go), the tokens and the user's
// push history.

// policyToken is the policy method that skips the password (SPEC S2.3).
const policyToken = "token"

// verifyFirst looks the user up, resolves the policy, checks the password
// (SPEC S2.2, S2.3) and loads the tokens and the user's push history.
func verifyFirst(ctx context.Context, d *Deps, lk *lockouts, a *Attempt) *verified {
	id, err := identify(ctx, d, a)
	if err != nil {
		return &verified{reason: sourceFailure(d, err, auth.ReasonStoreError, "look up user")}
	}
	u, userPolicy := id.User, id.PolicyName()
	v := &verified{user: u, policy: d.resolvePolicy(ctx, userPolicy, a.Client)}
	if a.Client.GetPasswordVerified() { // the caller checked it (SignIn): no password step here
		v.policy.Method = policyToken
	}
	d.warnEmptyPassword(a, v.policy)
	verifiedPassword := v.policy.Method != policyToken || a.Client.GetPasswordVerified()
	if v.reason, v.appended = passwordStep(ctx, d, lk, id, v.policy, a); v.reason != "" {
		switch {
		case a.NameError != "":
			v.reason = auth.ReasonInvalidUserName
		case v.reason == auth.ReasonNoToken && u == nil && id.DN != "": // a directory user never given a token
			return newUserStep(ctx, d, v, a, verifiedPassword)
		case tokenMethodEnroll(v.policy, v.reason):
			v.message = enrollPageMessage(d)
		}
		return v
	}
	if v.tokens, err = loginTokens(ctx, d, id); err != nil {
		d.Log.Error().Err(err).Msg("load tokens")
		v.reason = auth.ReasonStoreError
		return v
	}
	if v.attributes, err = d.replyAttributes(v.policy); err != nil {
		v.reason = auth.ReasonReplyAttributes
		return v
	}
	if v.pushTok, _ = auth.ChoosePushToken(v.tokens); v.pushTok != nil {
		loadPushHistory(ctx, d, v) // only a push needs it: two reads saved per passcode-only login
	}
	if hasNoToken(v, a.Client.GetKind()) {
		return newUserStep(ctx, d, v, a, verifiedPassword)
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
