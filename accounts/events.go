package accounts

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// userEvent writes the outbox event of a change to (or by) a user account,
// in the change's transaction. Summaries name fields, never a password.
func userEvent(tx *gorm.DB, p models.Principal, typ string, u *models.User, summary string) error {
	return outbox.Record(tx, outbox.Event{Type: typ, ObjectType: models.ObjUsers, ObjectID: u.ID, ActorID: p.UserID,
		Subject: u.Email, Summary: summary, Data: map[string]any{"id": u.ID, "email": u.Email, "roles": u.Roles}})
}

// refuse records a refused sign-in and returns the answer for it. Nobody is
// its actor (whoever typed it is unknown; the account is its object). The
// email is what was typed, cut to an address's longest length; the
// password never appears.
func (s *Service) refuse(ctx context.Context, u *models.User, email, reason string) error {
	id := ""
	if u != nil {
		id = u.ID
	}
	if len(email) > 254 {
		email = strings.ToValidUTF8(email[:254], "") + "…"
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return outbox.Record(tx, outbox.Event{Type: models.EventUserSignInFailed, ObjectType: models.ObjUsers, ObjectID: id,
			Subject: email, Summary: reason, Data: map[string]any{"email": email}})
	})
	if err != nil {
		return err
	}
	return errBadCredentials
}

// changedKeys names the keys of a change set, minus bookkeeping columns and
// with the password hash called what it is.
func changedKeys(changes map[string]any) string {
	var names []string
	for k := range changes {
		switch k {
		case "updated_at", "password_changed_at":
		case "password_hash":
			names = append(names, "password")
		default:
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return "changed " + strings.Join(names, ", ")
}

// tokenEvent writes the outbox event of an API token's creation or removal:
// its name, scope and prefix, never the secret or its hash.
func tokenEvent(tx *gorm.DB, p models.Principal, typ string, t *models.APIToken) error {
	return outbox.Record(tx, outbox.Event{Type: typ, ObjectType: models.ObjTokens, ObjectID: t.ID, ActorID: p.UserID,
		Subject: t.Name, Summary: "scope " + string(t.Scope) + ", prefix " + t.Prefix,
		Data: map[string]any{"id": t.ID, "name": t.Name, "scope": t.Scope}})
}
