package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/models"
)

// mediaPath finds the media an article points at from rich text: an <img>
// or a link whose URL is a /media/{id}/… path.
var mediaPath = regexp.MustCompile(`/media/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/`)

// mediaIDs lists the media items data uses, in media fields and inside
// rich text, each once.
func mediaIDs(t *models.ContentType, data models.Data) []string {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, f := range t.Fields {
		switch v := data[f.Name].(type) {
		case string:
			switch f.Type {
			case models.FieldMedia:
				if validID(v) { // a value kept from before a type change may be anything
					add(v)
				}
			case models.FieldRichText, models.FieldMarkdown:
				for _, m := range mediaPath.FindAllStringSubmatch(v, -1) {
					add(m[1])
				}
			}
		}
	}
	return ids
}

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

// expandMedia turns the media of delivered items into what sites need: a
// media field becomes the item's public subset (null if it is gone), and
// rich-text images get their current URL, size and responsive variants.
func expandMedia(db *gorm.DB, t *models.ContentType, items []Item) error {
	var ids []string
	for _, it := range items {
		for _, id := range mediaIDs(t, models.Data(it)) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []models.Media
	if err := db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return err
	}
	byID := make(map[string]*models.Media, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	for _, it := range items {
		for _, f := range t.Fields {
			v, ok := it[f.Name].(string)
			if !ok {
				continue
			}
			switch f.Type {
			case models.FieldMedia:
				if m := byID[v]; m != nil {
					it[f.Name] = media.PublicOf(m)
				} else {
					it[f.Name] = nil
				}
			case models.FieldRichText:
				it[f.Name] = responsiveImages(v, byID)
			}
		}
	}
	return nil
}

// srcsetWidths are the widths offered to browsers for images in rich text.
var srcsetWidths = []int{320, 640, 960, 1280, 1920}

// responsiveImages rewrites <img> and links to /media/ items in clean
// rich text: the current URL, width and height (no layout shift), and for
// raster images a WebP srcset and lazy loading.
func responsiveImages(src string, byID map[string]*models.Media) string {
	if !strings.Contains(src, "/media/") {
		return src
	}
	var out bytes.Buffer
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		tok := z.Token()
		attr := "src"
		if tok.Data == "a" {
			attr = "href"
		} else if tok.Data != "img" {
			out.Write(raw)
			continue
		}
		var m *models.Media
		for _, a := range tok.Attr {
			if a.Key == attr {
				if sub := mediaPath.FindStringSubmatch(a.Val); sub != nil && strings.HasPrefix(a.Val, "/media/") {
					m = byID[sub[1]]
				}
			}
		}
		if m == nil {
			out.Write(raw)
			continue
		}
		if tok.Data == "a" {
			setAttr(&tok, "href", media.URL(m))
		} else {
			imageAttrs(&tok, m)
		}
		out.WriteString(tok.String())
	}
	return out.String()
}

func imageAttrs(tok *html.Token, m *models.Media) {
	setAttr(tok, "src", media.URL(m))
	if m.Width == nil || m.Height == nil {
		return
	}
	setAttr(tok, "width", strconv.Itoa(*m.Width))
	setAttr(tok, "height", strconv.Itoa(*m.Height))
	setAttr(tok, "loading", "lazy")
	setAttr(tok, "decoding", "async")
	if !media.IsRaster(m.Mime) {
		return
	}
	var set []string
	for _, w := range srcsetWidths {
		if w < *m.Width {
			set = append(set, fmt.Sprintf("%s %dw", media.VariantURL(m, w, "webp"), w))
		}
	}
	set = append(set, fmt.Sprintf("%s %dw", media.VariantURL(m, min(*m.Width, 1920), "webp"), min(*m.Width, 1920)))
	setAttr(tok, "srcset", strings.Join(set, ", "))
	setAttr(tok, "sizes", fmt.Sprintf("(max-width: %dpx) 100vw, %dpx", min(*m.Width, 1920), min(*m.Width, 1920)))
}

func setAttr(tok *html.Token, key, val string) {
	for i, a := range tok.Attr {
		if a.Key == key {
			tok.Attr[i].Val = val
			return
		}
	}
	tok.Attr = append(tok.Attr, html.Attribute{Key: key, Val: val})
}
