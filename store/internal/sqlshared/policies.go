package sqlshared

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pushauth/pushauth/store"
)

// PolicyColumns are a Policy's columns, as ScanPolicy reads them.
const PolicyColumns = `name, push_enabled, method, attempt_limit, lockout_failures, lockout_seconds, pushes_per_minute, number_matching,
	reply_attributes, new_user, self_enrollment, self_enrollment_otp, self_enrollment_window`

// The policies statements both drivers run (PostgreSQL's rebound by Dollar).
const (
	// PutPolicy's values are PolicyValues.
	PutPolicy = `INSERT INTO policies (` + PolicyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET
			push_enabled = excluded.push_enabled, method = excluded.method,
			attempt_limit = excluded.attempt_limit, lockout_failures = excluded.lockout_failures,
			lockout_seconds = excluded.lockout_seconds, pushes_per_minute = excluded.pushes_per_minute,
			number_matching = excluded.number_matching, reply_attributes = excluded.reply_attributes,
			new_user = excluded.new_user,
			self_enrollment = excluded.self_enrollment, self_enrollment_otp = excluded.self_enrollment_otp,
			self_enrollment_window = excluded.self_enrollment_window`
	PolicyByName = `SELECT ` + PolicyColumns + ` FROM policies WHERE name = ?`
	ListPolicies = `SELECT ` + PolicyColumns + ` FROM policies ORDER BY name`
	// PolicyNames is what `pushauthd --check-config` reads.
	PolicyNames = `SELECT name FROM policies ORDER BY name`
	// PolicyReplyAttributes is what `pushauthd --check-config` reads to
	// check the stored reply attributes, once HasReplyAttributes* says the
	// column exists (a database the new server has not migrated yet has
	// none).
	PolicyReplyAttributes = `SELECT name, reply_attributes FROM policies WHERE reply_attributes <> '' ORDER BY name`
	// HasReplyAttributesSQLite and HasReplyAttributesPostgres count the
	// reply_attributes column (0 or 1): looking for the column rather than
	// at the schema version keeps --check-config right whatever step
	// number adds it.
	HasReplyAttributesSQLite   = `SELECT COUNT(*) FROM pragma_table_info('policies') WHERE name = 'reply_attributes'`
	HasReplyAttributesPostgres = `SELECT COUNT(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'policies' AND column_name = 'reply_attributes'`
)

// StepPolicyReplyAttributes is the migration step (both drivers) that
// adds the policies' reply attributes: a JSON array of "Name: value"
// strings, ” for none.
const StepPolicyReplyAttributes = `ALTER TABLE policies ADD COLUMN reply_attributes TEXT NOT NULL DEFAULT ''`

// PolicyValues are PutPolicy's values for p.
func PolicyValues(p *store.Policy) ([]any, error) {
	attrs, err := encodeReplyAttributes(p.ReplyAttributes)
	if err != nil {
		return nil, err
	}
	return []any{p.Name, p.PushEnabled, p.Method, p.AttemptLimit, p.LockoutFailures, p.LockoutSeconds, p.PushesPerMinute,
		p.NumberMatching, attrs, p.NewUser, p.SelfEnrollment, p.SelfEnrollmentOTP, p.SelfEnrollmentWindow}, nil
}

// ScanPolicy reads a row of PolicyColumns.
func ScanPolicy(row RowScanner) (*store.Policy, error) {
	var p store.Policy
	var attrs string
	err := row.Scan(&p.Name, &p.PushEnabled, &p.Method, &p.AttemptLimit, &p.LockoutFailures,
		&p.LockoutSeconds, &p.PushesPerMinute, &p.NumberMatching, &attrs,
		&p.NewUser, &p.SelfEnrollment, &p.SelfEnrollmentOTP, &p.SelfEnrollmentWindow)
	if err != nil {
		return nil, err
	}
	if p.ReplyAttributes, err = decodeReplyAttributes(attrs); err != nil {
		return nil, fmt.Errorf("policy %q: %w", p.Name, err)
	}
	return &p, nil
}

// encodeReplyAttributes is the column's text: ” for none, else JSON.
func encodeReplyAttributes(attrs []string) (string, error) {
	if len(attrs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		return "", fmt.Errorf("reply attributes: %w", err)
	}
	return string(b), nil
}

// DecodeReplyAttributes reads the reply_attributes column.
func DecodeReplyAttributes(text string) ([]string, error) { return decodeReplyAttributes(text) }

func decodeReplyAttributes(text string) ([]string, error) {
	if text == "" {
		return nil, nil
	}
	var attrs []string
	if err := json.Unmarshal([]byte(text), &attrs); err != nil {
		return nil, fmt.Errorf("reply attributes column: %w", err)
	}
	if len(attrs) == 0 {
		return nil, nil
	}
	return attrs, nil
}

// ReadPolicy returns the named policy by query (the driver's
// PolicyByName), or store.ErrNotFound.
func ReadPolicy(ctx context.Context, q Querier, query, name string) (*store.Policy, error) {
	p, err := One(ctx, q, ScanPolicy, query, name)
	if err != nil {
		return nil, fmt.Errorf("policy %q: %w", name, err)
	}
	return p, nil
}

// ReadPolicies returns all stored policies ordered by name (ListPolicies).
func ReadPolicies(ctx context.Context, q Querier) ([]store.Policy, error) {
	policies, err := List(ctx, q, ScanPolicy, ListPolicies)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return policies, nil
}

// WritePolicy creates or replaces the policy named p.Name by query (the
// driver's PutPolicy).
func WritePolicy(ctx context.Context, e Execer, query string, p *store.Policy) error {
	if p.Name == "" {
		return errors.New("put policy: empty name")
	}
	values, err := PolicyValues(p)
	if err != nil {
		return fmt.Errorf("put policy %q: %w", p.Name, err)
	}
	if _, err := e.Exec(ctx, query, values...); err != nil {
		return fmt.Errorf("put policy %q: %w", p.Name, err)
	}
	return nil
}
