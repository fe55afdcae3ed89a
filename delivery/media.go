package delivery

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"gorm.io/gorm"

	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/models"
)

// ExpandMedia turns the media of delivered items into what sites need: a
// media field becomes the item's public subset (null if it is gone), and
// rich-text images get their current URL, size and responsive variants.
func ExpandMedia(db *gorm.DB, t *models.ContentType, items []Item) error {
	var ids []string
	for _, it := range items {
		for _, id := range t.MediaIDs(models.Data(it)) {
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
				if id := models.MediaPathID(a.Val); id != "" {
					m = byID[id]
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
