package policies

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"github.com/loamcms/cms/models"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Enforcer is the models.Authorizer backed by casbin.
type Enforcer struct {
	e     *casbin.SyncedEnforcer
	roles []string
}

// Default returns the enforcer for the embedded model and policy.
func Default() (*Enforcer, error) { return New(policyCSV) }

// DefaultPolicy returns the embedded policy text (for tests that remove lines).
func DefaultPolicy() string { return policyCSV }

// New returns an enforcer for the embedded model and the given policy text.
func New(policy string) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("policies: model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, stringadapter.NewAdapter(stripComments(policy)))
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	rules, err := e.GetPolicy()
	if err != nil {
		return nil, err
	}
	var roles []string
	for _, r := range rules {
		if !slices.Contains(roles, r[0]) && !strings.HasPrefix(r[0], models.TokenRolePrefix) {
			roles = append(roles, r[0])
		}
	}
	slices.Sort(roles)
	return &Enforcer{e: e, roles: roles}, nil
}

// stripComments drops blank and "#" lines, which casbin's string adapter does not skip.
func stripComments(policy string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(policy, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		b.WriteString(t)
		b.WriteByte('\n')
	}
	return b.String()
}

// Can reports whether any of p's roles allows act on obj. The system
// principal (the scheduler) may do anything; anonymous principals nothing.
func (e *Enforcer) Can(p models.Principal, obj, act string) bool {
	if p.System {
		return true
	}
	for _, role := range p.Roles {
		ok, err := e.e.Enforce(role, obj, act)
		if err == nil && ok {
			return true
		}
	}
	return false
}

// Roles lists the roles that the policy defines for users, sorted.
func (e *Enforcer) Roles() []string { return slices.Clone(e.roles) }

var _ models.Authorizer = (*Enforcer)(nil)
