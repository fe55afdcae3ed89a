// The admin UI's journeys (issue 4, "Tests"), in order, against one fresh
// `cms serve`: each journey builds on what the ones before it left behind.
// Everything is done as a person would, through accessible names.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { axe, journeys, launchBrowser, signIn, startServer, until, visible } from "./harness.mjs";

const password = "correct horse battery staple";
const admin = { name: "Ada Admin", email: "ada@example.test", password };
const editor = { name: "Eddie Editor", email: "eddie@example.test", password, roles: ["editor"] };
const reviewer = { name: "Rita Reviewer", email: "rita@example.test", password, roles: ["reviewer"] };

const post = {
  title: "Planting spring bulbs",
  plain: "Plant the bulbs ",
  bold: "before the first frost",
  category: "Gardening",
  comment: "Please make the title say when to plant.",
  newTitle: "Planting spring bulbs in October",
};

describe("admin UI journeys", () => {
  let server;
  let browser;
  const state = {}; // what one journey leaves for the next

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const journey = journeys(it, { state, browser: () => browser, server: () => server, timeout: 60_000 });


  journey("1. first-run setup; the admin creates an editor and a reviewer", [], async (open) => {
    const { page } = await open("admin");
    await page.goto(server.setupURL);
    await visible(page.getByRole("heading", { name: "Create the first admin" }));
    await page.getByLabel("Name").fill(admin.name);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin" }).click();
    await visible(page.getByRole("heading", { name: "Dashboard", level: 1 }));

    await nav(page, "Users");
    for (const u of [editor, reviewer]) {
      await page.getByLabel("Name", { exact: true }).fill(u.name);
      await page.getByLabel("Email", { exact: true }).fill(u.email);
      await page.getByLabel("Password", { exact: true }).fill(u.password);
      for (const role of ["editor", "reviewer", "admin"]) await page.getByLabel(role, { exact: true }).setChecked(u.roles.includes(role));
      await page.getByRole("button", { name: "Create user" }).click();
      await visible(page.getByRole("status").filter({ hasText: `Created ${u.email}.` }));
      // The new user is listed with its role.
      const role = page.getByLabel(`${u.roles[0]} for ${u.email}`, { exact: true });
      await until(() => role.isChecked(), `${u.email} is listed as ${u.roles[0]}`);
    }
    state.users = true;

    // Signing out ends the session: a reload does not sign back in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await visible(page.getByRole("heading", { name: "Sign in" }));
    await page.reload();
    await visible(page.getByRole("heading", { name: "Sign in" }));
    assert.equal(await page.evaluate(() => localStorage.getItem("cms.refresh")), null);
  });

  journey("2. the editor signs in, writes a post with rich text and a category, and submits it", ["users"], async (open) => {
    const { page } = await open("editor");
    await signIn(page, editor);

    // The post's Category field picks a category entry: make one if there is none.
    await nav(page, "Entries");
    await page.getByLabel("Type", { exact: true }).selectOption({ label: "Category" });
    const table = page.getByRole("table", { name: "Entries" });
    await visible(table.or(page.getByText(/^No entries match/)));
    if (!(await table.isVisible())) {
      await newEntry(page, "Category");
      await field(page, "Name").fill(post.category);
      await page.getByRole("button", { name: "Create", exact: true }).click();
      await visible(page.getByRole("heading", { name: post.category, level: 1 }));
      await nav(page, "Entries");
    }

    await newEntry(page, "Post");
    await field(page, "Title").fill(post.title);
    const body = page.getByRole("textbox", { name: "Body" });
    await body.click();
    await page.keyboard.type(post.plain);
    await page.getByRole("button", { name: "Bold" }).click();
    // The toolbar gives the focus back to the text on the next animation frame.
    await until(() => isFocused(body), "the Body editor has the focus again after Bold");
    await page.keyboard.type(post.bold);
    await visible(body.locator("strong", { hasText: post.bold }));
    const category = page.getByLabel("Category", { exact: true });
    const option = category.getByRole("option", { name: new RegExp(`^${post.category}`) });
    await option.waitFor({ state: "attached" });
    await category.selectOption(await option.getAttribute("value"));
    await page.getByRole("button", { name: "Create", exact: true }).click();

    // The editor now shows the saved entry, bold text and category included.
    await page.waitForURL(/\/admin\/entries\/(?!new)[^/?]+$/);
    await visible(page.getByRole("heading", { name: post.title, level: 1 }));
    await visible(page.getByRole("textbox", { name: "Body" }).locator("strong", { hasText: post.bold }));
    assert.match(await page.getByLabel("Category", { exact: true }).inputValue(), /\S/, "the saved post has a category");
    await status(page, "Draft");

    await page.getByRole("button", { name: "Submit for review" }).click();
    await status(page, "In review");
    state.submitted = true;
  });

  journey("3. the reviewer requests changes with a comment", ["submitted"], async (open) => {
    const { page } = await open("reviewer");
    await signIn(page, reviewer);
    await page.getByRole("region", { name: /Review queue/ }).getByRole("link", { name: post.title }).click();
    await visible(page.getByRole("heading", { name: post.title, level: 1 }));

    await page.getByRole("button", { name: "Request changes" }).click();
    await page.getByLabel("What should change?").fill(post.comment);
    await page.getByRole("button", { name: "Send request" }).click();
    await status(page, "Changes requested");
    await visible(page.getByRole("region", { name: "Comments" }).getByText(post.comment));
    state.changesRequested = true;
  });

  journey("4. the editor sees the comment, edits the post and resubmits it", ["changesRequested"], async (open) => {
    const { page } = await open("editor");
    await signIn(page, editor);
    await page.getByRole("region", { name: /Changes requested/ }).getByRole("link", { name: post.title }).click();
    await visible(page.getByRole("heading", { name: post.title, level: 1 }));
    await visible(page.getByRole("region", { name: "Comments" }).getByText(post.comment));

    await field(page, "Title").fill(post.newTitle);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await visible(page.getByRole("status").filter({ hasText: "Saved revision 2." }));
    await page.getByRole("button", { name: "Submit for review" }).click();
    await status(page, "In review");
    state.resubmitted = true;
  });

  journey("5. the reviewer compares revisions, approves and publishes; the delivery API serves it with a token made in the UI", ["resubmitted"], async (open) => {
    const { page } = await open("reviewer");
    await signIn(page, reviewer);
    await page.getByRole("region", { name: /Review queue/ }).getByRole("link", { name: post.newTitle }).click();
    await visible(page.getByRole("heading", { name: post.newTitle, level: 1 }));

    // The reviewer starts on the changes since their review: the article with the edit marked in it.
    const changes = page.getByRole("region", { name: "Changes" });
    await visible(changes.getByText(/^Since the last review: revision 1, when Rita Reviewer requested changes/));
    assert.equal(await changes.getByLabel("Compare revision").inputValue(), "1");
    assert.equal(await changes.getByLabel("with revision").inputValue(), "2");
    await visible(changes.getByRole("status").filter({ hasText: "Revision 1 → 2: 1 field changed (Title)." }));
    const title = changes.getByRole("region", { name: "Title (changed)" });
    assert.equal(await title.locator("del").count(), 0, "nothing of the title was removed");
    assert.match(await title.locator("ins").textContent(), /^\[inserted: \s*in October\]$/, "the inserted words are marked");
    // The body did not change: it reads as the article, with nothing marked.
    const body = changes.getByRole("region", { name: "Body", exact: true });
    assert.equal(await body.locator("ins, del").count(), 0);
    await visible(body.locator("strong", { hasText: post.bold }));
    await axe(page, "the Changes view");
    await page.getByRole("group", { name: "View" }).getByRole("button", { name: "Read" }).click();

    await page.getByRole("button", { name: "Approve" }).click();
    await status(page, "Approved");
    await page.getByRole("button", { name: "Publish" }).click();
    await status(page, "Published");
    const slug = await page.getByLabel("Slug", { exact: true }).inputValue();
    assert.ok(slug, "the post has a slug");

    // An admin makes a delivery token; the secret is shown once.
    const { page: adminPage } = await open("admin");
    await signIn(adminPage, admin);
    await nav(adminPage, "API tokens");
    await adminPage.getByLabel("Token name").fill("Marketing site");
    await adminPage.getByRole("button", { name: "Create token" }).click();
    const secret = await visible(adminPage.getByLabel("Token", { exact: true }));
    const token = await secret.inputValue();
    assert.ok(token.length >= 20, `a token secret is shown (got ${JSON.stringify(token)})`);
    await visible(adminPage.getByRole("table", { name: "API tokens" }).getByRole("cell", { name: "Marketing site", exact: true }));

    // A site reads the published post with it; without it, it does not.
    const url = `${server.baseURL}/api/content/post/${encodeURIComponent(slug)}`;
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    const text = await res.text();
    assert.equal(res.status, 200, `GET ${url}: ${text}`);
    const item = JSON.parse(text).data;
    assert.equal(item.title, post.newTitle);
    assert.match(item.body, new RegExp(`<strong>${post.bold}</strong>`));
    assert.equal((await fetch(url)).status, 401, "the post type is not public: no token, no content");
  });

  journey("6. two browser contexts edit the same entry: the second save gets the conflict message", ["users"], async (open) => {
    const a = await open("editor");
    const b = await open("admin");
    await signIn(a.page, editor);
    await signIn(b.page, admin);

    await nav(a.page, "Entries");
    await newEntry(a.page, "Post");
    await field(a.page, "Title").fill("Shared notes");
    await a.page.getByRole("button", { name: "Create", exact: true }).click();
    await a.page.waitForURL(/\/admin\/entries\/(?!new)[^/?]+$/);
    const path = new URL(a.page.url()).pathname;

    // Both open the entry at version 1; the admin starts typing first.
    await b.page.goto(path);
    await field(b.page, "Title").fill("Shared notes (admin)");
    await visible(a.page.getByRole("heading", { name: "Shared notes", level: 1 }));
    await field(a.page, "Title").fill("Shared notes (editor)");
    await a.page.getByRole("button", { name: "Save", exact: true }).click();
    await visible(a.page.getByRole("status").filter({ hasText: "Saved revision 2." }));

    // The admin's save is refused, and said so; nothing is overwritten.
    b.expectError(/status of 409/); // Chromium logs the refused PATCH itself
    const refused = b.page.waitForResponse((r) => r.request().method() === "PATCH" && r.status() === 409);
    await b.page.getByRole("button", { name: "Save", exact: true }).click();
    await refused;
    await visible(b.page.getByRole("heading", { name: "Someone else changed this entry" }));
    const dialog = b.page.getByRole("alertdialog", { name: "Someone else changed this entry" });
    await visible(dialog.getByText(`${editor.name} saved version 2`));
    await dialog.getByRole("button", { name: "Compare" }).click();
    await visible(dialog.getByRole("table", { name: "Your changes and theirs" }).getByRole("cell", { name: "Shared notes (editor)" }));
    await dialog.getByRole("button", { name: "Reload their version" }).click();
    await dialog.waitFor({ state: "detached" });
    assert.equal(await field(b.page, "Title").inputValue(), "Shared notes (editor)");
    state.draft = { path, title: "Shared notes (editor)" };
  });

  journey("6b. a focused rich-text editor takes in someone else's save instead of saving stale text over it", ["draft"], async (open) => {
    const a = await open("editor");
    const b = await open("admin");
    await signIn(a.page, editor);
    await signIn(b.page, admin);
    await b.page.goto(state.draft.path);
    await a.page.goto(state.draft.path);

    // The admin puts the cursor in the body and types nothing; meanwhile the editor saves a body.
    const adminBody = b.page.getByRole("textbox", { name: "Body" });
    await adminBody.click();
    const editorBody = a.page.getByRole("textbox", { name: "Body" });
    await editorBody.click();
    await a.page.keyboard.type("The editor's paragraph.");
    await a.page.getByRole("button", { name: "Save", exact: true }).click();
    await visible(a.page.getByRole("status").filter({ hasText: /Saved revision/ }));

    // Once the admin's page refetches (here: it becomes visible again after the data went stale),
    // the focused editor shows the saved text; the admin's addition then saves on top of it.
    await b.page.waitForTimeout(5_500);
    await b.page.evaluate(() => window.dispatchEvent(new Event("visibilitychange")));
    await visible(adminBody.getByText("The editor's paragraph."));
    await adminBody.press("End");
    await b.page.keyboard.type(" And the admin's.");
    await b.page.getByRole("button", { name: "Save", exact: true }).click();
    await visible(b.page.getByRole("status").filter({ hasText: /Saved revision/ }));
    const saved = await adminBody.innerText();
    assert.ok(saved.includes("The editor's paragraph.") && saved.includes("And the admin's."), `both edits kept: ${saved}`);
  });

  journey("7. the keyboard alone signs in and submits for review", ["draft"], async (open) => {
    const { page } = await open("editor");
    await page.goto("/admin/");
    await visible(page.getByRole("heading", { name: "Sign in" }));
    await tabTo(page, page.getByLabel("Email"));
    await page.keyboard.type(editor.email);
    await page.keyboard.press("Tab");
    assert.ok(await isFocused(page.getByLabel("Password")), "Tab moves from Email to Password");
    await page.keyboard.type(editor.password);
    await page.keyboard.press("Enter");
    await visible(page.getByRole("heading", { name: "Dashboard", level: 1 }));

    await tabTo(page, page.getByRole("region", { name: /My drafts/ }).getByRole("link", { name: state.draft.title }));
    await page.keyboard.press("Enter");
    await visible(page.getByRole("heading", { name: state.draft.title, level: 1 }));
    await tabTo(page, page.getByRole("button", { name: "Submit for review" }));
    await page.keyboard.press("Enter");
    await status(page, "In review");
  });

  journey("the dashboard fits a 375 px wide screen", ["users"], async (open) => {
    const { page } = await open("admin", { width: 375, height: 740 });
    await signIn(page, admin);
    await visible(page.getByRole("region", { name: /Scheduled/ }).getByText("Nothing is scheduled."));
    await assertNoHorizontalOverflow(page, "dashboard lists");
    await page.getByRole("button", { name: "Board" }).click();
    await visible(page.getByRole("list", { name: "Entries by status" }));
    await until(async () => (await page.getByRole("status").count()) === 0, "the board has loaded");
    await assertNoHorizontalOverflow(page, "dashboard board");
  });
});


/** nav follows a link of the main navigation and waits for its page. */
async function nav(page, name) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  await visible(page.getByRole("heading", { name, level: 1 }));
}

/** newEntry starts a new entry of a type from the Entries page. */
async function newEntry(page, typeName) {
  await page.getByLabel("Type of the new entry").selectOption({ label: typeName });
  await page.getByRole("button", { name: "New entry" }).click();
  await visible(page.getByRole("heading", { name: `New ${typeName.toLowerCase()}`, level: 1 }));
}

/** status waits for the entry's status badge to read label. */
function status(page, label) {
  return visible(page.getByRole("main").getByText(label, { exact: true }));
}

/** field is a text input of the entry editor, found by its accessible name (a required field's "*" is hidden from it). */
function field(page, name) {
  return page.getByRole("textbox", { name, exact: true });
}

function isFocused(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

/** tabTo presses Tab until locator has the focus, as a keyboard user would. */
async function tabTo(page, locator, max = 60) {
  await locator.waitFor();
  for (let i = 0; i < max; i++) {
    if (await isFocused(locator)) return;
    await page.keyboard.press("Tab");
  }
  assert.fail(`Tab never reached ${locator}`);
}

async function assertNoHorizontalOverflow(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const viewport = page.viewportSize().width;
  if (width > viewport) await page.screenshot({ path: join(tmpdir(), "cms-e2e-overflow.png"), fullPage: true });
  assert.ok(width <= viewport, `${what}: the page is ${width}px wide at a ${viewport}px viewport`);
}
