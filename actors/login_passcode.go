package actors

import (
	"context"
	"errors"
	"time"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/store"
)

// A typed passcode's check (SPEC S3.2, S3.3, S2.9), run off the mailbox
// while the login is checking: in the user's turn, against the GridSure
// grid the challenge showed, then the OATH tokens; a wrong one is counted
// in the store before the turn ends.

// passcodeCheck is what a login knows to check a typed passcode off its
// mailbox (the login changes none of it meanwhile).
type passcodeCheck struct {
	userID      int64
	policy      store.Policy
	tokens      []store.Token
	grid        *auth.Grid
	gridAllowed bool
	attempt     *Attempt
}

// run is the check, in the user's turn.
func (pc *passcodeCheck) run(ctx context.Context, d *Deps, lk *lockouts) *passcodeChecked {
	r := &passcodeChecked{attempt: pc.attempt}
	release, c, reason := lk.turn(ctx, d, pc.userID)
	if r.failures, r.reason = c.Failures, reason; reason != "" {
		return r
	}
	defer release()
	answer := pc.attempt.Password
	if r.grid = gridMatch(pc.tokens, pc.grid, pc.gridAllowed, answer); r.grid != nil {
		return r
	}
	if r.otp, r.step = otpMatch(pc.tokens, answer, d.now()); r.otp != nil {
		return r
	}
	var err error
	if r.bypass, err = bypassMatch(ctx, d, pc.userID, answer); err != nil {
		r.reason = sourceFailure(d, err, auth.ReasonStoreError, "check a bypass code") // fail closed
		return r
	}
	if r.bypass != 0 {
		return r
	}
	if err = countFailure(ctx, d, pc.userID, pc.policy); err != nil {
		r.reason = sourceFailure(d, err, auth.ReasonStoreError, "count a wrong passcode") // fail closed
		return r
	}
	r.counted = true
	return r
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

// bypassMatch returns the id of the user's usable bypass code that answer
// is (SPEC S3.2), or 0. Only an answer of a bypass code's shape is looked
// up; the code itself never reaches a log.
func bypassMatch(ctx context.Context, d *Deps, userID int64, answer string) (int64, error) {
	code, ok := auth.BypassCodeOf(answer)
	if !ok {
		return 0, nil
	}
	id, err := d.Store.MatchBypassCode(ctx, userID, code, d.now())
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return id, err
}
