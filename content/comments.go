package content

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// Comments lists an entry's thread, oldest first.
func (s *Service) Comments(ctx context.Context, p models.Principal, id string) ([]CommentView, error) {
	db := s.db.WithContext(ctx)
	e, err := s.readableEntry(db, p, id)
	if err != nil {
		return nil, err
	}
	var cs []models.Comment
	if err := db.Where("entry_id = ?", e.ID).Order("created_at, id").Find(&cs).Error; err != nil {
		return nil, err
	}
	return commentViews(db, cs)
}

func commentViews(db *gorm.DB, cs []models.Comment) ([]CommentView, error) {
	var ids []string
	for _, c := range cs {
		ids = append(append(ids, c.AuthorID), c.Mentions...)
	}
	names, err := people(db, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]CommentView, len(cs))
	for i, c := range cs {
		mentioned := make([]Person, 0, len(c.Mentions))
		for _, id := range c.Mentions {
			mentioned = append(mentioned, names[id])
		}
		out[i] = CommentView{ID: c.ID, Body: c.Body, Kind: c.Kind, Revision: c.Revision, Author: names[c.AuthorID],
			Mentions: mentioned, Resolved: c.Resolved, EditedAt: c.EditedAt, CreatedAt: c.CreatedAt}
	}
	return out, nil
}

// NewComment is the input of AddComment. Mentions name users by id (the
// admin UI offers them as @name); the notifications issue delivers them.
type NewComment struct {
	Body     string   `json:"body"`
	Mentions []string `json:"mentions"`
}

// AddComment adds a note to an entry's thread.
func (s *Service) AddComment(ctx context.Context, p models.Principal, id string, in NewComment) (*CommentView, error) {
	db := s.db.WithContext(ctx)
	e, err := s.readableEntry(db, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.can(p, entryObject(e.Type), actComment); err != nil {
		return nil, err
	}
	body, err := commentBody(in.Body)
	if err != nil {
		return nil, err
	}
	mentions, err := checkMentions(db, in.Mentions)
	if err != nil {
		return nil, err
	}
	c := models.Comment{ID: newID(), EntryID: e.ID, AuthorID: p.UserID, Kind: models.CommentNote, Revision: e.Revision,
		Body: body, Mentions: mentions, CreatedAt: s.now()}
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return s.commentEvent(tx, p, models.EventCommentCreated, e, &c, "")
	})
	if err != nil {
		return nil, err
	}
	views, err := commentViews(db, []models.Comment{c})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

func commentBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return "", models.Invalid(map[string]string{"body": "is required"})
	}
	if err := checkComment(body, true); err != nil {
		return "", models.Invalid(map[string]string{"body": "must be at most 10000 characters"})
	}
	return body, nil
}

// checkMentions keeps each mentioned user once and refuses unknown ones.
func checkMentions(db *gorm.DB, ids []string) (models.Roles, error) {
	out := models.Roles{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	if len(out) > 50 {
		return nil, models.Invalid(map[string]string{"mentions": "at most 50 people"})
	}
	var found int64
	// A plain []string: models.Roles is a Valuer and would be bound as one JSON value.
	valid := slices.DeleteFunc([]string(slices.Clone(out)), func(id string) bool { return !validID(id) })
	if err := db.Model(&models.User{}).Where("id IN ?", valid).Count(&found).Error; err != nil {
		return nil, err
	}
	if int(found) != len(out) {
		return nil, models.Invalid(map[string]string{"mentions": "names someone who is not a user"})
	}
	return out, nil
}

// CommentPatch edits a comment: its author rewrites the body; its author
// (or an admin) marks it resolved or opens it again.
type CommentPatch struct {
	Body     *string `json:"body"`
	Resolved *bool   `json:"resolved"`
}

// UpdateComment edits or resolves a comment.
func (s *Service) UpdateComment(ctx context.Context, p models.Principal, id, commentID string, in CommentPatch) (*CommentView, error) {
	var out *CommentView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := s.readableEntry(tx, p, id)
		if err != nil {
			return err
		}
		var c models.Comment
		if !validID(commentID) {
			return errCommentNotFound
		}
		if err := tx.Where("id = ? AND entry_id = ?", commentID, e.ID).Take(&c).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return errCommentNotFound
		} else if err != nil {
			return err
		}
		mine := c.AuthorID == p.UserID
		changes := map[string]any{}
		if in.Body != nil {
			if !mine {
				return models.Errorf(models.CodeForbidden, "only the author of a comment can change its words")
			}
			if c.Kind != models.CommentNote {
				return models.Errorf(models.CodeForbidden, "a review's comment is part of the record; add a new comment instead")
			}
			body, err := commentBody(*in.Body)
			if err != nil {
				return err
			}
			now := s.now()
			changes["body"], changes["edited_at"] = body, now
			c.Body, c.EditedAt = body, &now
		}
		if in.Resolved != nil {
			if !mine && !p.HasRole(models.RoleAdmin) {
				return models.Errorf(models.CodeForbidden, "only the author of a comment (or an admin) resolves it")
			}
			changes["resolved"], c.Resolved = *in.Resolved, *in.Resolved
		}
		if len(changes) == 0 {
			return models.Invalid(map[string]string{"body": "send body or resolved"})
		}
		if err := tx.Model(&models.Comment{}).Where("id = ?", c.ID).Updates(changes).Error; err != nil {
			return err
		}
		summary := "edited"
		if in.Resolved != nil && *in.Resolved {
			summary = "resolved"
		} else if in.Resolved != nil {
			summary = "reopened"
		}
		if err := s.commentEvent(tx, p, models.EventCommentUpdated, e, &c, summary); err != nil {
			return err
		}
		views, err := commentViews(tx, []models.Comment{c})
		if err != nil {
			return err
		}
		out = &views[0]
		return nil
	})
	return out, err
}

var errCommentNotFound = &models.Error{Code: models.CodeNotFound, Message: "comment not found"}

// commentEvent writes the outbox event of a comment on e: the audit log
// records it; notifications tell the entry's author and the people mentioned.
func (s *Service) commentEvent(tx *gorm.DB, p models.Principal, typ string, e *models.Entry, c *models.Comment, summary string) error {
	t, err := s.findType(tx, e.Type)
	if err != nil {
		return err
	}
	mentions := []string(c.Mentions)
	if mentions == nil {
		mentions = []string{}
	}
	return outbox.Record(tx, outbox.Event{Type: typ, ObjectType: entryObject(e.Type), ObjectID: e.ID, ActorID: p.UserID,
		Subject: entryTitle(t, e), Summary: summary,
		Data: map[string]any{"entry_id": e.ID, "comment_id": c.ID, "kind": c.Kind, "mentions": mentions}})
}
