package accounts

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/loamcms/cms/models"
)

// NewUser is the input of CreateUser.
type NewUser struct {
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
}

// UserPatch is the input of UpdateUser; nil fields stay as they are.
type UserPatch struct {
	Email    *string   `json:"email"`
	Name     *string   `json:"name"`
	Password *string   `json:"password"`
	Roles    *[]string `json:"roles"`
	Disabled *bool     `json:"disabled"`
}

// Page is a window of a list and the total it was cut from.
type Page struct {
	Limit, Offset int
}

var errUserNotFound = &models.Error{Code: models.CodeNotFound, Message: "user not found"}
var errEmailTaken = &models.Error{Code: models.CodeConflict, Message: "a user with this email already exists"}

// can checks the policy for obj and act.
func (s *Service) can(p models.Principal, obj, act string) error {
	return models.Authorize(s.authz, p, obj, act)
}

// ListUsers returns users ordered by email. Admin only.
func (s *Service) ListUsers(ctx context.Context, p models.Principal, page Page) ([]models.User, int64, error) {
	if err := s.can(p, models.ObjUsers, models.ActRead); err != nil {
		return nil, 0, err
	}
	db := s.db.WithContext(ctx).Model(&models.User{}).Session(&gorm.Session{})
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	users := []models.User{}
	err := db.Order("email").Limit(page.Limit).Offset(page.Offset).Find(&users).Error
	return users, total, err
}

// GetUser returns one user. Admin only.
func (s *Service) GetUser(ctx context.Context, p models.Principal, id string) (*models.User, error) {
	if err := s.can(p, models.ObjUsers, models.ActRead); err != nil {
		return nil, err
	}
	return s.findUser(s.db.WithContext(ctx), id)
}

func (s *Service) findUser(db *gorm.DB, id string) (*models.User, error) {
	if !validID(id) {
		return nil, models.Errorf(models.CodeBadRequest, "%q is not a valid id", id)
	}
	var u models.User
	err := db.Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errUserNotFound
	}
	return &u, err
}

// CreateUser adds an account. Admin only (or the system principal, for the
// command line and the first admin).
func (s *Service) CreateUser(ctx context.Context, p models.Principal, in NewUser) (*models.User, error) {
	if err := s.can(p, models.ObjUsers, models.ActCreate); err != nil {
		return nil, err
	}
	return s.createUser(s.db.WithContext(ctx), p, in)
}

func (s *Service) createUser(db *gorm.DB, p models.Principal, in NewUser) (*models.User, error) {
	fields := map[string]string{}
	email := s.checkEmail(in.Email, fields)
	name := checkName(in.Name, email, fields)
	checkPassword(in.Password, "password", fields)
	roles := s.checkRoles(in.Roles, fields)
	if len(fields) > 0 {
		return nil, models.Invalid(fields)
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := models.User{
		ID: newID(), Email: email, Name: name, PasswordHash: hash, Roles: roles,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		return userEvent(tx, p, models.EventUserCreated, &u, "roles "+strings.Join(roles, ", "))
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, errEmailTaken
	} else if err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser changes an account. Admin only; nobody changes their own roles
// or disables or deletes themselves, so the acting admin always stays one.
// A new password or disabling ends all of the user's sessions.
func (s *Service) UpdateUser(ctx context.Context, p models.Principal, id string, in UserPatch) (*models.User, error) {
	if err := s.can(p, models.ObjUsers, models.ActUpdate); err != nil {
		return nil, err
	}
	var out *models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := s.findUser(tx, id)
		if err != nil {
			return err
		}
		self := u.ID == p.UserID
		if self && in.Roles != nil && !sameRoles(*in.Roles, u.Roles) {
			return models.Errorf(models.CodeForbidden, "you cannot change your own roles")
		}
		if self && in.Disabled != nil && *in.Disabled {
			return models.Errorf(models.CodeForbidden, "you cannot disable your own account")
		}
		if self && in.Password != nil {
			return models.Errorf(models.CodeForbidden, "change your own password at /api/auth/me, with your current password")
		}
		fields := map[string]string{}
		changes := map[string]any{}
		if in.Email != nil {
			changes["email"] = s.checkEmail(*in.Email, fields)
		}
		if in.Name != nil {
			changes["name"] = checkRename(*in.Name, fields)
		}
		if in.Roles != nil {
			changes["roles"] = s.checkRoles(*in.Roles, fields)
		}
		if in.Password != nil {
			checkPassword(*in.Password, "password", fields)
		}
		if len(fields) > 0 {
			return models.Invalid(fields)
		}
		endSessions := false
		if in.Password != nil {
			if err := s.setPassword(changes, *in.Password); err != nil {
				return err
			}
			endSessions = true
		}
		if in.Disabled != nil {
			changes["disabled"] = *in.Disabled
			endSessions = endSessions || *in.Disabled
		}
		if err := s.applyUserChanges(tx, u.ID, changes); err != nil {
			return err
		}
		if endSessions {
			if err := s.revokeUserSessions(tx, u.ID, ""); err != nil {
				return err
			}
		}
		if out, err = s.findUser(tx, u.ID); err != nil || len(changes) == 0 {
			return err
		}
		return userEvent(tx, p, models.EventUserUpdated, out, changedKeys(changes))
	})
	return out, err
}

func (s *Service) applyUserChanges(tx *gorm.DB, id string, changes map[string]any) error {
	if len(changes) == 0 {
		return nil
	}
	changes["updated_at"] = s.now()
	err := tx.Model(&models.User{}).Where("id = ?", id).Updates(changes).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return errEmailTaken
	}
	return err
}

// DeleteUser removes an account and its sessions. Admin only, never oneself.
func (s *Service) DeleteUser(ctx context.Context, p models.Principal, id string) error {
	if err := s.can(p, models.ObjUsers, models.ActDelete); err != nil {
		return err
	}
	db := s.db.WithContext(ctx)
	u, err := s.findUser(db, id)
	if err != nil {
		return err
	}
	if u.ID == p.UserID {
		return models.Errorf(models.CodeForbidden, "you cannot delete your own account")
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", u.ID).Delete(&models.User{}).Error; err != nil {
			return err
		}
		return userEvent(tx, p, models.EventUserDeleted, u, "")
	})
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		// Entries, revisions and comments name their authors for good.
		return models.Errorf(models.CodeConflict, "%s has written content; disable the account instead", u.Email)
	}
	return err
}

// Me returns the signed-in user.
func (s *Service) Me(ctx context.Context, p models.Principal) (*models.User, error) {
	if err := s.can(p, models.ObjAccount, models.ActRead); err != nil {
		return nil, err
	}
	return s.findUser(s.db.WithContext(ctx), p.UserID)
}

// MePatch is what users may change about themselves. A new password needs the current one.
type MePatch struct {
	Name            *string `json:"name"`
	Password        *string `json:"password"`
	CurrentPassword string  `json:"current_password"`
}

// UpdateMe changes the signed-in user's name or password. A new password
// ends every other session of the user; this one stays signed in.
func (s *Service) UpdateMe(ctx context.Context, p models.Principal, in MePatch) (*models.User, error) {
	if err := s.can(p, models.ObjAccount, models.ActUpdate); err != nil {
		return nil, err
	}
	if in.Password != nil {
		// Guesses of the current password count like failed sign-ins, so a
		// stolen access token cannot be used to find the password.
		me, err := s.findUser(s.db.WithContext(ctx), p.UserID)
		if err != nil {
			return nil, err
		}
		if err := s.reserveAttempt(ctx, []string{throttleKeyAccount(me.Email)}); err != nil {
			return nil, err
		}
	}
	var out *models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := s.findUser(tx, p.UserID)
		if err != nil {
			return err
		}
		fields := map[string]string{}
		changes := map[string]any{}
		if in.Name != nil {
			changes["name"] = checkRename(*in.Name, fields)
		}
		if in.Password != nil {
			checkPassword(*in.Password, "password", fields)
			if !VerifyPassword(u.PasswordHash, in.CurrentPassword) {
				fields["current_password"] = "is not your current password"
			}
		}
		if len(fields) > 0 {
			return models.Invalid(fields)
		}
		if in.Password != nil {
			if err := s.setPassword(changes, *in.Password); err != nil {
				return err
			}
			if err := s.revokeUserSessions(tx, u.ID, p.SessionID); err != nil {
				return err
			}
		}
		if err := s.applyUserChanges(tx, u.ID, changes); err != nil {
			return err
		}
		if out, err = s.findUser(tx, u.ID); err != nil || len(changes) == 0 {
			return err
		}
		return userEvent(tx, p, models.EventUserUpdated, out, changedKeys(changes)+" of their own account")
	})
	if err == nil && in.Password != nil {
		err = s.db.WithContext(ctx).Where("key = ?", throttleKeyAccount(out.Email)).Delete(&models.LoginThrottle{}).Error
	}
	return out, err
}

func (s *Service) checkEmail(raw string, fields map[string]string) string {
	email := normalizeEmail(raw)
	addr, err := mail.ParseAddress(email)
	switch {
	case email == "":
		fields["email"] = "is required"
	case err != nil || addr.Address != email || len(email) > 254:
		fields["email"] = "is not a valid email address"
	}
	return email
}

// checkName trims name; an empty name on creation defaults to the email's local part.
func checkName(name, email string, fields map[string]string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	if utf8.RuneCountInString(name) > 100 {
		fields["name"] = "must be at most 100 characters"
	}
	return name
}

// checkRename validates a changed name, which, unlike a new user's, may not be empty.
func checkRename(name string, fields map[string]string) string {
	if strings.TrimSpace(name) == "" {
		fields["name"] = "must not be empty"
	}
	return checkName(name, "", fields)
}

// setPassword adds a new password's hash to a user's changes.
func (s *Service) setPassword(changes map[string]any, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	changes["password_hash"] = hash
	changes["password_changed_at"] = s.now()
	return nil
}

func checkPassword(pw, field string, fields map[string]string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		fields[field] = "must be at least 12 characters"
	case n > MaxPasswordLength:
		fields[field] = "must be at most 256 characters"
	}
}

func (s *Service) checkRoles(roles []string, fields map[string]string) models.Roles {
	known := s.authz.Roles()
	out := models.Roles{}
	for _, r := range roles {
		if !slices.Contains(known, r) {
			fields["roles"] = "unknown role " + strconv.Quote(r) + "; roles are " + strings.Join(known, ", ")
			return out
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		fields["roles"] = "needs at least one of " + strings.Join(known, ", ")
	}
	slices.Sort(out)
	return out
}

func sameRoles(a []string, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// Person is what everyone signed in may know of a user: enough to mention them.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// People lists the enabled users by name, for @mentions.
func (s *Service) People(ctx context.Context, p models.Principal) ([]Person, error) {
	if err := s.can(p, models.ObjPeople, models.ActRead); err != nil {
		return nil, err
	}
	out := []Person{}
	err := s.db.WithContext(ctx).Model(&models.User{}).Select("id", "name").Where("disabled = ?", false).
		Order("name, id").Limit(1000).Scan(&out).Error
	return out, err
}
