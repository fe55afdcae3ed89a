package typegen

import (
	"strings"
	"testing"

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
