package main

import (
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"unicode"

	"github.com/loamcms/cms/models"
)

// The words of generated posts: a site about homes, food and the outdoors.
var (
	nouns = strings.Fields(`garden kitchen balcony tomato basil window bicycle river mountain forest bread oven coffee
		kettle harbour lantern meadow orchard pantry recipe season soil spring summer autumn winter village market
		bridge castle cottage desk library notebook pencil camera journey train station ferry island lighthouse
		compost seedling greenhouse shovel ladder roof chimney fireplace blanket sweater wool cotton linen quilt
		apple pear plum cherry lemon onion garlic potato carrot pepper cucumber pumpkin squash bean lentil rice
		noodle soup stew salad sauce butter cheese honey jam yoghurt pastry pie tart cake biscuit festival
		concert museum gallery painting sculpture poem novel story letter postcard map compass tent campfire
		trail valley canyon glacier beach dune lagoon reef sailboat kayak canoe paddle harvest cellar barrel
		cider vinegar pickle spice herb mint thyme rosemary sage parsley dill fennel`)
	verbs = strings.Fields(`grow bake cook plant prune water harvest build repair paint sketch travel walk cycle sail
		store preserve roast simmer season brew fold knit sew mend clean sort gather choose plan photograph`)
	adjectives = strings.Fields(`small quiet bright simple slow early late warm cold crisp golden green wild old new
		hidden local seasonal homemade rustic gentle sunny rainy windy frosty patient careful easy honest
		cheap generous tiny tall narrow wide`)
	glue = strings.Fields(`and with for in on under after before without near beside through across`)
	// searchWords are what the admin search looks for.
	searchWords = nouns
)

// writer makes posts from a seeded generator, so every run writes the same ones.
type writer struct {
	r *mrand.Rand
	n int
}

func newWriter(seed uint64) *writer { return &writer{r: mrand.New(mrand.NewPCG(seed, seed^0x5ca1e))} }

func (w *writer) pick(list []string) string { return list[w.r.IntN(len(list))] }

func capital(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func (w *writer) categoryName(i int) string {
	return capital(nouns[(i*7)%len(nouns)]) + " and " + nouns[(i*13+5)%len(nouns)]
}

// sentence is min to max words, with a capital and a full stop.
func (w *writer) sentence(min, max int) string {
	n := min + w.r.IntN(max-min+1)
	words := make([]string, 0, n)
	for len(words) < n {
		switch w.r.IntN(5) {
		case 0:
			words = append(words, w.pick(adjectives), w.pick(nouns))
		case 1:
			words = append(words, w.pick(verbs))
		case 2:
			words = append(words, w.pick(glue))
		default:
			words = append(words, w.pick(nouns))
		}
	}
	return capital(strings.Join(words[:n], " ")) + "."
}

var titles = []string{
	"How to %[1]s a %[2]s %[3]s",
	"%[4]d %[2]s ways to %[1]s your %[3]s",
	"Why the %[3]s matters in %[5]s",
	"A %[2]s guide to the %[3]s and the %[6]s",
	"What %[4]d years of %[5]s taught us about the %[3]s",
	"The %[2]s %[3]s: %[1]s it before %[5]s",
}

// title is different for every post of a writer (the last words count them).
func (w *writer) title() string {
	w.n++
	t := fmt.Sprintf(w.pick(titles), w.pick(verbs), w.pick(adjectives), w.pick(nouns), 3+w.r.IntN(10), w.pick(nouns), w.pick(nouns))
	return t + fmt.Sprintf(", part %d", w.n)
}

// body is 1 to 2 KB of rich text: headings, paragraphs with emphasis and
// links, and now and then a list or a quote.
func (w *writer) body() string {
	var b strings.Builder
	want := 1000 + w.r.IntN(1000)
	for b.Len() < want {
		switch k := w.r.IntN(8); {
		case k == 0:
			fmt.Fprintf(&b, "<h2>%s</h2>", strings.TrimSuffix(w.sentence(3, 6), "."))
		case k == 1:
			b.WriteString("<ul>")
			for range 2 + w.r.IntN(3) {
				fmt.Fprintf(&b, "<li>%s</li>", w.sentence(4, 9))
			}
			b.WriteString("</ul>")
		case k == 2:
			fmt.Fprintf(&b, "<blockquote><p>%s</p></blockquote>", w.sentence(8, 16))
		default:
			b.WriteString("<p>")
			for i := range 2 + w.r.IntN(3) {
				s := w.sentence(8, 18)
				switch w.r.IntN(6) {
				case 0:
					s = strings.Replace(s, " ", " <strong>", 1)
					s = strings.Replace(s, ".", "</strong>.", 1)
				case 1:
					word := w.pick(nouns)
					s += fmt.Sprintf(` See <a href="https://example.com/%s/%d">our notes on the %s</a>.`, word, w.r.IntN(1000), word)
				case 2:
					s = "<em>" + s + "</em>"
				}
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(s)
			}
			b.WriteString("</p>")
		}
	}
	return b.String()
}

// post is one post's draft, in one of the categories.
func (w *writer) post(categories []string) models.Data {
	return models.Data{
		"title":    w.title(),
		"summary":  w.sentence(12, 24),
		"body":     w.body(),
		"category": categories[w.r.IntN(len(categories))],
	}
}
