package adminapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pushauth/pushauth/auth"
	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radattr"
	"github.com/pushauth/pushauth/store"
)

func (s *server) listPolicies(w http.ResponseWriter, r *http.Request) error {
	policies, err := s.deps.Store.ListPolicies(r.Context())
	if err != nil {
		return err
	}
	out := apitype.PolicyList{Policies: make([]apitype.Policy, 0, len(policies)+1)}
	for i := range policies {
		out.Policies = append(out.Policies, policyView(&policies[i], false))
	}
	builtin := store.DefaultPolicy()
	if !slices.ContainsFunc(policies, func(p store.Policy) bool { return p.Name == builtin.Name }) {
		out.Policies = append(out.Policies, policyView(&builtin, true))
		slices.SortFunc(out.Policies, func(a, b apitype.Policy) int { return strings.Compare(a.Name, b.Name) })
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	p, builtin, err := s.lookupPolicy(r.Context(), name)
	if err != nil {
		return err
	}
	if p == nil {
		return policyNotFound(name)
	}
	return writeJSON(w, http.StatusOK, policyView(p, builtin))
}

// setPolicy applies every setting to the stored policy (or to the built-in
// default under the new name) and stores it; one bad setting changes nothing.
func (s *server) setPolicy(w http.ResponseWriter, r *http.Request) error {
	var req apitype.SetPolicyRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := checkName("policy name", name); err != nil {
		return err
	}
	p, _, err := s.lookupPolicy(r.Context(), name)
	if err != nil {
		return err
	}
	if p == nil {
		d := store.DefaultPolicy()
		d.Name = name
		p = &d
	}
	if err := s.applySettings(p, req.Settings); err != nil {
		return err
	}
	if err := s.deps.Store.PutPolicy(r.Context(), p); err != nil {
		return err
	}
	s.deps.Log.Info().Str("policy", name).Strs("keys", sortedKeys(req.Settings)).Msg("policy set")
	return writeJSON(w, http.StatusOK, policyView(p, false))
}

// applySettings applies settings to p in key order, so that the error for
// several bad settings is always the same one.
func (s *server) applySettings(p *store.Policy, settings map[string]any) error {
	for _, key := range sortedKeys(settings) {
		if strings.EqualFold(strings.TrimSpace(key), auth.KeyReplyAttributes) {
			if err := s.setReplyAttributes(p, settings[key]); err != nil {
				return err
			}
			continue
		}
		value, err := settingValue(key, settings[key])
		if err == nil {
			err = auth.ParsePolicySetting(p, key, value)
		}
		if err != nil {
			return badRequest("invalid_policy_setting", "%v", err)
		}
	}
	return nil
}

// setReplyAttributes sets the policy's reply attributes from a JSON list
// of "Name: value" strings (or one string; "" or [] clears them), checked
// against the server's RADIUS dictionaries.
func (s *server) setReplyAttributes(p *store.Policy, v any) error {
	var entries []string
	switch v := v.(type) {
	case string:
		entries = []string{v}
	case []any:
		for i, e := range v {
			text, ok := e.(string)
			if !ok {
				return badRequest("invalid_policy_setting", "policy setting %s: item %d is not a string", auth.KeyReplyAttributes, i)
			}
			entries = append(entries, text)
		}
	default:
		return badRequest("invalid_policy_setting", `policy setting %s: want a list of "Name: value" strings`, auth.KeyReplyAttributes)
	}
	if err := auth.SetReplyAttributes(p, entries, s.dictionary().Encode); err != nil {
		return badRequest("invalid_policy_setting", "%v", err)
	}
	return nil
}

// dictionary is the RADIUS dictionary reply attributes are checked with.
func (s *server) dictionary() *radattr.Dictionary {
	if s.deps.Dictionary == nil {
		return radattr.Builtin()
	}
	return s.deps.Dictionary
}

// settingValue writes a JSON scalar as the text ParsePolicySetting reads.
func settingValue(key string, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("policy setting %s: the value must be a string, number or boolean", key)
}

// lookupPolicy returns the named policy, or the built-in default (builtin
// true) for "default" when it is not stored. An unknown name is p == nil
// with a nil error.
func (s *server) lookupPolicy(ctx context.Context, name string) (p *store.Policy, builtin bool, err error) {
	p, err = s.deps.Store.PolicyByName(ctx, name)
	switch {
	case err == nil:
		return p, false, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, false, err
	case name == store.DefaultPolicy().Name:
		d := store.DefaultPolicy()
		return &d, true, nil
	}
	return nil, false, nil
}

func policyNotFound(name string) error {
	return notFound("policy_not_found", "policy %q not found", name)
}

func policyView(p *store.Policy, builtin bool) apitype.Policy {
	return apitype.Policy{
		Name:                 p.Name,
		Push:                 p.PushEnabled,
		Method:               p.Method,
		AttemptLimit:         p.AttemptLimit,
		LockoutFailures:      p.LockoutFailures,
		LockoutSeconds:       p.LockoutSeconds,
		PushesPerMinute:      p.PushesPerMinute,
		NumberMatching:       p.NumberMatching,
		NewUser:              p.NewUser,
		SelfEnrollment:       p.SelfEnrollment,
		SelfEnrollmentOTP:    p.SelfEnrollmentOTP,
		SelfEnrollmentWindow: p.SelfEnrollmentWindow,
		ReplyAttributes:      p.ReplyAttributes,
		Builtin:              builtin,
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
