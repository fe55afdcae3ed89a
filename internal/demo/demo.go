package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/models"
)

// The demo accounts.
const (
	EditorEmail   = "editor@example.com"
	ReviewerEmail = "reviewer@example.com"
)

// ArticleSlug is the slug of the demo article.
const ArticleSlug = "what-to-do-if-photos-of-your-id-card-and-bank-card-leak"

// Seeded is what Seed made, to print for the person trying the demo.
type Seeded struct {
	EditorPassword, ReviewerPassword string
	DeliveryToken                    string
}

// ErrSeeded means the demo is there already.
var ErrSeeded = errors.New("the demo content exists already")

// Seed creates the demo users, content and token, or returns ErrSeeded.
func Seed(ctx context.Context, acc *accounts.Service, cnt *content.Service, med *media.Service) (*Seeded, error) {
	system := models.Principal{System: true}
	out := &Seeded{EditorPassword: password(), ReviewerPassword: password()}
	editor, err := acc.CreateUser(ctx, system, accounts.NewUser{Email: EditorEmail, Name: "Erin Editor", Password: out.EditorPassword, Roles: []string{models.RoleEditor}})
	if models.ErrorCode(err) == models.CodeConflict {
		return nil, ErrSeeded
	} else if err != nil {
		return nil, err
	}
	reviewer, err := acc.CreateUser(ctx, system, accounts.NewUser{Email: ReviewerEmail, Name: "Rui Reviewer", Password: out.ReviewerPassword, Roles: []string{models.RoleReviewer}})
	if err != nil {
		return nil, err
	}
	ed := models.Principal{UserID: editor.ID, Name: editor.Name, Roles: editor.Roles}
	rev := models.Principal{UserID: reviewer.ID, Name: reviewer.Name, Roles: reviewer.Roles}

	// The article goes through the workflow like any other: the editor
	// writes and submits, the reviewer approves and publishes.
	cat, err := cnt.CreateEntry(ctx, ed, content.NewEntry{Type: "category", Data: map[string]any{
		"name":        "Public benefit messages",
		"description": "Practical advice that helps people protect themselves.",
	}})
	if err != nil {
		return nil, fmt.Errorf("demo category: %w", err)
	}
	// Its picture is uploaded like any other, and used twice: as the hero
	// image and inside the text.
	upload, err := med.Spool(bytes.NewReader(illustration()), "id-card-and-bank-card.png", "image/png")
	if err != nil {
		return nil, err
	}
	defer upload.Close()
	alt := illustrationAlt
	picture, err := med.Create(ctx, ed, upload, media.Meta{Alt: &alt})
	if err != nil {
		return nil, fmt.Errorf("demo picture: %w", err)
	}
	figure := fmt.Sprintf(`<p><img src="%s" alt="%s"></p>`, picture.URL, html.EscapeString(alt))
	body := strings.Replace(articleBody, "</p>\n", "</p>\n"+figure+"\n", 1)
	post, err := cnt.CreateEntry(ctx, ed, content.NewEntry{Type: "post", Slug: ArticleSlug, Data: map[string]any{
		"title":    "What to do if photos of your ID card and bank card leak",
		"summary":  articleSummary,
		"body":     body,
		"category": cat.ID,
		"hero":     picture.ID,
	}})
	if err != nil {
		return nil, fmt.Errorf("demo article: %w", err)
	}
	// Both also in French: translations of the same documents, so that the
	// French article's category is the French one on the delivery API.
	if _, err := cnt.SetLocales(ctx, system, content.LocaleSettings{Default: "en", Locales: []content.Locale{{Code: "en"}, {Code: "fr", Fallback: "en"}}}); err != nil {
		return nil, fmt.Errorf("demo locales: %w", err)
	}
	catFR, err := cnt.CreateEntry(ctx, ed, content.NewEntry{Type: "category", Locale: "fr", TranslationOf: cat.ID, Data: map[string]any{
		"name": categoryNameFR, "description": categoryDescriptionFR,
	}})
	if err != nil {
		return nil, fmt.Errorf("demo category in French: %w", err)
	}
	figureFR := fmt.Sprintf(`<p><img src="%s" alt="%s"></p>`, picture.URL, html.EscapeString(illustrationAltFR))
	postFR, err := cnt.CreateEntry(ctx, ed, content.NewEntry{Type: "post", Locale: "fr", TranslationOf: post.ID, Slug: ArticleSlugFR, Data: map[string]any{
		"title":    articleTitleFR,
		"summary":  articleSummaryFR,
		"body":     strings.Replace(articleBodyFR, "</p>\n", "</p>\n"+figureFR+"\n", 1),
		"category": cat.ID,
		"hero":     picture.ID,
	}})
	if err != nil {
		return nil, fmt.Errorf("demo article in French: %w", err)
	}
	for _, e := range []*content.EntryView{cat, post, catFR, postFR} {
		if _, err := cnt.Submit(ctx, ed, e.ID); err != nil {
			return nil, err
		}
		if _, err := cnt.Approve(ctx, rev, e.ID, "Clear and useful. Approved."); err != nil {
			return nil, err
		}
		if _, err := cnt.Publish(ctx, rev, e.ID, nil); err != nil {
			return nil, err
		}
	}
	tok, err := acc.CreateToken(ctx, system, accounts.NewToken{Name: "Demo site", Scope: models.ScopeDelivery})
	if err != nil {
		return nil, err
	}
	out.DeliveryToken = tok.Token
	return out, nil
}

func password() string { return rand.Text()[:20] }

const articleSummary = "Someone has pictures of your identity card or your bank card. " +
	"Act in this order: stop the money, report the document, then watch for misuse."

const articleBody = `<p>Photos of identity documents and payment cards travel further than we think: a scan sent to a landlord, a picture in a cloud album, a phone that was lost. If you learn that pictures of your ID card or bank card are in someone else's hands, the damage is usually not done yet. What matters is how fast you act, and in what order.</p>
<h2>1. Stop the money first</h2>
<p>A card photo that shows the number, the expiry date and the security code on the back is enough to pay online.</p>
<ul>
<li><strong>Call your bank's card-blocking line now</strong>, not tomorrow. The number is on the bank's website and in its app; many apps also let you freeze the card yourself in a few taps.</li>
<li>Ask for a replacement card with a <strong>new number</strong>. Freezing alone is not enough if the old number stays valid.</li>
<li>Go through your recent transactions with the bank and dispute any you do not recognise. The sooner you report them, the better your chance of getting the money back.</li>
<li>Update the new card wherever you pay automatically, so that nothing you need is cut off.</li>
</ul>
<h2>2. Report the identity document</h2>
<p>An ID photo cannot empty your account by itself, but it helps someone pretend to be you: to open accounts, take out loans or sign contracts in your name.</p>
<ul>
<li><strong>Report the leak to the police</strong> and keep the reference number. Banks and shops will ask for it if your identity is misused later.</li>
<li>Ask the office that issued the document whether it can be <strong>cancelled and replaced</strong>. A cancelled number is worth far less to a fraudster.</li>
<li>Where your country has a credit bureau or a fraud-prevention register, ask for a <strong>fraud alert or credit freeze</strong>, so that new credit in your name needs extra checks.</li>
</ul>
<h2>3. Watch for misuse in the weeks after</h2>
<ul>
<li>Read your bank statements and any credit reports you can get for the next months.</li>
<li>Be wary of calls, messages and emails that quote your personal details to gain your trust. A real bank never asks for your PIN, your full password or a one-time code.</li>
<li>Turn on alerts for every payment and login, and use two-step sign-in for your bank, your email and your phone account.</li>
</ul>
<h2>4. Find out how it happened</h2>
<p>Think about where the pictures were: a messaging chat, an email attachment, a shared folder, an old phone. Delete copies you no longer need, tighten the sharing settings of the rest, and change the passwords of any account that held them.</p>
<h2>Next time you must share a document</h2>
<ul>
<li>Cover what the other side does not need: the card number's middle digits, the security code, the document number or the photo.</li>
<li>Write across the copy who it is for and why, for example <em>"For flat rental at 12 Example Street only, November 2026"</em>. A marked copy is hard to reuse.</li>
<li>Send it over a channel you trust, and ask the recipient to delete it when they are done.</li>
</ul>
<p><em>This advice is general. Your bank, the police and the office that issued your document can tell you exactly what applies where you live.</em></p>`
