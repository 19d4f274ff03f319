// Package auth holds pushauth's authentication decisions as plain functions
// and small types that need no actors, network or database:
//
//   - password.go: argon2id password hashes in PHC string format, with a
//     bounded number of concurrent verifications and a dummy hash so that an
//     unknown user costs as much as a wrong password (SPEC S2.2);
//   - otp.go: RFC 4226 HOTP and RFC 6238 TOTP codes, their verification
//     window and replay rule, and otpauth:// provisioning URIs (SPEC S3.2);
//   - gridsure.go: GridSure PIPs, challenge grids and answers (SPEC S3.3, S4.3);
//   - policy.go: choosing a login's security policy, parsing operator policy
//     settings and the lockout check (SPEC S4.4);
//   - keyword.go: recognising a request for another push (SPEC S3.1).
//
// Callers own all state: the package has no mutable package-level variables.
// Consuming an accepted OTP step (so that each code works once) is the
// store's job: VerifyOTP returns the step for store.AcceptWithOTP.
package auth
