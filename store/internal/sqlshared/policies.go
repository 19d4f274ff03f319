package sqlshared

import "github.com/pushauth/pushauth/store"

// PolicyColumns are a Policy's columns, as ScanPolicy reads them.
const PolicyColumns = `name, push_enabled, method, attempt_limit, lockout_failures, lockout_seconds, pushes_per_minute, number_matching,
	new_user, self_enrollment, self_enrollment_otp, self_enrollment_window`

// The policies statements both drivers run (PostgreSQL's rebound by Dollar).
const (
	// PutPolicy's values are PolicyValues.
	PutPolicy = `INSERT INTO policies (` + PolicyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET
			push_enabled = excluded.push_enabled, method = excluded.method,
			attempt_limit = excluded.attempt_limit, lockout_failures = excluded.lockout_failures,
			lockout_seconds = excluded.lockout_seconds, pushes_per_minute = excluded.pushes_per_minute,
			number_matching = excluded.number_matching, new_user = excluded.new_user,
			self_enrollment = excluded.self_enrollment, self_enrollment_otp = excluded.self_enrollment_otp,
			self_enrollment_window = excluded.self_enrollment_window`
	PolicyByName = `SELECT ` + PolicyColumns + ` FROM policies WHERE name = ?`
	ListPolicies = `SELECT ` + PolicyColumns + ` FROM policies ORDER BY name`
	// PolicyNames is what `pushauthd --check-config` reads.
	PolicyNames = `SELECT name FROM policies ORDER BY name`
)

// PolicyValues are PutPolicy's values for p.
func PolicyValues(p *store.Policy) []any {
	return []any{p.Name, p.PushEnabled, p.Method, p.AttemptLimit, p.LockoutFailures, p.LockoutSeconds, p.PushesPerMinute,
		p.NumberMatching, p.NewUser, p.SelfEnrollment, p.SelfEnrollmentOTP, p.SelfEnrollmentWindow}
}

// ScanPolicy reads a row of PolicyColumns.
func ScanPolicy(row RowScanner) (*store.Policy, error) {
	var p store.Policy
	err := row.Scan(&p.Name, &p.PushEnabled, &p.Method, &p.AttemptLimit, &p.LockoutFailures,
		&p.LockoutSeconds, &p.PushesPerMinute, &p.NumberMatching,
		&p.NewUser, &p.SelfEnrollment, &p.SelfEnrollmentOTP, &p.SelfEnrollmentWindow)
	if err != nil {
		return nil, err
	}
	return &p, nil
}
