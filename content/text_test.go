package content

import (
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	cases := []struct{ in, locale, want string }{
		{"What to do if ID photos leak!", "en", "what-to-do-if-id-photos-leak"},
		{"  Café au lait — déjà vu  ", "fr", "cafe-au-lait-deja-vu"},
		{"Ünïcödé ß straße", "en", "unicode-ss-strasse"},
		{"Ünïcödé ß straße", "de-AT", "uenicoede-ss-strasse"},
		{"100% --- sure", "en", "100-sure"},
		{"A gardener’s year", "en", "a-gardeners-year"},
		{"Привет, мир", "ru", "privet-mir"},
		{"Καλημέρα κόσμε", "el", "kalimera-kosme"},
		{"東京タワー", "ja", "dong-jing-tawa"},
		{"北京欢迎你", "zh-Hans", "bei-jing-huan-ying-ni"},
		{"İstanbul'da güzel bir gün", "tr", "istanbulda-guzel-bir-gun"},
		{"مرحبا بالعالم", "ar", "mrhb-bl-lm"},
		{"🙂", "en", ""},
		{"", "en", ""},
	}
	for _, c := range cases {
		if got := slugify(c.in, c.locale); got != c.want {
			t.Errorf("slugify(%q, %s) = %q, want %q", c.in, c.locale, got, c.want)
		}
	}
	if got := slugify(strings.Repeat("word ", 100), "en"); len(got) > 80 || !validSlug(got) || strings.HasSuffix(got, "wor") {
		t.Errorf("long title gives %q", got)
	}
}

func TestSanitizeHTML(t *testing.T) {
	dirty := `<p onclick="x()" style="color:red">Hi <script>alert(1)</script><iframe src="//evil"></iframe>` +
		`<a href="javascript:alert(1)">js</a><a href="https://example.com">ok</a><img src=x onerror=alert(1)><b>b</b></p>`
	clean := sanitizeHTML(dirty)
	for _, bad := range []string{"onclick", "style=", "<script", "alert", "<iframe", "javascript:", "onerror"} {
		if strings.Contains(clean, bad) {
			t.Errorf("%q survived: %s", bad, clean)
		}
	}
	for _, good := range []string{"<p>", "<b>b</b>", `href="https://example.com"`, `rel="nofollow noopener"`} {
		if !strings.Contains(clean, good) {
			t.Errorf("%q lost: %s", good, clean)
		}
	}
	// A link within the site is followed; one elsewhere is not.
	if got := sanitizeHTML(`<a href="/posts/other">in</a> <a href="https://example.com/">out</a>`); got !=
		`<a href="/posts/other">in</a> <a href="https://example.com/" rel="nofollow noopener" target="_blank">out</a>` {
		t.Errorf("links: %s", got)
	}
	// Images keep prose alt text, quotes and all, escaped.
	img := sanitizeHTML(`<img src="/media/x/y.png" alt="Figure 2: a card, frozen &quot;now&quot;" title="Step 2: call" onload="x()">`)
	if img != `<img src="/media/x/y.png" alt="Figure 2: a card, frozen &#34;now&#34;" title="Step 2: call">` {
		t.Errorf("image: %s", img)
	}
	if got := plainText("<p>Tom &amp; Jerry</p><p>again</p>"); got != "Tom & Jerry again" {
		t.Errorf("plainText: %q", got)
	}
}
