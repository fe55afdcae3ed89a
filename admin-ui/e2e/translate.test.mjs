// The translation journey (issue 11): on the demo site (`serve --demo`, the
// article in English and French), an admin adds German; the editor sees
// "de: missing" on the article in the list, translates it from the entry's
// language switcher — a new translation prefilled from the original and
// shown beside it — and submits it; the reviewer approves and publishes; the
// delivery API answers locale=de with the German article and, for the
// category nobody translated, falls back to English. When the original is
// revised, the list and the translation say the source changed since it was
// translated. Ctrl+K finds the translation by a German word, with the match
// marked. axe-core checks every screen.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { api, axe, launchBrowser, journeys, signIn, startServer, until, visible } from "./harness.mjs";

const admin = { email: "ada@example.test", password: "correct horse battery staple" };
const article = "What to do if photos of your ID card and bank card leak";
const german = {
  title: "Was tun, wenn Fotos Ihres Personalausweises und Ihrer Bankkarte auftauchen",
  summary: "Karte sperren, Anzeige erstatten, Konten beobachten: die ersten Schritte.",
};
// CMS_E2E_SHOTS=/some/dir keeps screenshots of every screen.
const SHOTS = process.env.CMS_E2E_SHOTS;

describe("translate: the demo article into German, read with a fallback", () => {
  let server;
  let browser;
  const state = {};
  const demo = {};

  before(async () => {
    server = await startServer({ CMS_ADMIN_EMAIL: admin.email, CMS_ADMIN_PASSWORD: admin.password }, ["--demo"]);
    browser = await launchBrowser();
    const log = server.log();
    demo.editor = { email: "editor@example.com", password: log.match(/editor:\s+\S+\s+password (\S+)/)?.[1] };
    demo.reviewer = { email: "reviewer@example.com", password: log.match(/reviewer:\s+\S+\s+password (\S+)/)?.[1] };
    demo.token = log.match(/delivery token: (\S+)/)?.[1];
    assert.ok(demo.editor.password && demo.reviewer.password && demo.token, `the demo's accounts are printed:\n${log}`);
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const call = (path, opts) => api(server, path, opts);
  const login = async (u) => {
    const r = await call("/api/auth/login", { method: "POST", body: { email: u.email, password: u.password } });
    assert.equal(r.status, 200, `${u.email} signs in: ${JSON.stringify(r.body)}`);
    return r.body.access_token;
  };
  const shots = async (page, name) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `translate-${name}.png`), fullPage: true });
  };
  const journey = journeys(it, { state, browser: () => browser, server: () => server, timeout: 90_000 });
  const row = (page, title) => page.getByRole("row").filter({ has: page.getByRole("link", { name: title, exact: true }) });

  journey("1. an admin adds German; the editor sees it missing on the article and translates it beside the original", [], async (open) => {
    const A = await login(admin);
    const put = await call("/api/locales", { method: "PUT", token: A, body: { default: "en", locales: [{ code: "en" }, { code: "fr", fallback: "en" }, { code: "de", fallback: "en" }] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));

    const { page } = await open("editor");
    await signIn(page, demo.editor);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Entries", exact: true }).click();
    const r = row(page, article);
    await visible(r.getByRole("link", { name: /^fr\b/ }));
    await visible(r.getByText("de: missing"));
    await axe(page, "the entries list with languages");
    await shots(page, "list-missing");

    await r.getByRole("link", { name: article, exact: true }).click();
    await visible(page.getByRole("heading", { name: article, level: 1 }));
    const langs = page.getByRole("navigation", { name: "Languages" });
    await visible(langs.locator('[aria-current="page"]', { hasText: "en" }));
    await visible(langs.getByRole("link", { name: /^fr\b/ }));
    // By keyboard: focus the button and press Enter.
    const translate = langs.getByRole("button", { name: "Translate into German" });
    await translate.focus();
    await page.keyboard.press("Enter");

    await visible(page.getByRole("heading", { name: `Translate “${article}” into German`, level: 1 }));
    const original = page.getByRole("region", { name: "The original, in English (en)" });
    await visible(original.getByRole("heading", { name: article }));
    const title = page.getByRole("textbox", { name: "Title", exact: true });
    assert.equal(await title.inputValue(), article, "prefilled from the original");
    await visible(page.getByRole("status").filter({ hasText: "Prefilled from the English original" }));
    await axe(page, "a new translation beside its original");
    await shots(page, "translate");
    await title.fill(german.title);
    await page.getByRole("textbox", { name: "Summary", exact: true }).fill(german.summary);
    await page.getByRole("button", { name: "Create", exact: true }).click();

    await visible(page.getByRole("heading", { name: german.title, level: 1 }));
    await visible(langs.locator('[aria-current="page"]', { hasText: "de" }));
    await visible(langs.getByRole("link", { name: /^en\b/ }));
    await visible(page.getByRole("group", { name: "View" }).getByRole("button", { name: "Original (en)" }));
    state.de = new URL(page.url()).pathname.split("/").pop();
    await page.getByRole("button", { name: "Submit for review" }).click();
    await visible(page.getByRole("main").getByText("In review", { exact: true }));
    await axe(page, "the translation, in review");
    state.submitted = true;
  });

  journey("2. the reviewer approves and publishes it; the delivery API answers locale=de, falling back to English where nothing is German", ["submitted"], async (open) => {
    const { page } = await open("reviewer");
    await signIn(page, demo.reviewer);
    await page.goto(`/admin/entries/${state.de}`);
    await visible(page.getByRole("heading", { name: german.title, level: 1 }));
    await page.getByRole("button", { name: "Approve" }).click();
    await visible(page.getByRole("main").getByText("Approved", { exact: true }));
    await page.getByRole("button", { name: "Publish" }).click();
    await visible(page.getByRole("main").getByText("Published", { exact: true }));
    const slug = await page.getByLabel("Slug", { exact: true }).inputValue();
    assert.match(slug, /^was-tun-wenn-fotos/, "the German title made the German slug");

    const one = await call(`/api/content/post/${slug}?locale=de`, { token: demo.token });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.data.locale, "de");
    assert.equal(one.body.data.title, german.title);
    assert.equal(one.headers.get("content-language"), "de");

    // The list in German: the article in German, its category (never translated into German) in English.
    const list = await call("/api/content/post?locale=de&include=category", { token: demo.token });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const item = list.body.data.find((p) => p.title === german.title);
    assert.ok(item, `the German article is listed: ${JSON.stringify(list.body.data.map((p) => [p.locale, p.title]))}`);
    assert.equal(item.locale, "de");
    assert.equal(item.category?.locale, "en", `the category falls back to English: ${JSON.stringify(item.category)}`);
    assert.equal(item.category?.name, "Public benefit messages");
    const cats = await call("/api/content/category?locale=de&fallback=false", { token: demo.token });
    assert.equal(cats.body.meta.total, 0, "without the fallback there is no German category");
    // French readers still get the French article.
    const fr = await call("/api/content/post?locale=fr", { token: demo.token });
    assert.ok(fr.body.data.every((p) => p.locale === "fr"), JSON.stringify(fr.body.data.map((p) => p.locale)));
    state.published = slug;
  });

  journey("3. the original is revised: the list and the translation say the source changed; Ctrl+K finds the German words", ["published"], async (open) => {
    const E = await login(demo.editor);
    const src = (await call(`/api/entries?type=post&locale=en`, { token: E })).body.data.find((e) => e.data.title === article);
    const patched = await call(`/api/entries/${src.id}`, { method: "PATCH", token: E, body: { version: src.version, data: { summary: "Block the card, report the leak, watch your accounts: the first steps, updated." } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const { page } = await open("editor");
    await signIn(page, demo.editor);
    await page.goto("/admin/entries?type=post");
    const r = row(page, article);
    await visible(r.getByRole("link", { name: /^de: source changed since translated/ }));
    await visible(r.getByRole("link", { name: /^fr: source changed since translated/ }));
    await axe(page, "the list with outdated translations");
    await shots(page, "list-outdated");

    // The locale filter keeps the German entries only.
    await page.getByLabel("Language").selectOption("de");
    await visible(row(page, german.title));
    await until(async () => (await page.getByRole("row").count()) === 2, "one German entry (and the header row)");
    await visible(row(page, german.title).getByText("de: source changed since translated"));

    await row(page, german.title).getByRole("link", { name: german.title, exact: true }).click();
    await visible(page.getByRole("note", { name: "Translation" }).getByText("The English original changed since this was translated"));
    await page.getByRole("button", { name: "Read the original" }).click();
    await visible(page.getByRole("region", { name: "The original, in English (en)" }).getByText("the first steps, updated."));
    await axe(page, "a translation's original");

    await page.keyboard.press("Control+k");
    const input = page.getByRole("combobox", { name: "Go to" });
    await visible(input);
    await input.fill("Personalausweises");
    const hit = page.getByRole("option").filter({ hasText: german.title });
    await visible(hit.locator("mark"));
    await axe(page, "the palette with search results");
    await shots(page, "palette");
    const list = page.getByRole("listbox", { name: "Pages and entries" });
    await until(async () => (await list.getByRole("option", { selected: true }).textContent())?.includes(german.title), "the best match is selected first");
    await input.press("Enter");
    await visible(page.getByRole("heading", { name: german.title, level: 1 }));
  });
});

