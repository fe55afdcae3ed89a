package typegen

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/models"
)

func TestTypeScript(t *testing.T) {
	ts := TypeScript([]models.ContentType{
		{Key: "blog_post", Name: "Blog post */ evil", Fields: models.Fields{
			{Name: "title", Type: models.FieldText, Required: true},
			{Name: "rating", Type: models.FieldInteger},
			{Name: "kind", Type: models.FieldSelect, Options: []string{"news", `say "hi"`}},
			{Name: "tags", Type: models.FieldRelation, To: "tag", Many: true},
			{Name: "author", Type: models.FieldRelation, To: "gone"},
			{Name: "cover", Type: models.FieldMedia, Required: true},
			{Name: "extra", Type: models.FieldJSON},
			{Name: "draft", Type: models.FieldBoolean},
		}},
		{Key: "tag", Name: "Tag", Fields: models.Fields{{Name: "name", Type: models.FieldText}}},
	})
	for _, want := range []string{
		"/** Blog post * / evil, as the delivery API answers it. */\nexport interface BlogPostItem {\n  id: string;\n  type?: \"blog_post\";",
		"  title?: string;\n", // fields= may leave any out of an item
		"  tags?: (string | TagItem)[];\n",
		"  author?: string;\n", // a relation to no known type: its id
		"  cover?: Media | null;\n",
		"export interface BlogPostData {\n  title: string;\n  rating?: number;\n  kind?: \"news\" | \"say \\\"hi\\\"\";\n  tags?: string[];\n  author?: string;\n  cover: string;\n  extra?: unknown;\n  draft?: boolean;\n}",
		"export interface Items {\n  blog_post: BlogPostItem;\n  tag: TagItem;\n}",
	} {
		if !strings.Contains(ts, want) {
			t.Errorf("no %q in:\n%s", want, ts)
		}
	}
}

// TestMediaShapes: the Media interface and the document's PublicMedia say
// what the delivery API sends for a media field (media.Public), no more, no less.
func TestMediaShapes(t *testing.T) {
	var keys []string
	typ := reflect.TypeOf(media.Public{})
	for i := range typ.NumField() {
		keys = append(keys, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	ts := TypeScript(nil)
	block := ts[strings.Index(ts, "export interface Media {"):]
	block = block[:strings.Index(block, "}")]
	if got := strings.Count(block, ";"); got != len(keys) {
		t.Errorf("Media has %d keys, media.Public %d: %s", got, len(keys), block)
	}
	spec, err := os.ReadFile("../../server/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string       `json:"required"`
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	pm := doc.Components.Schemas["PublicMedia"]
	for _, k := range keys {
		if !strings.Contains(block, "\n  "+k+":") {
			t.Errorf("Media has no %s", k)
		}
		if _, ok := pm.Properties[k]; !ok || !slices.Contains(pm.Required, k) {
			t.Errorf("PublicMedia does not require %s", k)
		}
	}
	if len(pm.Properties) != len(keys) {
		t.Errorf("PublicMedia has %d properties, media.Public %d", len(pm.Properties), len(keys))
	}
}
