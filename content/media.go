package content

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/models"
)

// mediaIDs lists the media items data uses, in media fields and inside
// rich text, each once.
func mediaIDs(t *models.ContentType, data models.Data) []string { return t.MediaIDs(data) }

// checkMedia makes sure every media item data uses exists, naming the
// field that points at one that does not.
func checkMedia(db *gorm.DB, t *models.ContentType, data models.Data, fields map[string]string) error {
	for _, f := range t.Fields {
		if fields[f.Name] != "" {
			continue
		}
		ids := mediaIDs(&models.ContentType{Fields: []models.Field{f}}, data)
		if len(ids) == 0 {
			continue
		}
		var found []string
		if err := db.Model(&models.Media{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
			return err
		}
		for _, id := range ids {
			if !slices.Contains(found, id) {
				if f.Type == models.FieldMedia {
					fields[f.Name] = "there is no media item " + id
				} else {
					fields[f.Name] = "uses media item " + id + ", which does not exist"
				}
			}
		}
	}
	return nil
}

// syncRefs records which media the entry's working copy or live revision
// (scope) uses. The foreign key then keeps those items from deletion.
func syncRefs(tx *gorm.DB, entryID, scope string, ids []string) error {
	if err := tx.Where("entry_id = ? AND scope = ?", entryID, scope).Delete(&models.MediaRef{}).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	refs := make([]models.MediaRef, len(ids))
	for i, id := range ids {
		refs[i] = models.MediaRef{EntryID: entryID, MediaID: id, Scope: scope}
	}
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&refs).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return models.Invalid(map[string]string{"data": "uses a media item that was deleted meanwhile"})
	}
	return err
}

// refreshRefs recomputes the refs of every entry of a type after its
// fields changed (a removed media field no longer counts).
func refreshRefs(tx *gorm.DB, t *models.ContentType) error {
	var entries []models.Entry
	if err := tx.Select("id", "data").Where("type = ?", t.Key).Find(&entries).Error; err != nil {
		return err
	}
	for _, e := range entries {
		if err := syncRefs(tx, e.ID, models.RefWorking, mediaIDs(t, e.Data)); err != nil {
			return err
		}
	}
	var snaps []models.PublishedEntry
	if err := tx.Select("entry_id", "data").Where("type = ?", t.Key).Find(&snaps).Error; err != nil {
		return err
	}
	for _, snap := range snaps {
		if err := syncRefs(tx, snap.EntryID, models.RefLive, mediaIDs(t, snap.Data)); err != nil {
			return err
		}
	}
	return nil
}

// MediaUse is an entry that uses a media item.
type MediaUse struct {
	EntryID string        `json:"entry_id"`
	Type    string        `json:"type"`
	Title   string        `json:"title"`
	Status  models.Status `json:"status"`
	Live    bool          `json:"live"`
}

// MediaUsage lists the entries whose working copy or live revision uses
// media item id, newest change first.
func (s *Service) MediaUsage(ctx context.Context, p models.Principal, id string) ([]MediaUse, error) {
	if err := s.can(p, models.ObjMedia, models.ActRead); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	var n int64
	if validID(id) {
		if err := db.Model(&models.Media{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return nil, err
		}
	}
	if n == 0 {
		return nil, models.Errorf(models.CodeNotFound, "media item not found")
	}
	var entries []models.Entry
	err := db.Where("id IN (?)", db.Model(&models.MediaRef{}).Select("entry_id").Where("media_id = ?", id)).
		Order("updated_at DESC").Limit(1000).Find(&entries).Error
	if err != nil {
		return nil, err
	}
	types := map[string]*models.ContentType{}
	out := make([]MediaUse, 0, len(entries))
	for _, e := range entries {
		t, ok := types[e.Type]
		if !ok {
			if t, err = s.findType(db, e.Type); err != nil {
				return nil, err
			}
			types[e.Type] = t
		}
		out = append(out, MediaUse{EntryID: e.ID, Type: e.Type, Title: entryTitle(t, &e), Status: e.Status, Live: e.Live()})
	}
	return out, nil
}

// entryTitle is what people call an entry: its first text field, else its slug.
func entryTitle(t *models.ContentType, e *models.Entry) string {
	for _, f := range t.Fields {
		if f.Type == models.FieldText {
			if v, ok := e.Data[f.Name].(string); ok && strings.TrimSpace(v) != "" {
				return v
			}
			break
		}
	}
	return e.Slug
}
