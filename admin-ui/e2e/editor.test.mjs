// The editor's day (issue 8): never losing work, the writing surface, the
// workflow as allowed_actions say, a review that reads like a review, lists
// kept in the address. Against one fresh `cms serve`; people are set up
// through the API. Every screen gets an axe-core check; screenshots go to
// /tmp/shots8.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { axe, journeys, launchBrowser, Session, signIn, startServer, until, visible } from "./harness.mjs";

const SHOTS = process.env.CMS_E2E_SHOTS || "/tmp/shots8";
mkdirSync(SHOTS, { recursive: true });
const password = "correct horse battery staple";
const admin = { name: "Ada Admin", email: "ada@example.test", password };
const editor = { name: "Eddie Editor", email: "eddie@example.test", password, roles: ["editor"] };
const reviewer = { name: "Rex Reviewer", email: "rex@example.test", password, roles: ["reviewer"] };

// What a copy from Google Docs looks like on the clipboard (trimmed): a wrapper that would make it
// all bold, styles everywhere, a heading, a list, a link and a table.
const pasted = `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1234"><h2 dir="ltr" style="line-height:1.38"><span style="font-size:16pt;color:#000">Bulbs by season</span></h2>
<p dir="ltr"><span style="font-size:11pt">See </span><a href="https://bulbs.example/guide" style="text-decoration:none"><span style="color:#1155cc">the guide</span></a><span style="font-size:11pt"> first.</span></p>
<ul><li dir="ltr"><p dir="ltr"><span>Tulips</span></p></li><li dir="ltr"><p dir="ltr"><span>Daffodils</span></p></li></ul>
<div dir="ltr" align="left"><table style="border:none;border-collapse:collapse"><colgroup><col width="200"><col width="200"></colgroup><tbody>
<tr style="height:0pt"><td style="border-left:solid #000 1pt"><p dir="ltr"><span style="font-weight:700">Bulb</span></p></td><td><p dir="ltr"><span style="font-weight:700">When</span></p></td></tr>
<tr><td><p dir="ltr"><span>Tulip</span></p></td><td><p dir="ltr"><span>October</span></p></td></tr>
</tbody></table></div><p dir="ltr"><span style="font-family:Comic Sans MS">The end.</span></p></b>`;

describe("the editor's day", () => {
  let server;
  let browser;
  let adminToken;
  const state = {};
  const tokens = {};

  const call = async (path, { method = "GET", body, as = "admin" } = {}) => {
    const res = await fetch(server.baseURL + path, { method, headers: { Authorization: `Bearer ${tokens[as]}`, ...(body ? { "Content-Type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const login = async (u) => (await (await fetch(`${server.baseURL}/api/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: u.email, password }) })).json()).access_token;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const token = new URL(server.setupURL).searchParams.get("token");
    const setup = await fetch(`${server.baseURL}/api/setup`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token, ...admin }) });
    assert.ok(setup.ok, `setup: ${setup.status} ${await setup.text()}`);
    tokens.admin = adminToken = await login(admin);
    for (const u of [editor, reviewer]) {
      const r = await call("/api/users", { method: "POST", body: u });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    tokens.editor = await login(editor);
    tokens.reviewer = await login(reviewer);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const journey = journeys(it, { state, browser: () => browser, server: () => server, timeout: 90_000, viewport: { width: 1280, height: 800 } });

  const field = (page, name) => page.getByRole("textbox", { name, exact: true });
  const saveState = (page) => page.locator(".save-state");
  const status = (page, label) => visible(page.getByRole("main").getByText(label, { exact: true }));
  const mod = process.platform === "darwin" ? "Meta" : "Control";

  async function newPost(page, title) {
    // Through the app (not a page load), so Back stays in it.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Entries", exact: true }).click();
    await page.getByLabel("Type of the new entry").selectOption({ label: "Post" });
    await page.getByRole("button", { name: "New entry" }).click();
    await visible(page.getByRole("heading", { name: "New post", level: 1 }));
    await field(page, "Title").fill(title);
  }

  journey("E1. unsaved work is guarded on leaving, saved with Ctrl+S, and offered back after a reload", [], async (open) => {
    const s = await open("editor");
    const { page } = s;
    await signIn(page, editor);
    await newPost(page, "Never lose work");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL(/\/admin\/entries\/(?!new)[^/?]+$/);
    const path = new URL(page.url()).pathname;
    await visible(saveState(page).filter({ hasText: "All changes saved" }));

    // Typing shows the unsaved state; a click on Entries asks first, and Stay keeps the text.
    const body = page.getByRole("textbox", { name: "Body" });
    await body.click();
    await page.keyboard.type("A first paragraph that must not be lost.");
    await visible(saveState(page).filter({ hasText: "Unsaved changes" }));
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Entries" }).click();
    const leave = await visible(page.getByRole("dialog", { name: "Leave without saving?" }));
    await page.screenshot({ path: `${SHOTS}/leave-dialog.png` });
    await axe(page, "the leave dialog");
    await leave.getByRole("button", { name: "Stay" }).click();
    await leave.waitFor({ state: "detached" });
    assert.equal(new URL(page.url()).pathname, path, "still on the entry");
    await visible(body.getByText("A first paragraph that must not be lost."));

    // The back button asks too.
    await page.goBack();
    await visible(page.getByRole("dialog", { name: "Leave without saving?" }));
    await page.getByRole("dialog").getByRole("button", { name: "Stay" }).click();
    assert.equal(new URL(page.url()).pathname, path, "still on the entry after Back");

    // Ctrl+S saves (the browser does not save the page).
    await body.click();
    await page.keyboard.press(`${mod}+s`);
    await visible(saveState(page).filter({ hasText: "Saved revision 2." }));
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Entries" }).click();
    await visible(page.getByRole("heading", { name: "Entries", level: 1 }));
    await page.goBack();
    await visible(page.getByRole("heading", { name: "Never lose work", level: 1 }));

    // Unsaved text survives a reload (the browser asks before it), and is offered back.
    await body.click();
    await page.keyboard.press("End");
    await page.keyboard.type(" Typed just before the crash.");
    await visible(saveState(page).filter({ hasText: "Unsaved changes" }));
    let asked = false;
    page.on("dialog", (d) => {
      if (d.type() === "beforeunload") asked = true;
      d.accept();
    });
    await page.reload();
    const offer = await visible(page.getByRole("region", { name: "Unsaved changes kept in this browser" }));
    assert.ok(asked, "the browser asked before reloading a page with unsaved changes");
    await visible(offer.getByText(/^Restore your unsaved changes from \d{1,2}[:.]\d{2}/));
    assert.equal(await body.innerText(), "A first paragraph that must not be lost.", "the saved text shows until restored");
    await page.screenshot({ path: `${SHOTS}/restore-offer.png` });
    await axe(page, "the restore offer");
    await offer.getByRole("button", { name: "Restore" }).click();
    await visible(body.getByText("Typed just before the crash.", { exact: false }));
    await visible(saveState(page).filter({ hasText: "Unsaved changes" }));

    // Save and leave: saved, then on the Entries page.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Entries" }).click();
    await page.getByRole("dialog", { name: "Leave without saving?" }).getByRole("button", { name: "Save and leave" }).click();
    await visible(page.getByRole("heading", { name: "Entries", level: 1 }));
    const id = path.split("/").pop();
    const saved = (await call(`/api/entries/${id}`)).body;
    assert.match(saved.data.body, /Typed just before the crash\./);
    assert.equal(saved.version, 3);
    // Nothing is offered any more.
    await page.goto(path);
    await visible(page.getByRole("heading", { name: "Never lose work", level: 1 }));
    await visible(saveState(page).filter({ hasText: "All changes saved" }));
    assert.equal(await page.getByRole("region", { name: "Unsaved changes kept in this browser" }).count(), 0);
    state.guarded = { id, path };
  });

  journey("E2. the writing surface: headings, quote, code, rule, a link in a popover, tables; a Google Docs paste keeps its table; a save and reload change nothing", [], async (open) => {
    const { page } = await open("editor");
    await signIn(page, editor);
    await newPost(page, "Spring bulbs, in full");
    const body = page.getByRole("textbox", { name: "Body" });
    await body.click();
    const tools = page.getByRole("toolbar", { name: "Body formatting" });
    await tools.getByRole("button", { name: /^H3/ }).click();
    await page.keyboard.type("Before you plant");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Read the guide");
    for (let i = 0; i < "the guide".length; i++) await page.keyboard.press("Shift+ArrowLeft");
    await tools.getByRole("button", { name: "Link" }).click();
    const pop = await visible(page.getByRole("dialog", { name: "Link" }));
    await axe(page, "the link popover");
    await pop.getByLabel("Link address").fill("/guides/bulbs");
    await visible(pop.getByText("A page of this site."));
    await page.keyboard.press("Enter");
    await pop.waitFor({ state: "detached" });
    await until(() => body.evaluate((el) => el === document.activeElement), "the text has the focus again");
    await visible(body.locator('a[href="/guides/bulbs"]', { hasText: "the guide" }));
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await tools.getByRole("button", { name: "Quote" }).click();
    await page.keyboard.type("Plant them pointy end up.");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await tools.getByRole("button", { name: "Code block" }).click();
    await page.keyboard.type("depth = 3 * height");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await tools.getByRole("button", { name: /^Divider/ }).click();

    // A paste from Google Docs: headings, links, lists and the table stay; the styles and the bold wrapper go.
    await page.evaluate((html) => {
      const dt = new DataTransfer();
      dt.setData("text/html", html);
      dt.setData("text/plain", "Bulbs by season");
      document.querySelector(".ProseMirror").dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    }, pasted);
    const table = body.locator("table");
    await visible(table);
    assert.equal(await table.locator("tr").count(), 2, "the pasted table keeps its rows");
    assert.deepEqual(await table.locator("th, td").allInnerTexts(), ["Bulb", "When", "Tulip", "October"]);
    await visible(body.locator("h2", { hasText: "Bulbs by season" }));
    await visible(body.locator('a[href="https://bulbs.example/guide"]', { hasText: "the guide" }));
    assert.equal(await body.locator("ul li").count(), 2);
    assert.equal(await body.locator("strong", { hasText: "Bulbs by season" }).count(), 0, "Google's wrapper does not make everything bold");
    assert.equal(await body.locator("[style]").count(), 0, "no pasted styles");

    // Table tools: a row and a column more, then one column less; the first row is a header row.
    await table.locator("td").last().click();
    const tableTools = await visible(tools.getByRole("group", { name: "Table" }));
    await tableTools.getByRole("button", { name: "Add row" }).click();
    await tableTools.getByRole("button", { name: "Add column" }).click();
    assert.equal(await table.locator("tr").count(), 3);
    assert.equal(await table.locator("tr").first().locator("th, td").count(), 3);
    await table.locator("tr").first().locator("th, td").last().click();
    await tableTools.getByRole("button", { name: "Remove column" }).click();
    assert.equal(await table.locator("tr").first().locator("th, td").count(), 2);
    await table.locator("td", { hasText: "Bulb" }).click();
    await tableTools.getByRole("button", { name: "Header row" }).click();
    await visible(table.locator("th", { hasText: "Bulb" }));
    await page.screenshot({ path: `${SHOTS}/writing-surface.png` });
    await axe(page, "the editor with a table");

    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL(/\/admin\/entries\/(?!new)[^/?]+$/);
    const id = new URL(page.url()).pathname.split("/").pop();
    const saved = (await call(`/api/entries/${id}`)).body.data.body;
    for (const re of [/<table><tbody><tr><th><p><strong>Bulb<\/strong><\/p><\/th>/, /<td><p>October<\/p><\/td>/, /<h3>Before you plant<\/h3>/, /<h2>Bulbs by season<\/h2>/, /<a href="\/guides\/bulbs"[^>]*>the guide<\/a>/, /<blockquote>/, /<pre><code>depth = 3 \* height<\/code><\/pre>/, /<hr/, /<li><p>Tulips<\/p><\/li>/])
      assert.match(saved, re);
    assert.doesNotMatch(saved, /<a href="\/guides\/bulbs"[^>]*target=/, "a link inside the site does not open a new tab");
    assert.match(saved, /<a href="https:\/\/bulbs\.example\/guide"[^>]*rel="[^"]*nofollow/, "a link to another site is");

    // After a reload the editor's text is the saved text: an edit undone leaves nothing unsaved.
    await page.reload();
    await visible(body.locator("table"));
    await visible(saveState(page).filter({ hasText: "All changes saved" }));
    await body.locator("h3").click();
    await page.keyboard.press("End");
    await page.keyboard.type("x");
    await visible(saveState(page).filter({ hasText: "Unsaved changes" }));
    await page.keyboard.press("Backspace");
    await visible(saveState(page).filter({ hasText: "All changes saved" }));

    // The toolbar and the head stay in view on a long page.
    await page.mouse.wheel(0, 3000);
    await page.waitForTimeout(200);
    const box = await tools.boundingBox();
    const head = await page.locator(".entry-head").boundingBox();
    assert.ok(box && box.y >= 0 && box.y < 200, `the toolbar is still in view (y=${box?.y})`);
    assert.ok(head && head.y >= -1 && head.y < 5, `the head is at the top (y=${head?.y})`);
    await visible(page.getByRole("heading", { name: "Spring bulbs, in full", level: 1 }));
    state.article = { id };
  });

  journey("E3. allowed_actions drive the buttons; after an action the status has the focus and is announced; an edited live entry is unpublished after a confirmation", [], async (open) => {
    const ed = await open("editor");
    const rv = await open("reviewer");
    await signIn(ed.page, editor);
    await signIn(rv.page, reviewer);
    await newPost(ed.page, "Workflow by the contract");
    await ed.page.getByRole("button", { name: "Create", exact: true }).click();
    await ed.page.waitForURL(/\/admin\/entries\/(?!new)[^/?]+$/);
    const path = new URL(ed.page.url()).pathname;
    const id = path.split("/").pop();
    const workflow = (p) => p.getByRole("group", { name: "Workflow" }).getByRole("button");
    // Exactly the actions the server lists, for each person.
    const allowed = async (as) => (await call(`/api/entries/${id}`, { as })).body.allowed_actions.filter((a) => a !== "edit");
    const labels = { submit: "Submit for review", withdraw: "Withdraw", approve: "Approve", request_changes: "Request changes", publish: "Publish", schedule: "Schedule", cancel_schedule: "Cancel schedule", unpublish: "Unpublish", delete: "Delete" };
    const order = Object.keys(labels);
    const expectButtons = async (p, as) => {
      const want = (await allowed(as)).sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((a) => labels[a]);
      await until(async () => JSON.stringify(await workflow(p).allInnerTexts()) === JSON.stringify(want), `${as} sees ${want.join(", ")}`);
    };
    await expectButtons(ed.page, "editor");
    assert.deepEqual(await workflow(ed.page).allInnerTexts(), ["Submit for review", "Delete"]);

    await ed.page.getByRole("button", { name: "Submit for review" }).click();
    await status(ed.page, "In review");
    await until(() => ed.page.evaluate(() => document.activeElement?.classList.contains("status-focus")), "the focus is on the new status");
    await visible(ed.page.getByRole("status").filter({ hasText: "Status is now In review." }));
    await expectButtons(ed.page, "editor");

    // The reviewer's open page follows the server: it was opened now, the editor withdraws and resubmits through the API.
    await rv.page.goto(path);
    await status(rv.page, "In review");
    await expectButtons(rv.page, "reviewer");
    assert.equal((await call(`/api/entries/${id}/withdraw`, { method: "POST", body: {}, as: "editor" })).status, 200);
    await until(async () => (await rv.page.getByRole("main").getByText("Draft", { exact: true }).count()) === 1, "the open entry shows the new status by itself", 15_000);
    assert.equal((await call(`/api/entries/${id}/submit`, { method: "POST", body: {}, as: "editor" })).status, 200);
    await rv.page.evaluate(() => window.dispatchEvent(new Event("focus")));
    await status(rv.page, "In review");
    await visible(rv.page.getByRole("region", { name: "History" }).getByText("withdrew it"));

    await rv.page.getByRole("button", { name: "Approve" }).click();
    await status(rv.page, "Approved");
    await expectButtons(rv.page, "reviewer");
    // Schedule, then cancel the schedule: back to approved, nothing live.
    await rv.page.getByRole("button", { name: "Schedule" }).click();
    await rv.page.getByRole("dialog", { name: /^Schedule/ }).getByRole("button", { name: "Confirm schedule" }).click();
    await status(rv.page, "Scheduled");
    await expectButtons(rv.page, "reviewer");
    await rv.page.getByRole("button", { name: "Cancel schedule" }).click();
    await status(rv.page, "Approved");
    await rv.page.getByRole("button", { name: "Publish" }).click();
    await status(rv.page, "Published");

    // The editor edits the published entry: a draft, still live.
    await ed.page.reload();
    await status(ed.page, "Published");
    await field(ed.page, "Title").fill("Workflow by the contract, edited");
    await ed.page.getByRole("button", { name: "Save", exact: true }).click();
    await status(ed.page, "Draft · live");
    await expectButtons(ed.page, "editor");
    assert.ok(!(await workflow(ed.page).allInnerTexts()).includes("Delete"), "a live entry cannot be deleted");

    // The reviewer unpublishes it, after being told what the site loses.
    await rv.page.reload();
    await status(rv.page, "Draft · live");
    await expectButtons(rv.page, "reviewer");
    await rv.page.getByRole("button", { name: "Unpublish" }).click();
    const confirm = await visible(rv.page.getByRole("dialog", { name: /^Take “Workflow by the contract, edited” off the site\?/ }));
    await visible(confirm.getByText(/The site loses this post: the delivery API stops serving it at \/api\/content\/post\//));
    await rv.page.screenshot({ path: `${SHOTS}/unpublish-confirm.png` });
    await axe(rv.page, "the unpublish confirmation");
    await confirm.getByRole("button", { name: "Keep it live" }).click();
    assert.equal((await call(`/api/entries/${id}`)).body.live, true, "Keep it live keeps it");
    await rv.page.getByRole("button", { name: "Unpublish" }).click();
    await rv.page.getByRole("dialog").getByRole("button", { name: "Unpublish" }).click();
    await status(rv.page, "Draft");
    await visible(rv.page.getByRole("status").filter({ hasText: "Status is now Draft." }));
    assert.equal((await call(`/api/entries/${id}`)).body.live, false);

    // Now the editor may delete it, after a confirmation; the list no longer has it.
    await ed.page.reload();
    await status(ed.page, "Draft");
    await ed.page.getByRole("button", { name: "Delete" }).click();
    const del = await visible(ed.page.getByRole("dialog", { name: /^Delete “/ }));
    await axe(ed.page, "the delete confirmation");
    await del.getByRole("button", { name: "Delete for good" }).click();
    await visible(ed.page.getByRole("heading", { name: "Entries", level: 1 }));
    assert.equal((await call(`/api/entries/${id}`)).status, 404);
    await ed.page.screenshot({ path: `${SHOTS}/entries.png` });
  });

  journey("E4. a link-only change shows in the review, as the changes since the last review", [], async (open) => {
    const { page } = await open("editor");
    await signIn(page, editor);
    const created = await call("/api/entries", { method: "POST", as: "editor", body: { type: "post", data: { title: "Links matter", body: '<p>Read <a href="https://old.example/guide">the guide</a> first.</p>' } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    assert.equal((await call(`/api/entries/${id}/submit`, { method: "POST", body: {}, as: "editor" })).status, 200);
    const rc = await call(`/api/entries/${id}/request-changes`, { method: "POST", body: { comment: "Point the guide at our own page." }, as: "reviewer" });
    assert.equal(rc.status, 200, JSON.stringify(rc.body));

    // The editor sees the request at the top, and changes only where the link points.
    await page.goto(`/admin/entries/${id}`);
    await visible(page.getByRole("note", { name: "Review request" }).getByText("Changes requested by Rex Reviewer"));
    const body = page.getByRole("textbox", { name: "Body" });
    await body.getByText("the guide").click();
    await page.getByRole("toolbar", { name: "Body formatting" }).getByRole("button", { name: "Edit link" }).click();
    const pop = await visible(page.getByRole("dialog", { name: "Link" }));
    assert.equal(await pop.getByLabel("Link address").inputValue(), "https://old.example/guide");
    await pop.getByLabel("Link address").fill("/guide");
    await pop.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await visible(saveState(page).filter({ hasText: /^Saved revision 2/ }));
    await page.screenshot({ path: `${SHOTS}/editor-with-request.png` });
    await page.getByRole("button", { name: "Submit for review" }).click();
    await status(page, "In review");

    const rv = await open("reviewer");
    await signIn(rv.page, reviewer);
    await rv.page.goto(`/admin/entries/${id}`);
    const changes = await visible(rv.page.getByRole("region", { name: "Changes" }));
    await visible(changes.getByText(/^Since the last review: revision 1, when Rex Reviewer requested changes/));
    await visible(changes.getByRole("status").filter({ hasText: "Revision 1 → 2: 1 field changed (Body)." }));
    const b = changes.getByRole("region", { name: "Body (changed)" });
    await visible(b.locator("del a[href='https://old.example/guide']", { hasText: "the guide" }));
    await visible(b.locator("ins a[href='/guide']", { hasText: "the guide" }));
    await visible(b.locator("ins .diff-href", { hasText: "(link: /guide)" }));
    await rv.page.screenshot({ path: `${SHOTS}/review-changes.png` });
    await axe(rv.page, "the review of a link change");

    // A new save moves the pickers along with it.
    await call(`/api/entries/${id}/withdraw`, { method: "POST", body: {}, as: "editor" });
    const cur = (await call(`/api/entries/${id}`)).body;
    await call(`/api/entries/${id}`, { method: "PATCH", as: "editor", body: { version: cur.version, data: { title: "Links matter a lot" } } });
    await rv.page.evaluate(() => window.dispatchEvent(new Event("focus")));
    await until(async () => (await changes.getByLabel("with revision").inputValue()) === "3", "the right picker follows the new save", 15_000);
    await visible(changes.getByRole("status").filter({ hasText: "Revision 1 → 3: 2 fields changed (Title, Body)." }));

    // Preview reads as the site would show it.
    await rv.page.getByRole("group", { name: "View" }).getByRole("button", { name: "Preview" }).click();
    const preview = await visible(rv.page.getByRole("region", { name: "Preview" }));
    await visible(preview.getByRole("heading", { name: "Links matter a lot", level: 1 }));
    await visible(preview.getByRole("link", { name: "the guide" }));
    await axe(rv.page, "the preview");
  });

  journey("E6. the list keeps its filters, sort and page in the address; bulk actions say what was refused and why", [], async (open) => {
    // Six drafts of the editor's, two of them submitted and one approved and published.
    const ids = [];
    for (let i = 1; i <= 6; i++) {
      const r = await call("/api/entries", { method: "POST", as: "editor", body: { type: "post", data: { title: `Bulk ${i} zinnias` } } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    for (const id of ids.slice(0, 3)) await call(`/api/entries/${id}/submit`, { method: "POST", body: {}, as: "editor" });
    await call(`/api/entries/${ids[0]}/approve`, { method: "POST", body: {}, as: "reviewer" });
    await call(`/api/entries/${ids[0]}/publish`, { method: "POST", body: {}, as: "reviewer" });

    const { page } = await open("editor");
    await signIn(page, editor);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Entries", exact: true }).click();
    await page.getByLabel("Status").selectOption("draft");
    await page.getByLabel("Search").fill("zinnias");
    await page.getByLabel("Per page").selectOption("10");
    const table = page.getByRole("table", { name: "Entries" });
    await until(async () => (await table.getByRole("link").allInnerTexts()).length === 3, "three drafts match");
    // Sorting by title, one way then the other.
    await table.getByRole("button", { name: /^Title/ }).click();
    await until(async () => JSON.stringify(await table.getByRole("link").allInnerTexts()) === JSON.stringify(["Bulk 4 zinnias", "Bulk 5 zinnias", "Bulk 6 zinnias"]), "sorted by title");
    await table.getByRole("button", { name: /^Title/ }).click();
    await until(async () => (await table.getByRole("link").first().innerText()) === "Bulk 6 zinnias", "sorted by title, descending");
    assert.equal(await table.getByRole("columnheader", { name: /^Title/ }).getAttribute("aria-sort"), "descending");
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("status"), "draft");
    assert.equal(url.searchParams.get("q"), "zinnias");
    assert.equal(url.searchParams.get("sort"), "-slug");
    assert.equal(url.searchParams.get("size"), "10");
    await axe(page, "the filtered Entries list");

    // A reload keeps all of it.
    await page.reload();
    await visible(page.getByRole("heading", { name: "Entries", level: 1 }));
    assert.equal(await page.getByLabel("Status").inputValue(), "draft");
    assert.equal(await page.getByLabel("Search").inputValue(), "zinnias");
    assert.equal(await page.getByLabel("Per page").inputValue(), "10");
    await until(async () => JSON.stringify(await table.getByRole("link").allInnerTexts()) === JSON.stringify(["Bulk 6 zinnias", "Bulk 5 zinnias", "Bulk 4 zinnias"]), "the reloaded list is filtered and sorted the same");

    // Bulk: everything with zinnias; submit refuses the ones already in review or published, and says so.
    await page.getByLabel("Status").selectOption("");
    await until(async () => (await table.getByRole("link").count()) === 6, "six match");
    await page.getByLabel("Select all on this page").check();
    const bar = await visible(page.getByRole("region", { name: "Selected entries" }));
    await visible(bar.getByText("6 selected"));
    await page.screenshot({ path: `${SHOTS}/entries-bulk.png` });
    await axe(page, "the Entries list with a selection");
    await bar.getByRole("button", { name: "Submit for review" }).click();
    const summary = await visible(bar.getByRole("status").filter({ hasText: /^Submitted 3 entries\./ }));
    const text = await summary.innerText();
    for (const t of ["Bulk 1 zinnias", "Bulk 2 zinnias", "Bulk 3 zinnias"]) assert.ok(text.includes(t), `${t} is named as refused: ${text}`);
    assert.match(text, /Not submitted: .*\(it is (in review|published)\)/);

    // Delete asks first, then deletes what it may: not the live one.
    await page.getByLabel("Select all on this page").check();
    await bar.getByRole("button", { name: "Delete" }).click();
    const dlg = await visible(page.getByRole("dialog", { name: "Delete 6 entries?" }));
    await axe(page, "the bulk delete confirmation");
    await dlg.getByRole("button", { name: "Delete for good" }).click();
    await visible(bar.getByRole("status").filter({ hasText: /^Deleted \d entr/ }));
    assert.match(await bar.getByRole("status").innerText(), /Bulk 1 zinnias \(it is live: unpublish it first\)/);
    assert.equal((await call(`/api/entries/${ids[0]}`)).status, 200, "the live entry stays");
  });

  journey("E7. the content-type editor renames a field (its values move), sets a label, help text and a preview address; a type with entries is not deleted, and says where they are", [], async (open) => {
    const created = await call("/api/entries", { method: "POST", as: "editor", body: { type: "post", data: { title: "Renamed fields", summary: "A short summary." } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const adminSession = await open("admin");
    const { page } = adminSession;
    adminSession.expectError(/status of 409/); // the refused deletion, logged by Chromium
    await signIn(page, admin);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Content types", exact: true }).click();
    await page.getByRole("link", { name: "Post", exact: true }).click();
    await visible(page.getByRole("heading", { name: "Content type: Post", level: 1 }));
    const names = page.getByLabel("Field name", { exact: true });
    let at = -1;
    for (let i = 0; i < (await names.count()); i++) if ((await names.nth(i).inputValue()) === "summary") at = i;
    assert.ok(at >= 0, "the post type has a summary field");
    const row = page.getByRole("group", { name: `Field ${at + 1}`, exact: true });
    await row.getByLabel("Field name", { exact: true }).fill("standfirst");
    await visible(row.getByRole("note").filter({ hasText: "Renamed from summary: saving moves its values" }));
    await row.getByLabel("Label", { exact: true }).fill("Standfirst");
    await row.getByLabel("Help text", { exact: true }).fill("One sentence under the title.");
    await row.getByLabel("Most characters", { exact: true }).fill("200");
    await page.getByLabel("Preview address").fill(`${server.baseURL}/preview/{slug}?token={token}`);
    await axe(page, "the content-type editor");
    await page.screenshot({ path: `${SHOTS}/content-type-editor.png` });
    await page.getByRole("button", { name: "Save content type" }).click();
    await until(async () => (await call("/api/content-types/post")).body.fields.some((f) => f.name === "standfirst"), "the field is renamed");
    const moved = (await call(`/api/entries/${id}`)).body.data;
    assert.equal(moved.standfirst, "A short summary.");
    assert.equal(moved.summary, undefined);

    // The editor sees the label and the help text; Open preview opens the site's preview with a token.
    const ed = await open("editor");
    await signIn(ed.page, editor);
    await ed.page.goto(`/admin/entries/${id}`);
    const standfirst = await visible(ed.page.getByRole("textbox", { name: "Standfirst", exact: true }));
    assert.equal(await standfirst.inputValue(), "A short summary.");
    assert.equal(await standfirst.getAttribute("aria-describedby"), "field-standfirst-help");
    await visible(ed.page.getByText("One sentence under the title."));
    await ed.page.getByRole("group", { name: "View" }).getByRole("button", { name: "Preview" }).click();
    const popup = ed.page.waitForEvent("popup");
    await ed.page.getByRole("button", { name: "Open preview" }).click();
    const site = await popup;
    assert.match(site.url(), new RegExp(`^${server.baseURL}/preview/renamed-fields\\?token=[^&]+`));
    await site.close();

    // A type with entries: the dialog says how many and leads to them.
    const note = await call("/api/content-types", { method: "POST", body: { key: "note", name: "Note", fields: [{ name: "title", type: "text", required: true }] } });
    assert.equal(note.status, 201, JSON.stringify(note.body));
    await call("/api/entries", { method: "POST", as: "editor", body: { type: "note", data: { title: "A note" } } });
    await page.goto("/admin/content-types/note");
    await page.getByRole("button", { name: "Delete content type" }).click();
    const dlg = await visible(page.getByRole("dialog", { name: "Delete the content type “Note”?" }));
    await dlg.getByRole("button", { name: "Delete content type" }).click();
    await visible(dlg.getByRole("alert").filter({ hasText: /1 entr/ }));
    await axe(page, "the refused type deletion");
    await dlg.getByRole("link", { name: "Go to its entries" }).click();
    await visible(page.getByRole("heading", { name: "Entries", level: 1 }));
    assert.equal(await page.getByLabel("Type", { exact: true }).inputValue(), "note");
    await visible(page.getByRole("table", { name: "Entries" }).getByRole("link", { name: "A note" }));
  });

  journey("E8. dark mode follows the system, can be switched and is remembered; every screen passes axe-core in it; Ctrl+K jumps to any page or entry", ["article"], async (open) => {
    const { page } = await open("admin");
    await signIn(page, admin);
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    assert.equal(await theme(), "light");
    await page.emulateMedia({ colorScheme: "dark" });
    await until(async () => (await theme()) === "dark", "the system's dark mode is followed");
    await page.emulateMedia({ colorScheme: "light" });
    await until(async () => (await theme()) === "light", "and its light mode");
    await page.getByLabel("Theme").selectOption("dark");
    assert.equal(await theme(), "dark");
    await page.reload();
    await visible(page.getByRole("heading", { name: "Dashboard", level: 1 }));
    assert.equal(await theme(), "dark", "the choice is remembered");
    assert.equal(await page.getByLabel("Theme").inputValue(), "dark");

    const settle = () => until(async () => (await page.getByRole("main").getByRole("status").filter({ hasText: /Loading/ }).count()) === 0, "the page has loaded");
    for (const [name, heading] of [["Dashboard", "Dashboard"], ["Entries", "Entries"], ["Media", "Media"], ["Content types", "Content types"], ["Users", "Users"], ["API tokens", "API tokens"]]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
      await visible(page.getByRole("heading", { name: heading, level: 1 }));
      await settle();
      await axe(page, `the ${name} page in dark mode`);
    }
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Content types", exact: true }).click();
    await page.getByRole("link", { name: "Post", exact: true }).click();
    await visible(page.getByRole("heading", { name: "Content type: Post", level: 1 }));
    await axe(page, "the content-type editor in dark mode");
    await page.screenshot({ path: `${SHOTS}/dark-content-type.png` });

    // Ctrl+K, keyboard only: an entry by its title.
    await page.keyboard.press("Control+k");
    const pal = await visible(page.getByRole("dialog", { name: "Go to a page or an entry" }));
    await page.keyboard.type("Spring bulbs");
    await visible(pal.getByRole("option", { name: /^Spring bulbs, in full/ }));
    await axe(page, "the palette in dark mode");
    await until(async () => (await pal.getByRole("option").first().innerText()).startsWith("Spring bulbs, in full"), "the entry is first");
    await page.keyboard.press("Enter");
    await visible(page.getByRole("heading", { name: "Spring bulbs, in full", level: 1 }));
    await visible(page.getByRole("textbox", { name: "Body" }).locator("table"));
    await page.screenshot({ path: `${SHOTS}/dark-editor.png` });
    await axe(page, "the entry editor in dark mode");
    for (const view of ["Changes", "Preview"]) {
      await page.getByRole("group", { name: "View" }).getByRole("button", { name: view }).click();
      await visible(page.getByRole("region", { name: view }));
      await axe(page, `the ${view} view in dark mode`);
    }
    await page.screenshot({ path: `${SHOTS}/dark-preview.png` });
    // And a page by its name.
    await page.keyboard.press("Control+k");
    await page.keyboard.type("Users");
    await page.keyboard.press("Enter");
    await visible(page.getByRole("heading", { name: "Users", level: 1 }));
    await page.getByLabel("Theme").selectOption("system");
  });

  journey("E9. comments mention people by name (their ids are stored), and are edited and resolved by their author", ["article"], async (open) => {
    const { page } = await open("editor");
    await signIn(page, editor);
    await page.goto(`/admin/entries/${state.article.id}`);
    const comments = page.getByRole("region", { name: "Comments" });
    const box = comments.getByRole("combobox", { name: "Add a comment" });
    await box.click();
    await page.keyboard.type("@Re");
    const option = await visible(comments.getByRole("option", { name: "Rex Reviewer" }));
    await axe(page, "the mention list");
    assert.equal(await option.getAttribute("aria-selected"), "true");
    await page.keyboard.press("Enter");
    await page.keyboard.type("please check the table.");
    assert.equal(await box.inputValue(), "@Rex Reviewer please check the table.");
    await comments.getByRole("button", { name: "Comment", exact: true }).click();
    await visible(comments.getByText("@Rex Reviewer please check the table."));
    const stored = (await call(`/api/entries/${state.article.id}/comments`)).body;
    const c = stored.find((x) => x.body.startsWith("@Rex"));
    assert.deepEqual(c.mentions.map((m) => m.name), ["Rex Reviewer"]);

    await comments.getByRole("button", { name: /^Edit your comment/ }).click();
    await comments.getByLabel("Edit your comment").fill("@Rex Reviewer please check the table and the quote.");
    await comments.getByRole("button", { name: "Save comment" }).click();
    await visible(comments.getByText("@Rex Reviewer please check the table and the quote."));
    await visible(comments.getByText("· edited", { exact: false }));
    await comments.getByRole("button", { name: /^Resolve the comment by Eddie Editor/ }).click();
    await visible(comments.getByLabel("Show 1 resolved"));
    assert.equal(await comments.getByText("please check the table and the quote.").count(), 0, "resolved comments fold away");
    assert.equal((await call(`/api/entries/${state.article.id}/comments`)).body.find((x) => x.id === c.id).resolved, true);

    // Someone else may neither edit nor resolve it.
    const rv = await open("reviewer");
    await signIn(rv.page, reviewer);
    await rv.page.goto(`/admin/entries/${state.article.id}`);
    const theirs = rv.page.getByRole("region", { name: "Comments" });
    await theirs.getByLabel("Show 1 resolved").check();
    await visible(theirs.getByText("please check the table and the quote."));
    assert.equal(await theirs.getByRole("button", { name: /^(Edit|Resolve|Reopen)/ }).count(), 0);
  });

  journey("E10. someone else saves while you edit: the open entry says so and follows them; with your own changes it keeps them, and saving on the old version shows the conflict, losing neither text", [], async (open) => {
    const created = await call("/api/entries", { method: "POST", as: "editor", body: { type: "post", data: { title: "Two people, one entry", body: "<p>The first paragraph.</p>" } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const s = await open("editor");
    const { page } = s;
    s.expectError(/status of 409/); // the refused save, logged by Chromium
    await signIn(page, editor);
    await page.goto(`/admin/entries/${id}`);
    await visible(page.getByRole("heading", { name: "Two people, one entry", level: 1 }));
    await visible(saveState(page).filter({ hasText: "All changes saved" }));
    const body = page.getByRole("textbox", { name: "Body" });
    const lookAgain = () => page.evaluate(() => window.dispatchEvent(new Event("focus"))); // as coming back to the window does

    // Nothing typed here: an admin's save (another session, through the API) shows, and the page says whose it is.
    let cur = (await call(`/api/entries/${id}`)).body;
    const theirTitle = await call(`/api/entries/${id}`, { method: "PATCH", body: { version: cur.version, data: { title: "Two people, one entry, retitled" } } });
    assert.equal(theirTitle.status, 200, JSON.stringify(theirTitle.body));
    await lookAgain();
    const updated = await visible(page.getByRole("status", { name: "Updated from the server" }));
    await visible(updated.getByText(/^Ada Admin saved revision 2 at /));
    await visible(page.getByRole("heading", { name: "Two people, one entry, retitled", level: 1 }));
    assert.equal(await field(page, "Title").inputValue(), "Two people, one entry, retitled");
    await visible(saveState(page).filter({ hasText: "All changes saved" }));
    await page.screenshot({ path: `${SHOTS}/updated-elsewhere.png` });
    await axe(page, "the entry updated from elsewhere");
    await updated.getByRole("button", { name: "OK" }).click();
    await updated.waitFor({ state: "detached" });

    // Now with text of one's own: the admin's next save does not replace it, and the page says so.
    await body.click();
    await page.keyboard.press("End");
    await page.keyboard.type(" My sentence, typed here.");
    await visible(saveState(page).filter({ hasText: "Unsaved changes" }));
    cur = (await call(`/api/entries/${id}`)).body;
    const theirBody = await call(`/api/entries/${id}`, { method: "PATCH", body: { version: cur.version, data: { body: "<p>The first paragraph.</p><p>Their paragraph, saved elsewhere.</p>" } } });
    assert.equal(theirBody.status, 200, JSON.stringify(theirBody.body));
    await lookAgain();
    const warn = await visible(page.getByRole("alert").filter({ hasText: `Ada Admin saved a newer version (version ${theirBody.body.version}) while you were editing` }));
    await visible(warn.getByRole("button", { name: "Compare now" }));
    await visible(body.getByText("My sentence, typed here.", { exact: false }));
    assert.equal(await body.getByText("Their paragraph, saved elsewhere.").count(), 0, "their text does not replace what is typed");
    await visible(saveState(page).filter({ hasText: "Unsaved changes" }));
    await page.screenshot({ path: `${SHOTS}/saved-elsewhere-while-typing.png` });
    await axe(page, "the entry changed elsewhere while typing");

    // Saving on the old version: the conflict, with both texts; nothing is written over.
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const conflict = await visible(page.getByRole("alertdialog", { name: "Someone else changed this entry" }));
    await visible(conflict.getByText(`Ada Admin saved version ${theirBody.body.version} while you were editing version ${cur.version}.`, { exact: false }));
    await conflict.getByRole("button", { name: "Compare" }).click();
    const both = await visible(conflict.getByRole("table", { name: "Your changes and theirs" }));
    await visible(both.getByText("My sentence, typed here.", { exact: false }));
    await visible(both.getByText("Their paragraph, saved elsewhere.", { exact: false }));
    await page.screenshot({ path: `${SHOTS}/conflict.png` });
    await axe(page, "the conflict dialog");
    assert.match((await call(`/api/entries/${id}`)).body.data.body, /Their paragraph, saved elsewhere\./, "their save stands");
    await visible(body.getByText("My sentence, typed here.", { exact: false }));

    // Keeping mine saves on top of their version; theirs stays in the revisions.
    await conflict.getByRole("button", { name: "Keep my changes" }).click();
    await conflict.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await visible(saveState(page).filter({ hasText: /^Saved revision 4/ }));
    const now = (await call(`/api/entries/${id}`)).body;
    assert.match(now.data.body, /My sentence, typed here\./);
    assert.equal(now.data.title, "Two people, one entry, retitled", "their title, a field not touched here, stays");
    const theirs = (await call(`/api/entries/${id}/revisions/3`)).body;
    assert.match(theirs.data.body, /Their paragraph, saved elsewhere\./, "their text is kept as revision 3");
  });

  journey("E11. keyboard only: a link added and edited in its popover, a table inserted, a row and a column added, the header row toggled", [], async (open) => {
    const created = await call("/api/entries", { method: "POST", as: "editor", body: { type: "post", data: { title: "By keyboard", body: "<p>Bulbs</p>" } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const { page } = await open("editor");
    await signIn(page, editor);
    await page.goto(`/admin/entries/${id}`);
    await visible(page.getByRole("heading", { name: "By keyboard", level: 1 }));
    const body = page.getByRole("textbox", { name: "Body" });
    const tools = page.getByRole("toolbar", { name: "Body formatting" });
    const focused = () => page.evaluate(() => { const a = document.activeElement; return a ? a.getAttribute("aria-label") || a.textContent?.trim() || a.id : ""; });
    const inBody = () => body.evaluate((el) => el === document.activeElement);
    /** toTool moves along the toolbar with the arrow key until the named button has the focus. */
    const toTool = async (name) => {
      for (let i = 0; i < 25; i++) {
        if ((await focused()) === name) return;
        await page.keyboard.press("ArrowRight");
      }
      assert.fail(`no "${name}" in the toolbar (at ${await focused()})`);
    };

    // From the page's start, Tab reaches the fields; the toolbar is one stop between the Summary and the text.
    for (let i = 0; i < 40 && (await focused()) !== "field-title"; i++) await page.keyboard.press("Tab");
    await until(async () => (await page.evaluate(() => document.activeElement?.id)) === "field-title", "Tab reaches the title");
    await page.keyboard.press("Tab"); // Summary
    await page.keyboard.press("Tab");
    assert.ok(await tools.evaluate((t) => t.contains(document.activeElement)), "the next stop is the toolbar");
    assert.equal(await tools.locator('button[tabindex="0"]').count(), 1, "the toolbar is a single Tab stop");
    await page.keyboard.press("Tab");
    assert.ok(await inBody(), "one more Tab and the text has the focus");

    // A link: select the word, Alt+F10 to the toolbar, Link, type the address, Enter.
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Shift+End");
    await page.keyboard.press("Alt+F10");
    assert.ok(await tools.evaluate((t) => t.contains(document.activeElement)), "Alt+F10 goes to the toolbar");
    await axe(page, "the toolbar with the focus");
    await toTool("Link");
    await page.keyboard.press("Enter");
    const pop = await visible(page.getByRole("dialog", { name: "Link" }));
    await visible(pop.getByText("Link for “Bulbs”"));
    assert.equal(await focused(), "link-href", "the address field has the focus");
    await page.keyboard.type("/guides/bulbs");
    await axe(page, "the link popover, by keyboard");
    await page.keyboard.press("Enter");
    await pop.waitFor({ state: "detached" });
    await until(inBody, "the text has the focus again");
    await visible(body.locator('a[href="/guides/bulbs"]', { hasText: "Bulbs" }));

    // Edit it: back into the link, Alt+F10, Edit link, a new address, Tab to Apply, Enter.
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Alt+F10");
    await toTool("Edit link");
    await page.keyboard.press("Enter");
    await visible(pop);
    assert.equal(await pop.getByLabel("Link address").inputValue(), "/guides/bulbs");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("https://bulbs.example/guide");
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "Apply");
    await page.keyboard.press("Enter");
    await pop.waitFor({ state: "detached" });
    await until(inBody, "the text has the focus after Apply");
    await visible(body.locator('a[href="https://bulbs.example/guide"]', { hasText: "Bulbs" }));
    // Escape in the toolbar comes back to the text, where it was.
    await page.keyboard.press("Alt+F10");
    await page.keyboard.press("Escape");
    await until(inBody, "Escape in the toolbar goes back to the text");

    // A table: a new paragraph, Insert table; the cursor starts in its first cell, Tab moves on.
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Planting depths:");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Alt+F10");
    await toTool("Insert table");
    await page.keyboard.press("Enter");
    const table = await visible(body.locator("table"));
    await until(inBody, "the text has the focus in the new table");
    for (const [i, t] of ["Bulb", "Depth", "When", "Tulip", "15 cm", "November", "Crocus", "8 cm", "September"].entries()) {
      if (i) await page.keyboard.press("Tab");
      await page.keyboard.type(t);
    }
    // Tab in the last cell adds a row, as in a word processor.
    await page.keyboard.press("Tab");
    await page.keyboard.type("Allium");
    assert.equal(await table.locator("tr").count(), 4, "Tab in the last cell added a row");

    // Add row and Add column from the toolbar's table tools.
    await page.keyboard.press("Alt+F10");
    await visible(tools.getByRole("group", { name: "Table" }));
    await toTool("Add row");
    await page.keyboard.press("Enter");
    await until(inBody, "back in the table after Add row");
    assert.equal(await table.locator("tr").count(), 5);
    await page.keyboard.press("Alt+F10");
    await toTool("Add column");
    await page.keyboard.press("Enter");
    await until(inBody, "back in the table after Add column");
    assert.equal(await table.locator("tr").first().locator("th, td").count(), 4);
    await page.screenshot({ path: `${SHOTS}/keyboard-table.png` });
    await axe(page, "the table made by keyboard");

    // The header row off, and on again.
    await page.keyboard.press("Alt+F10");
    await toTool("Header row");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-pressed")), "true");
    await page.keyboard.press("Enter");
    await until(async () => (await table.locator("th").count()) === 0, "the header row is off");
    await page.keyboard.press("Alt+F10");
    await toTool("Header row");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-pressed")), "false");
    await page.keyboard.press("Enter");
    await until(async () => (await table.locator("tr").first().locator("th").count()) === 4, "the header row is back");

    // Ctrl+S saves; the stored HTML is what was made.
    await page.keyboard.press(`${mod}+s`);
    await visible(saveState(page).filter({ hasText: /^Saved revision 2/ }));
    const saved = (await call(`/api/entries/${id}`)).body.data.body;
    assert.match(saved, /^<p><a href="https:\/\/bulbs\.example\/guide"[^>]*>Bulbs<\/a><\/p><p>Planting depths:<\/p><table><tbody>/);
    // The new column went in after the cursor's (the first), the new row after the Allium one.
    assert.match(saved, /<tr><th><p>Bulb<\/p><\/th><th><p><\/p><\/th><th><p>Depth<\/p><\/th><th><p>When<\/p><\/th><\/tr>/);
    assert.match(saved, /<tr><td><p>Tulip<\/p><\/td><td><p><\/p><\/td><td><p>15 cm<\/p><\/td><td><p>November<\/p><\/td><\/tr>/);
    assert.match(saved, /<tr><td><p>Allium<\/p><\/td>(<td><p><\/p><\/td>){3}<\/tr><tr>(<td><p><\/p><\/td>){4}<\/tr><\/tbody><\/table>$/);
    assert.equal((saved.match(/<tr>/g) ?? []).length, 5, "five rows");
    assert.equal((saved.match(/<t[hd]>/g) ?? []).length, 20, "four columns");
  });

  journey("E5. the side panel collapses under the text on a phone", ["article"], async (open) => {
    const { page } = await open("editor", { width: 375, height: 740 });
    await signIn(page, editor);
    await page.goto(`/admin/entries/${state.article.id}`);
    await visible(page.getByRole("heading", { name: "Spring bulbs, in full", level: 1 }));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the editor is ${width}px wide at 375`);
    const text = await page.getByRole("textbox", { name: "Body" }).boundingBox();
    const side = await page.getByRole("complementary", { name: "About this entry" }).boundingBox();
    assert.ok(side.y > text.y, "the side panel comes after the text");
    await page.screenshot({ path: `${SHOTS}/phone-editor.png` });
    await axe(page, "the editor on a phone");
  });
});
