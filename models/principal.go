package models

import "slices"

// Principal is who is making a request: a signed-in user, an API token of
// the delivery API, an entry preview link, or the system itself (the
// scheduler). The zero value is anonymous.
type Principal struct {
	UserID    string
	Name      string
	Roles     []string
	SessionID string
	TokenID   string // an API token (role RoleTokenDelivery or RoleTokenPreview)
	Entry     string // the one entry an entry preview link opens (role RolePreviewLink)
	System    bool
}

// Anonymous reports whether nobody is signed in and no token was shown.
func (p Principal) Anonymous() bool {
	return p.UserID == "" && p.TokenID == "" && p.Entry == "" && !p.System
}

// HasRole reports whether the principal holds role.
func (p Principal) HasRole(role string) bool { return slices.Contains(p.Roles, role) }

// Objects and actions of the authorization policy. They are domain words, never URL paths.
const (
	ObjAccount = "account" // the signed-in user's own account
	ObjUsers   = "users"   // every user account
	ObjTokens  = "tokens"  // API tokens of the delivery API
	ObjPeople  = "people"  // every user's name, for mentions
	ObjContent = "content" // the delivery API's published content (and, with ActPreview, working copies)

	ActRead   = "read"
	ActCreate = "create"
	ActUpdate = "update"
	ActDelete = "delete"
	// ActPreview reads working copies through the delivery API.
	ActPreview = "preview"
)

// Built-in roles. Their rules live in policies/ and nowhere else.
const (
	RoleAdmin    = "admin"
	RoleEditor   = "editor"
	RoleReviewer = "reviewer"

	// Roles of what is not a user: API tokens by scope, and entry preview
	// links. No user can hold them (Authorizer.Roles leaves them out).
	RoleTokenDelivery = TokenRolePrefix + ScopeDelivery
	RoleTokenPreview  = TokenRolePrefix + ScopePreview
	RolePreviewLink   = TokenRolePrefix + "entry-preview"
	TokenRolePrefix   = "token:"
)

// Authorizer answers whether a principal may perform an action on an object.
// Services call it after loading the object; ownership rules are checked in Go
// next to the call.
type Authorizer interface {
	// Can reports whether any of the principal's roles allows act on obj.
	Can(p Principal, obj, act string) bool
	// Roles lists the roles the policy defines for users (not the token roles).
	Roles() []string
}

// Authorize is the usual check: unauthorized for anonymous principals,
// forbidden when no role of the principal allows act on obj.
func Authorize(a Authorizer, p Principal, obj, act string) error {
	if p.Anonymous() {
		return ErrUnauthorized
	}
	if !a.Can(p, obj, act) {
		return ErrForbidden
	}
	return nil
}
