// The locales journeys (issue 11, the admin's locales page): an admin adds fr
// (falling back to en) and fr-CA (falling back to fr), sees a code in the wrong
// spelling refused with the server's message at its row, fixes it, saves and
// finds them after a reload; a circle of fallbacks is refused; the order and the
// default change by keyboard; a locale an entry is written in cannot be removed
// (the 409 is said at it); leaving with unsaved changes asks first; the page fits
// a 390 px phone. Against one fresh `cms serve`; axe-core checks every state.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { api, axe, journeys, launchBrowser, signIn, startServer, until, visible } from "./harness.mjs";

const password = "correct horse battery staple";
const admin = { name: "Ada Admin", email: "ada@example.test", password };
const editor = { name: "Eddie Editor", email: "eddie@example.test", password, roles: ["editor"] };
// CMS_E2E_SHOTS=/some/dir keeps screenshots of every screen (light, dark, phone).
const SHOTS = process.env.CMS_E2E_SHOTS;

describe("locales: the admin's locales settings", () => {
  let server;
  let browser;
  const state = {}; // what one journey leaves for the next

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** call is the HTTP API, for the steps that are not the UI's subject here. */
  const call = (path, opts) => api(server, path, opts);
  const login = async (u) => {
    const r = await call("/api/auth/login", { method: "POST", body: { email: u.email, password: u.password } });
    assert.equal(r.status, 200, `${u.email} signs in: ${JSON.stringify(r.body)}`);
    return r.body.access_token;
  };
  const savedLocales = async () => (await call("/api/locales", { token: state.adminToken })).body;

  const journey = journeys(it, { state, browser: () => browser, server: () => server, timeout: 90_000 });

  /** the page's parts */
  const list = (page) => page.getByRole("list", { name: "Locales, in order" });
  const row = (page, code) => list(page).getByRole("listitem").filter({ has: page.locator(`code:text-is("${code}")`) });
  const rowCodes = async (page) => list(page).locator(".locale-code code").allTextContents();
  const fallback = (page, code) => page.getByLabel(`Fallback for ${code}`, { exact: true });
  const saveState = (page) => page.locator(".locale-bar .save-state");
  const addCode = async (page, code, how = "click") => {
    const input = page.getByLabel("Locale code");
    await input.fill(code);
    if (how === "enter") await input.press("Enter");
    else await page.getByRole("button", { name: "Add locale" }).click();
    await visible(row(page, code));
  };

  journey("1. first admin; an editor sees no Locales page (the API would refuse the change)", [], async (open) => {
    const { page } = await open("admin");
    await page.goto(server.setupURL);
    await visible(page.getByRole("heading", { name: "Create the first admin" }));
    await page.getByLabel("Name").fill(admin.name);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin" }).click();
    await visible(page.getByRole("heading", { name: "Dashboard", level: 1 }));
    state.adminToken = await login(admin);
    const made = await call("/api/users", { method: "POST", token: state.adminToken, body: editor });
    assert.equal(made.status, 201, JSON.stringify(made.body));

    const ed = (await open("editor")).page;
    await signIn(ed, editor);
    assert.equal(await ed.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Locales" }).count(), 0, "no Locales link for an editor");
    await ed.goto("/admin/locales");
    await visible(ed.getByRole("heading", { name: "Not found", level: 1 }));
    const E = await login(editor);
    assert.equal((await call("/api/locales", { token: E })).status, 200, "anyone signed in reads the locales");
    assert.equal((await call("/api/locales", { method: "PUT", token: E, body: { default: "en", locales: [{ code: "en" }, { code: "de" }] } })).status, 403, "only an admin changes them");
    assert.deepEqual(await savedLocales(), { default: "en", locales: [{ code: "en" }] }, "a fresh database has en");
    state.users = true;
  });

  journey("2. the admin adds fr and fr-CA; a wrong spelling is refused with the server's message; saved, they stay after a reload", ["users"], async (open) => {
    const who = await open("admin");
    who.expectError(/status of 422 .*\/api\/locales$/);
    const { page } = who;
    await signIn(page, admin);
    await nav(page, "Locales");
    await visible(row(page, "en").getByText("— English"));
    assert.ok(await page.getByRole("radio", { name: "Default locale: en", exact: true }).isChecked(), "en is the default");
    assert.equal(await fallback(page, "en").inputValue(), "");
    await visible(saveState(page).getByText("No unsaved changes"));
    assert.ok(await page.getByRole("button", { name: "Save locales" }).isDisabled(), "nothing to save yet");
    await axe(page, "the locales page");
    await shots(page, "locales-start");

    // fr, by keyboard: the hint names it as it is typed, Enter adds it, falling back to the default.
    const input = page.getByLabel("Locale code");
    await input.fill("fr");
    await visible(page.locator("#locale-code-hint").getByText("French", { exact: true }));
    await input.press("Enter");
    await visible(row(page, "fr").getByText("— French"));
    await visible(row(page, "fr").getByText("New", { exact: true }));
    assert.equal(await fallback(page, "fr").inputValue(), "en", "a new locale starts falling back to the default");
    await fallback(page, "fr").selectOption("en");
    assert.equal(await input.inputValue(), "", "the input is cleared for the next");
    assert.ok(await isFocused(input), "the focus stays in the input");
    await visible(saveState(page).getByText("Unsaved changes: fr added"));

    // A duplicate is not added at all.
    await input.fill("fr");
    await visible(page.locator("#locale-code-hint").getByText("fr is already listed."));
    await page.getByRole("button", { name: "Add locale" }).click();
    assert.equal((await rowCodes(page)).filter((c) => c === "fr").length, 1);

    // fr-ca: the hint says how it is written, but the server decides; a tag that is no tag too.
    await input.fill("fr-ca");
    await visible(page.locator("#locale-code-hint").getByText("Codes are written in their canonical spelling: fr-CA — French (Canada)."));
    await visible(page.getByRole("button", { name: "Use fr-CA" }));
    await page.getByRole("button", { name: "Add locale" }).click();
    await visible(row(page, "fr-ca"));
    assert.equal(await fallback(page, "fr-ca").inputValue(), "fr", "a region starts falling back to its language");
    await addCode(page, "english");
    await visible(row(page, "english").getByText("This browser knows no language written english"));
    await axe(page, "the locales page with unsaved additions");
    await shots(page, "locales-added");

    await page.getByRole("button", { name: "Save locales" }).click();
    await visible(page.getByRole("alert").filter({ hasText: "Not saved: the server refused 2 fields, shown at their locales." }));
    await visible(row(page, "fr-ca").locator(".field-error").getByText('write "fr-ca" as fr-CA', { exact: true }));
    await visible(row(page, "english").locator(".field-error").getByText('"english" is not a BCP 47 language tag, such as en, fr-CA or zh-Hant', { exact: true }));
    assert.equal(await row(page, "fr").locator(".field-error").count(), 0, "fr is fine");
    assert.deepEqual(await savedLocales(), { default: "en", locales: [{ code: "en" }] }, "nothing is saved");
    await visible(saveState(page).getByText(/^Unsaved changes/));
    await axe(page, "the locales page with the server's refusals");
    await shots(page, "locales-refused");

    // Fix the spelling from the message; remove the other (a new row just goes).
    await row(page, "fr-ca").getByRole("button", { name: "Write it fr-CA instead of fr-ca" }).click();
    await visible(row(page, "fr-CA").getByText("— French (Canada)"));
    assert.equal(await row(page, "fr-CA").locator(".field-error").count(), 0, "the fixed code's error goes");
    assert.equal(await fallback(page, "fr-CA").inputValue(), "fr");
    await page.getByRole("button", { name: "Remove english", exact: true }).click();
    await until(async () => (await rowCodes(page)).join(" ") === "en fr fr-CA", "english is gone");
    assert.equal(await page.getByRole("heading", { name: "Removed when you save" }).count(), 0, "an unsaved locale is not kept aside");

    await page.getByRole("button", { name: "Save locales" }).click();
    await visible(saveState(page).getByText("Saved", { exact: true }));
    assert.equal(await page.getByRole("alert").count(), 0, "no refusal is left on the page");
    const want = { default: "en", locales: [{ code: "en" }, { code: "fr", fallback: "en" }, { code: "fr-CA", fallback: "fr" }] };
    assert.deepEqual(await savedLocales(), want);
    assert.equal(await row(page, "fr").getByText("New", { exact: true }).count(), 0, "saved rows are no longer new");

    await page.reload();
    await visible(row(page, "fr-CA").getByText("— French (Canada)"));
    assert.equal((await rowCodes(page)).join(" "), "en fr fr-CA");
    assert.equal(await fallback(page, "fr").inputValue(), "en");
    assert.equal(await fallback(page, "fr-CA").inputValue(), "fr");
    assert.ok(await page.getByRole("radio", { name: "Default locale: en", exact: true }).isChecked());
    await visible(saveState(page).getByText("No unsaved changes"));
    await shots(page, "locales-saved");
    state.saved = want;
  });

  journey("3. a circle of fallbacks is refused; the order and the default change by keyboard", ["saved"], async (open) => {
    const who = await open("admin");
    who.expectError(/status of 422 .*\/api\/locales$/);
    const { page } = who;
    await signIn(page, admin);
    await page.goto("/admin/locales");
    await visible(row(page, "fr-CA"));

    await fallback(page, "en").selectOption("fr-CA");
    await visible(row(page, "en").getByText("The fallbacks go round in a circle: en → fr-CA → fr → en. The server refuses a circle."));
    await visible(row(page, "en").getByText("Changed", { exact: true }));
    await page.getByRole("button", { name: "Save locales" }).click();
    await visible(row(page, "en").locator(".field-error").getByText("the fallbacks go round in a circle: en → fr-CA → fr → en", { exact: true }));
    assert.equal(await fallback(page, "en").getAttribute("aria-invalid"), "true");
    const described = await fallback(page, "en").getAttribute("aria-describedby");
    assert.match(await page.locator(`#${described}`).textContent(), /round in a circle/, "the select is described by its error");
    await visible(page.getByRole("alert").filter({ hasText: /^Not saved: the server refused/ }));
    assert.deepEqual(await savedLocales(), state.saved, "the circle is not saved");
    await axe(page, "the locales page with a refused circle");
    await shots(page, "locales-circle");

    // Undoing the change clears its error and the page is clean again.
    await fallback(page, "en").selectOption("");
    await until(async () => (await page.locator(".field-error").count()) === 0, "the fallback errors go with the change");
    await visible(saveState(page).getByText("No unsaved changes"));

    // Keyboard: the focus stays on a moved row's button; Space picks the default; Ctrl+S saves.
    const up = page.getByRole("button", { name: "Move fr-CA up" });
    await up.focus();
    await page.keyboard.press("Enter");
    await until(async () => (await rowCodes(page)).join(" ") === "en fr-CA fr", "fr-CA moves up");
    assert.ok(await isFocused(up), "the focus stays on Move fr-CA up");
    await page.keyboard.press("Enter");
    await until(async () => (await rowCodes(page)).join(" ") === "fr-CA en fr", "fr-CA moves to the top");
    assert.ok(await up.isDisabled());
    assert.ok(await isFocused(page.getByRole("button", { name: "Move fr-CA down" })), "at the top the focus goes to Move down");
    await page.keyboard.press("Enter");
    await until(async () => (await rowCodes(page)).join(" ") === "en fr-CA fr", "and back down");
    await page.getByRole("radio", { name: "Default locale: en", exact: true }).focus();
    await page.keyboard.press("ArrowDown"); // radios of one name: the arrows move the choice along the list
    await until(() => page.getByRole("radio", { name: "Default locale: fr-CA", exact: true }).isChecked(), "the arrow key picks fr-CA");
    await page.keyboard.press("ArrowDown");
    await until(() => page.getByRole("radio", { name: "Default locale: fr", exact: true }).isChecked(), "and then fr");
    await visible(saveState(page).getByText("Unsaved changes: fr made the default; new order"));
    await page.keyboard.press("Control+s");
    await visible(saveState(page).getByText("Saved", { exact: true }));
    state.saved = { default: "fr", locales: [{ code: "en" }, { code: "fr-CA", fallback: "fr" }, { code: "fr", fallback: "en" }] };
    assert.deepEqual(await savedLocales(), state.saved);
    state.reordered = true;
  });

  journey("4. a locale an entry is written in cannot be removed: the 409 is said at it; Keep puts it back", ["reordered"], async (open) => {
    const made = await call("/api/entries", { method: "POST", token: state.adminToken, body: { type: "post", locale: "fr", data: { title: "Bonjour" } } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const who = await open("admin");
    who.expectError(/status of 409 .*\/api\/locales$/);
    const { page } = who;
    await signIn(page, admin);
    await page.goto("/admin/locales");
    await visible(row(page, "fr"));

    // The default cannot go.
    await page.getByRole("button", { name: "Remove fr", exact: true }).click();
    await visible(row(page, "fr").getByRole("alert").filter({ hasText: "fr is the default: make another locale the default before removing it." }));
    assert.equal((await rowCodes(page)).join(" "), "en fr-CA fr");

    await page.getByRole("radio", { name: "Default locale: en", exact: true }).check();
    await page.getByRole("button", { name: "Remove fr", exact: true }).click();
    await until(async () => (await rowCodes(page)).join(" ") === "en fr-CA", "fr leaves the list");
    const removed = page.getByRole("region", { name: "Removed when you save" });
    await visible(removed.locator(`code:text-is("fr")`));
    assert.equal(await fallback(page, "fr-CA").inputValue(), "en", "what fell back to fr falls back to fr's fallback");
    await visible(row(page, "fr-CA").getByText("Fell back to fr, which is removed when you save."));
    await visible(saveState(page).getByText("Unsaved changes: fr removed; fallback of fr-CA changed; en made the default"));

    await page.getByRole("button", { name: "Save locales" }).click();
    await visible(removed.getByRole("alert").filter({ hasText: "Not saved: a locale in use cannot be removed: fr by 1 entry." }));
    await visible(removed.getByText("In use by 1 entry"));
    assert.deepEqual(await savedLocales(), state.saved, "nothing is saved");
    await axe(page, "the locales page with a refused removal");
    await shots(page, "locales-in-use");

    await removed.getByRole("button", { name: "Keep fr" }).click();
    await until(async () => (await rowCodes(page)).join(" ") === "en fr-CA fr", "fr is back where it was");
    assert.equal(await fallback(page, "fr-CA").inputValue(), "fr", "and what fell back to it again");
    assert.equal(await page.getByRole("region", { name: "Removed when you save" }).count(), 0);
    assert.ok(await isFocused(page.getByRole("button", { name: "Remove fr", exact: true })), "the focus goes to the row put back");
    await page.getByRole("button", { name: "Save locales" }).click();
    await visible(saveState(page).getByText("Saved", { exact: true }));
    state.saved = { default: "en", locales: [{ code: "en" }, { code: "fr-CA", fallback: "fr" }, { code: "fr", fallback: "en" }] };
    assert.deepEqual(await savedLocales(), state.saved);
  });

  journey("5. leaving with unsaved changes asks first", ["saved"], async (open) => {
    const { page } = await open("admin");
    await signIn(page, admin);
    await nav(page, "Locales");
    await addCode(page, "de", "enter");
    await visible(saveState(page).getByText("Unsaved changes: de added"));
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Leave without saving?" });
    await visible(dialog.getByText("Your changes to the locales are not saved (de added)."));
    await axe(page, "the leave dialog");
    await shots(page, "locales-leave");
    await dialog.getByRole("button", { name: "Stay" }).click();
    await visible(row(page, "de"));
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users", exact: true }).click();
    await dialog.getByRole("button", { name: "Leave without saving" }).click();
    await visible(page.getByRole("heading", { name: "Users", level: 1 }));
    await nav(page, "Locales");
    await visible(row(page, "fr"));
    assert.equal((await rowCodes(page)).join(" "), "en fr-CA fr", "the unsaved de is gone");
    assert.deepEqual(await savedLocales(), state.saved);
  });

  journey("6. on a 390 px phone the page fits and works", ["saved"], async (open) => {
    const who = await open("phone", { width: 390, height: 844 });
    who.expectError(/status of 422 .*\/api\/locales$/);
    const { page } = who;
    await signIn(page, admin);
    await page.goto("/admin/locales");
    await visible(row(page, "fr-CA"));
    const fits = async (what) => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${what}: the page is ${width}px wide at 390px`);
    };
    await fits("the locales");
    await axe(page, "the locales page on a phone");
    await shots(page, "phone-locales");
    await addCode(page, "pt-br");
    await page.getByRole("button", { name: "Remove fr-CA", exact: true }).click();
    // With changes, the bar with Save stays at the bottom of the screen.
    const bar = await page.locator(".locale-bar").boundingBox();
    assert.ok(bar && bar.y + bar.height <= 844 && bar.y > 844 / 2, `the save bar is in sight at the bottom: ${JSON.stringify(bar)}`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, "phone-locales-dirty-screen.png") });
    await page.getByRole("button", { name: "Save locales" }).click();
    await visible(row(page, "pt-br").locator(".field-error"));
    await fits("the locales with a refusal");
    await axe(page, "the locales page with a refusal on a phone");
    await shots(page, "phone-locales-refused");
    await page.getByRole("button", { name: "Discard changes" }).click();
    await visible(saveState(page).getByText("No unsaved changes"));
    assert.equal((await rowCodes(page)).join(" "), "en fr-CA fr");
  });
});


async function nav(page, name) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  await visible(page.getByRole("heading", { name, level: 1 }));
}

function isFocused(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

/** shots keeps full-page screenshots in light and (when both) dark, with CMS_E2E_SHOTS set. */
async function shots(page, name, both = true) {
  if (!SHOTS) return;
  const set = (t) => page.evaluate((t) => (document.documentElement.dataset.theme = t), t);
  await set("light");
  await page.screenshot({ path: join(SHOTS, `${name}-light.png`), fullPage: true });
  if (both) {
    await set("dark");
    await page.screenshot({ path: join(SHOTS, `${name}-dark.png`), fullPage: true });
    await set("light");
  }
}
