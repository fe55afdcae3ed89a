// The media journeys (issue 7, point 9): the Media page, its detail dialog,
// the picker of media fields and images in rich text, through to what the
// delivery API serves; plus keyboard-only use and axe-core checks. Against a
// fresh `cms serve` of their own. Screenshots of each screen go to /tmp/shots/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { journeys, launchBrowser, signIn, startServer, until, visible } from "./harness.mjs";
import { makePNG } from "./png.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const SHOTS = process.env.CMS_E2E_SHOTS || "/tmp/shots";
mkdirSync(SHOTS, { recursive: true });

const password = "correct horse battery staple";
const admin = { name: "Ada Admin", email: "ada@example.test", password };
const editor = { name: "Eddie Editor", email: "eddie@example.test", password, roles: ["editor"] };
const reviewer = { name: "Rita Reviewer", email: "rita@example.test", password, roles: ["reviewer"] };

// A 640×480 picture: sky, a sun on the left, a hill; the focal point goes on the sun.
const hills = makePNG(640, 480, (x, y) => {
  if (Math.hypot(x - 160, y - 150) < 50) return [255, 210, 90];
  if (y > 300 + 40 * Math.sin(x / 90)) return [40, 110, 60];
  return [120 + y / 6, 170 + y / 8, 235];
});
const tiles = makePNG(300, 200, (x, y) => (((x >> 5) + (y >> 5)) % 2 ? [230, 90, 40] : [250, 240, 220]));
const dots = makePNG(200, 200, (x, y) => ((x % 40) - 20) ** 2 + ((y % 40) - 20) ** 2 < 120 ? [36, 86, 214] : [255, 255, 255]);
const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
// An empty ID3v2 tag and five silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each).
const frame = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)]);
const mp3 = Buffer.concat([Buffer.from("ID3\x03\x00\x00\x00\x00\x00\x00", "latin1"), frame, frame, frame, frame, frame]);
const fakePNG = Buffer.from("<!doctype html><html><body><script>alert('x')</script></body></html>\n");
const post = { title: "A walk over the hills", alt: "A yellow sun over green hills", slug: "" };

describe("media journeys", () => {
  let server;
  let browser;
  let adminToken;
  let ready = false; // the media routes answer
  const state = {};

  const call = async (path, { method = "GET", body, token = adminToken } = {}) => {
    const res = await fetch(server.baseURL + path, { method, headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, res };
  };

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // The people and the post type's cover field are set up through the API: the UI for them has its own journeys.
    const token = new URL(server.setupURL).searchParams.get("token");
    const setup = await fetch(`${server.baseURL}/api/setup`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token, ...admin }) });
    assert.ok(setup.ok, `setup: ${setup.status} ${await setup.text()}`);
    const login = await (await fetch(`${server.baseURL}/api/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: admin.email, password }) })).json();
    adminToken = login.access_token;
    for (const u of [editor, reviewer]) {
      const r = await call("/api/users", { method: "POST", body: u });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const type = (await call("/api/content-types/post")).body;
    const patched = await call("/api/content-types/post", { method: "PATCH", body: { fields: [...type.fields.filter((f) => f.name !== "cover"), { name: "cover", type: "media" }] } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    ready = (await call("/api/media")).status === 200;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const run = journeys(it, { state, browser: () => browser, server: () => server, timeout: 90_000, viewport: { width: 1280, height: 800 } });
  function journey(name, needs, fn, { media = true } = {}) {
    run(name, needs, fn, { skip: () => (media && !ready ? "the server has no media API yet" : "") });
  }

  journey("M1. the editor uploads images on the Media page, sets alt text and a focal point; a disguised file is refused with the server's reason", [], async (open) => {
    const s = await open("editor");
    const { page } = s;
    s.expectError(/status of 415/); // Chromium logs the refused upload itself
    await signIn(page, editor);
    await nav(page, "Media");
    await visible(page.getByText("No files yet."));
    await axe(page, "the empty Media page");

    // Several files at once through the Upload button: each has its own line and outcome.
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await (await chooser).setFiles([
      { name: "hills.png", mimeType: "image/png", buffer: hills },
      { name: "not-really.png", mimeType: "image/png", buffer: fakePNG },
      { name: "walk-notes.pdf", mimeType: "application/pdf", buffer: pdf },
      { name: "birdsong.mp3", mimeType: "audio/mpeg", buffer: mp3 },
    ]);
    const uploads = page.getByRole("region", { name: "Uploads" });
    const refused = uploads.getByRole("listitem", { name: "not-really.png" });
    await visible(refused.getByRole("alert").filter({ hasText: "This file type is not allowed" }));
    await visible(uploads.getByRole("listitem", { name: "hills.png" }).getByText("Uploaded", { exact: true }));

    // Dropped anywhere on the page (an overlay says so while dragging), and pasted.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["x"], "x.png", { type: "image/png" }));
      document.body.dispatchEvent(new DragEvent("dragenter", { bubbles: true, cancelable: true, dataTransfer: dt }));
    });
    await visible(page.locator(".drop-overlay").getByText("Drop files to upload them"));
    await page.screenshot({ path: `${SHOTS}/media-dragging.png` });
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["x"], "x.png", { type: "image/png" }));
      document.body.dispatchEvent(new DragEvent("dragleave", { bubbles: true, cancelable: true, dataTransfer: dt }));
    });
    await page.locator(".drop-overlay").waitFor({ state: "detached" });
    await dropFiles(page, "body", [{ name: "tiles.png", bytes: tiles }]);
    await visible(uploads.getByRole("listitem", { name: "tiles.png" }).getByText("Uploaded", { exact: true }));
    await pasteFiles(page, "body", [{ name: "dots.png", bytes: dots }]);
    await visible(uploads.getByRole("listitem", { name: "dots.png" }).getByText("Uploaded", { exact: true }));

    const grid = page.getByRole("list", { name: "Media files" });
    await until(async () => (await grid.getByRole("listitem").count()) === 5, "five files in the grid");
    const card = grid.getByRole("button", { name: /^hills\.png/ });
    await visible(card.getByText("No alt text"));
    await until(() => card.locator("img").evaluate((i) => i.complete && i.naturalWidth > 0), "the thumbnail loaded");
    assert.match(await card.locator("img").getAttribute("src"), /^\/media\/[^?]+\?v=[^&]+&w=400&fm=webp$/);
    await page.screenshot({ path: `${SHOTS}/media-grid.png` });
    await axe(page, "the Media page");

    // Search (debounced) narrows the grid; the type filter too.
    await page.getByLabel("Search", { exact: true }).fill("tiles");
    await until(async () => (await grid.getByRole("listitem").count()) === 1, "search finds one file");
    await page.getByLabel("Search", { exact: true }).fill("");
    await until(async () => (await grid.getByRole("listitem").count()) === 5, "all files again");
    await page.getByRole("button", { name: "Documents", exact: true }).click();
    await until(async () => (await grid.getByRole("listitem").allInnerTexts()).join("|").includes("walk-notes.pdf") && (await grid.getByRole("listitem").count()) === 1, "Documents shows the PDF only");
    await page.getByRole("button", { name: "Audio", exact: true }).click();
    await until(async () => (await grid.getByRole("listitem").allInnerTexts()).join("|").includes("birdsong.mp3") && (await grid.getByRole("listitem").count()) === 1, "Audio shows the MP3 only");
    await page.getByRole("button", { name: "Video", exact: true }).click();
    await visible(page.getByText(/^No files match/));
    await page.getByRole("button", { name: "All", exact: true }).click();
    // A document opens with a file icon and a download link; audio with a player.
    await grid.getByRole("button", { name: /^walk-notes\.pdf/ }).click();
    const doc = await visible(page.getByRole("dialog", { name: "walk-notes.pdf" }));
    assert.match(await doc.getByRole("link", { name: "Download" }).getAttribute("href"), /^\/media\//);
    await page.screenshot({ path: `${SHOTS}/media-detail-document.png` });
    await page.keyboard.press("Escape");
    await grid.getByRole("button", { name: /^birdsong\.mp3/ }).click();
    const audio = await visible(page.getByRole("dialog", { name: "birdsong.mp3" }));
    await visible(audio.locator("audio[controls]"));
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "List", exact: true }).click();
    await visible(page.getByRole("table", { name: "Media files" }).getByRole("button", { name: "hills.png" }));
    await page.screenshot({ path: `${SHOTS}/media-list.png` });
    await page.getByRole("button", { name: "Grid", exact: true }).click();

    // The detail dialog: alt text, and a focal point clicked on the sun.
    await card.click();
    const dialog = await visible(page.getByRole("dialog", { name: "hills.png" }));
    await visible(dialog.getByText(/Missing alt text/));
    await dialog.getByRole("textbox", { name: "Alt text" }).fill(post.alt);
    const img = dialog.locator(".focal img");
    await until(() => img.evaluate((i) => i.complete && i.naturalWidth > 0), "the preview loaded");
    const box = await img.boundingBox();
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height * 0.3);
    await visible(dialog.getByText("Focal point: 25% from the left, 30% from the top."));
    await page.screenshot({ path: `${SHOTS}/media-detail.png` });
    await axe(page, "the media detail dialog");
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    await visible(dialog.getByRole("status").filter({ hasText: "Saved." }));
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await until(async () => (await card.getByText("No alt text").count()) === 0, "the card lost its missing-alt badge");

    const list = (await call("/api/media?search=hills")).body.data;
    const saved = list.find((m) => m.filename === "hills.png");
    assert.equal(saved.alt, post.alt);
    assert.ok(Math.abs(saved.focal_x - 0.25) < 0.02 && Math.abs(saved.focal_y - 0.3) < 0.02, `focal point saved: ${saved.focal_x}, ${saved.focal_y}`);
    assert.match(saved.url, /^\/media\//);
    state.hills = saved;
  });

  journey("M2. the editor gives a post a cover from the picker and images in its body (image button, paste, drop), then submits it", ["hills"], async (open) => {
    const s = await open("editor");
    const { page } = s;
    s.expectError(/status of 415/);
    await signIn(page, editor);
    await page.goto("/admin/entries/new?type=post");
    await visible(page.getByRole("heading", { name: "New post", level: 1 }));
    await page.getByRole("textbox", { name: "Title", exact: true }).fill(post.title);

    // The cover: the picker dialog, with search and the library.
    await page.getByRole("button", { name: "Choose cover" }).click();
    const picker = await visible(page.getByRole("dialog", { name: "Choose cover" }));
    await picker.getByLabel("Search", { exact: true }).fill("hills");
    const choice = picker.getByRole("button", { name: /^hills\.png/ });
    await until(async () => (await picker.getByRole("list", { name: "Media files" }).getByRole("listitem").count()) === 1, "the picker finds hills.png");
    await choice.click();
    assert.equal(await choice.getAttribute("aria-pressed"), "true");
    await page.screenshot({ path: `${SHOTS}/picker.png` });
    await axe(page, "the picker dialog");
    await picker.getByRole("button", { name: "Choose", exact: true }).click();
    await picker.waitFor({ state: "detached" });
    const cover = page.getByRole("group", { name: "Cover" });
    await visible(cover.getByText("hills.png"));
    await visible(cover.getByText(`Alt: ${post.alt}`));

    // The image button: the same library, then the alt text, prefilled from the library.
    const body = page.getByRole("textbox", { name: "Body" });
    await body.click();
    await page.keyboard.type("We walked up at dawn.");
    await page.getByRole("button", { name: "Insert image" }).click();
    const imgPicker = await visible(page.getByRole("dialog", { name: "Insert an image" }));
    await imgPicker.getByRole("button", { name: /^hills\.png/ }).click();
    await imgPicker.getByRole("button", { name: "Next" }).click();
    const altDialog = await visible(page.getByRole("dialog", { name: "Describe the image" }));
    assert.equal(await altDialog.getByRole("textbox", { name: "Alt text" }).inputValue(), post.alt);
    await page.screenshot({ path: `${SHOTS}/alt-dialog.png` });
    await altDialog.getByRole("button", { name: "Insert image" }).click();
    await visible(body.locator(`img[alt="${post.alt}"]`));

    // A pasted image uploads into a placeholder, then takes its place; it asks for alt text.
    await body.press("End");
    await pasteFiles(page, ".ProseMirror", [{ name: "pasted-tiles.png", bytes: tiles }]);
    await until(async () => (await body.locator("img").count()) === 2, "the pasted image is in the body");
    await page.getByRole("button", { name: "Describe it" }).click();
    const describe = await visible(page.getByRole("dialog", { name: "Image alt text" }));
    await describe.getByRole("textbox", { name: "Alt text" }).fill("Orange and cream tiles");
    await describe.getByRole("button", { name: "Save alt text" }).click();
    await visible(body.locator('img[alt="Orange and cream tiles"]'));

    // A dropped image too; a disguised file is refused with the server's reason, and nothing is inserted for it.
    await dropFiles(page, ".ProseMirror p", [{ name: "dropped-dots.png", bytes: dots }]);
    await until(async () => (await body.locator("img").count()) === 3, "the dropped image is in the body");
    await pasteFiles(page, ".ProseMirror", [{ name: "sneaky.png", bytes: fakePNG }]);
    await visible(page.getByRole("alert").filter({ hasText: "sneaky.png: This file type is not allowed" }));
    assert.equal(await body.locator("img").count(), 3);
    for (const src of await body.locator("img").evaluateAll((els) => els.map((e) => e.getAttribute("src")))) assert.match(src, /^\/media\//, "images in the body are library URLs");
    await page.screenshot({ path: `${SHOTS}/editor-images.png` });

    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL(/\/admin\/entries\/(?!new)[^/?]+$/);
    await visible(page.getByRole("heading", { name: post.title, level: 1 }));
    const id = new URL(page.url()).pathname.split("/").pop();
    const entry = (await call(`/api/entries/${id}`)).body;
    assert.equal(entry.data.cover, state.hills.id);
    assert.match(entry.data.body, new RegExp(`<img[^>]+src="${escapeRe(state.hills.url)}"[^>]*>`));
    assert.doesNotMatch(entry.data.body, /(data|blob):/);
    await page.getByRole("button", { name: "Submit for review" }).click();
    await visible(page.getByRole("main").getByText("In review", { exact: true }));
    state.entry = { id, slug: entry.slug };
  });

  journey("M3. the reviewer sees media read-only, then approves and publishes the post", ["entry"], async (open) => {
    const { page } = await open("reviewer");
    await signIn(page, reviewer);
    await nav(page, "Media");
    await visible(page.getByRole("list", { name: "Media files" }));
    assert.equal(await page.getByRole("button", { name: "Upload", exact: true }).count(), 0, "reviewers get no Upload button");
    await page.getByRole("button", { name: /^hills\.png/ }).click();
    const dialog = await visible(page.getByRole("dialog", { name: "hills.png" }));
    await visible(dialog.getByText("Reviewers can look at media but not change it."));
    assert.ok(await dialog.getByRole("textbox", { name: "Alt text" }).isDisabled());
    assert.equal(await dialog.getByRole("button", { name: /Delete/ }).count(), 0, "reviewers get no Delete button");
    await visible(dialog.getByRole("region", { name: "Used in" }).getByRole("link", { name: post.title }));
    await page.keyboard.press("Escape");

    await page.goto(`/admin/entries/${state.entry.id}`);
    await visible(page.getByRole("heading", { name: post.title, level: 1 }));
    await visible(page.getByRole("group", { name: "Cover" }).getByText("hills.png"));
    await page.getByRole("button", { name: "Approve" }).click();
    await visible(page.getByRole("main").getByText("Approved", { exact: true }));
    await page.getByRole("button", { name: "Publish" }).click();
    await visible(page.getByRole("main").getByText("Published", { exact: true }));
    state.published = true;
  });

  journey("M4. the delivery API serves the cover and the body's images as /media/ URLs with sizes and a webp srcset", ["published"], async () => {
    const made = await call("/api/tokens", { method: "POST", body: { name: "Site", scope: "delivery" } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { status, body } = await call(`/api/content/post/${encodeURIComponent(state.entry.slug)}`, { token: made.body.token });
    assert.equal(status, 200, JSON.stringify(body));
    const item = body.data;
    assert.equal(item.cover.id, state.hills.id);
    assert.match(item.cover.url, /^\/media\//);
    assert.equal(item.cover.alt, post.alt);
    assert.equal(item.cover.width, 640);
    assert.ok(Math.abs(item.cover.focal_x - 0.25) < 0.02);
    const img = (item.body.match(/<img\b[^>]*>/g) ?? []).find((tag) => tag.includes(state.hills.id));
    assert.ok(img, `the body has an image: ${item.body}`);
    assert.match(img, /\bwidth="640"/);
    assert.match(img, /\bheight="480"/);
    assert.match(img, new RegExp(`alt="${escapeRe(post.alt)}"`));
    const srcset = /\bsrcset="([^"]+)"/.exec(img)?.[1];
    assert.ok(srcset, `the image has a srcset: ${img}`);
    const first = srcset.split(",")[0].trim().split(/\s+/)[0].replace(/&amp;/g, "&");
    assert.match(first, /^\/media\/.*fm=webp/);
    const variant = await fetch(server.baseURL + first);
    assert.equal(variant.status, 200);
    assert.equal(variant.headers.get("content-type"), "image/webp");
    assert.equal((await variant.arrayBuffer()).byteLength > 0, true);
  });

  journey("M5. the keyboard alone opens a file, moves its focal point, closes the dialog, and picks a cover", ["hills"], async (open) => {
    const { page } = await open("editor");
    await signIn(page, editor);
    await nav(page, "Media");
    const card = page.getByRole("list", { name: "Media files" }).getByRole("button", { name: /^tiles\.png/ });
    // Tab into the grid, then the arrow keys move between cards.
    const cards = page.getByRole("list", { name: "Media files" }).locator(".media-card");
    await tabTo(page, cards.first());
    await page.keyboard.press("End");
    assert.ok(await isFocused(cards.last()), "End goes to the last card");
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    assert.ok(await isFocused(cards.nth(1)), "ArrowRight goes to the next card");
    await tabTo(page, card);
    await page.keyboard.press("Enter");
    const dialog = await visible(page.getByRole("dialog", { name: "tiles.png" }));
    const marker = dialog.getByRole("slider", { name: "Focal point" });
    await tabTo(page, marker);
    await page.keyboard.press("Shift+ArrowRight");
    await page.keyboard.press("ArrowDown");
    assert.equal(await marker.getAttribute("aria-valuetext"), "60% from the left, 51% from the top");
    await tabTo(page, dialog.getByRole("button", { name: "Save", exact: true }));
    await page.keyboard.press("Enter");
    await visible(dialog.getByRole("status").filter({ hasText: "Saved." }));
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.ok(await isFocused(card), "the focus is back on the card");

    await page.goto("/admin/entries/new?type=post");
    await page.getByRole("textbox", { name: "Title", exact: true }).fill("Keyboard post");
    await tabTo(page, page.getByRole("button", { name: "Choose cover" }));
    await page.keyboard.press("Enter");
    const picker = await visible(page.getByRole("dialog", { name: "Choose cover" }));
    const tilesCard = picker.getByRole("button", { name: /^tiles\.png/ });
    await tabTo(page, tilesCard);
    await page.keyboard.press("Space");
    assert.equal(await tilesCard.getAttribute("aria-pressed"), "true");
    await page.keyboard.press("Enter"); // Enter on the picked card chooses it
    await picker.waitFor({ state: "detached" });
    await visible(page.getByRole("group", { name: "Cover" }).getByText("tiles.png"));
    assert.ok(await isFocused(page.getByRole("button", { name: "Change cover" })), "the focus is back on the field's button");
  });

  journey("M6. a file in use cannot be deleted: the dialog says where it is used", ["published"], async (open) => {
    const s = await open("admin");
    const { page } = s;
    s.expectError(/status of 409/);
    await signIn(page, admin);
    await page.goto(`/admin/media?item=${state.hills.id}`);
    const dialog = await visible(page.getByRole("dialog", { name: "hills.png" }));
    await dialog.getByRole("button", { name: "Delete file…" }).click();
    const confirm = await visible(dialog.getByRole("alertdialog", { name: "Delete hills.png?" }));
    await confirm.getByRole("button", { name: "Delete for good" }).click();
    await visible(confirm.getByRole("alert").filter({ hasText: `This file is still in use: ${post.title}` }));
    await page.screenshot({ path: `${SHOTS}/media-delete-in-use.png` });
    assert.equal((await call(`/api/media/${state.hills.id}`)).status, 200);
  });

  journey("M7. replacing a file keeps its id and changes its url; a save over someone else's change is explained and reloaded", ["hills"], async (open) => {
    const s = await open("editor");
    const { page } = s;
    s.expectError(/status of 409/);
    await signIn(page, editor);
    const before = (await call("/api/media?search=tiles")).body.data.find((m) => m.filename.startsWith("tiles"));
    await page.goto(`/admin/media?item=${before.id}`);
    await visible(page.getByRole("dialog", { name: before.filename }));
    // The file takes the new file's name when replaced, and so does the dialog.
    const dialog = page.getByRole("dialog", { name: /^tiles/ });
    const chooser = page.waitForEvent("filechooser");
    await dialog.getByRole("button", { name: "Replace file…" }).click();
    await (await chooser).setFiles({ name: "tiles-v2.png", mimeType: "image/png", buffer: dots });
    await visible(dialog.getByRole("status").filter({ hasText: "Replaced with tiles-v2.png." }));
    const after = (await call(`/api/media/${before.id}`)).body;
    assert.equal(after.id, before.id);
    assert.ok(after.version > before.version, "the version went up");
    assert.notEqual(after.url, before.url, "the url changed, so caches fetch the new file");
    assert.equal(after.width, 200);
    await until(() => dialog.locator(".focal img").evaluate((i, url) => i.complete && i.getAttribute("src").startsWith(url), after.url), "the preview shows the new file");

    // Someone else saves the alt text while this dialog is open.
    await dialog.getByRole("textbox", { name: "Alt text" }).fill("Blue dots");
    const other = await call(`/api/media/${before.id}`, { method: "PATCH", body: { alt: "Dots on white", version: after.version } });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    const conflict = await visible(dialog.getByRole("alert").filter({ hasText: "Someone else changed this file" }));
    await visible(conflict.getByText("Yours: alt text “Blue dots”"));
    assert.equal(await dialog.getByRole("textbox", { name: "Alt text" }).inputValue(), "Dots on white");
    await page.screenshot({ path: `${SHOTS}/media-conflict.png` });
    // Mine again, saved on top of their version.
    await conflict.getByRole("button", { name: "Use mine again" }).click();
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    await visible(dialog.getByRole("status").filter({ hasText: "Saved." }));
    assert.equal((await call(`/api/media/${before.id}`)).body.alt, "Blue dots");
  });

  journey("M8. the admin ticks several files and deletes them at once; the one in use stays, and the page says why", ["published"], async (open) => {
    const s = await open("admin");
    const { page } = s;
    s.expectError(/status of 409/);
    await signIn(page, admin);
    await nav(page, "Media");
    const grid = page.getByRole("list", { name: "Media files" });
    for (const name of ["walk-notes.pdf", "birdsong.mp3", "hills.png"]) await page.getByRole("checkbox", { name: `Select ${name}` }).check();
    const bar = await visible(page.getByRole("region", { name: "Selected files" }));
    await visible(bar.getByText("3 files selected"));
    await bar.getByRole("button", { name: "Delete…" }).click();
    await bar.getByRole("button", { name: "Delete 3 files" }).click();
    await visible(bar.getByRole("status").filter({ hasText: "Deleted 2 files. Not deleted: hills.png (it is used by an entry)." }));
    await visible(bar.getByText("1 file selected"));
    await page.screenshot({ path: `${SHOTS}/media-bulk.png` });
    await until(async () => (await grid.getByRole("button", { name: /^(walk-notes\.pdf|birdsong\.mp3)/ }).count()) === 0, "the deleted files left the grid");
    await visible(grid.getByRole("button", { name: /^hills\.png/ }));
  });

  journey("the Media page, the detail dialog and the picker fit a 375 px wide screen", ["hills"], async (open) => {
    const { page } = await open("editor", { width: 375, height: 740 });
    await signIn(page, editor);
    await page.goto("/admin/media");
    await visible(page.getByRole("list", { name: "Media files" }).getByRole("button", { name: /^hills\.png/ }));
    await noOverflow(page, "the Media page");
    await page.screenshot({ path: `${SHOTS}/narrow-media.png` });
    await page.getByRole("list", { name: "Media files" }).getByRole("button", { name: /^hills\.png/ }).click();
    await visible(page.getByRole("dialog", { name: "hills.png" }));
    await noOverflow(page, "the detail dialog");
    await page.screenshot({ path: `${SHOTS}/narrow-detail.png` });
    await page.keyboard.press("Escape");
    await page.goto("/admin/entries/new?type=post");
    await page.getByRole("button", { name: "Choose cover" }).click();
    await visible(page.getByRole("dialog", { name: "Choose cover" }).getByRole("button", { name: /^hills\.png/ }));
    await noOverflow(page, "the picker");
    await page.screenshot({ path: `${SHOTS}/narrow-picker.png` });
  });

  journey("the main pages have no serious or critical axe-core violations", [], async (open) => {
    const { page } = await open("admin");
    await signIn(page, admin);
    for (const [name, heading] of [["Dashboard", "Dashboard"], ["Entries", "Entries"], ["Content types", "Content types"], ["Users", "Users"], ["API tokens", "API tokens"]]) {
      await nav(page, name, heading);
      await until(async () => (await page.getByRole("main").getByRole("status").filter({ hasText: /Loading/ }).count()) === 0, `${name} has loaded`);
      await axe(page, `the ${name} page`);
    }
    if (state.entry) {
      await page.goto(`/admin/entries/${state.entry.id}`);
      await visible(page.getByRole("heading", { name: post.title, level: 1 }));
      await axe(page, "the entry editor");
    }
  }, { media: false });
});

async function noOverflow(page, what) {
  const wide = await page.evaluate(() => [document.documentElement.scrollWidth, ...Array.from(document.querySelectorAll("dialog[open]"), (d) => d.scrollWidth - d.clientWidth + window.innerWidth)]);
  for (const w of wide) assert.ok(w <= page.viewportSize().width, `${what}: content is ${w}px wide at a ${page.viewportSize().width}px viewport`);
}

/** axe runs axe-core in the page and fails on serious or critical violations. */
async function axe(page, what) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ").trim()}`) }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `axe-core on ${what}`);
}

/** dropFiles drops files on the element matching selector, as a drag from the desktop would. */
function dropFiles(page, selector, files) {
  return page.evaluate(
    ({ selector, files }) => {
      const el = document.querySelector(selector);
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: "image/png" }));
      const r = el.getBoundingClientRect();
      const at = { clientX: r.left + Math.min(20, r.width / 2), clientY: r.top + Math.min(10, r.height / 2), bubbles: true, cancelable: true, dataTransfer: dt };
      for (const type of ["dragenter", "dragover", "drop"]) el.dispatchEvent(new DragEvent(type, at));
    },
    { selector, files: files.map((f) => ({ name: f.name, b64: f.bytes.toString("base64") })) },
  );
}

/** pasteFiles pastes files into the element matching selector, as Ctrl+V of a copied file would. */
function pasteFiles(page, selector, files) {
  return page.evaluate(
    ({ selector, files }) => {
      const el = document.querySelector(selector);
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: "image/png" }));
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    { selector, files: files.map((f) => ({ name: f.name, b64: f.bytes.toString("base64") })) },
  );
}


async function nav(page, name, heading = name) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  await visible(page.getByRole("heading", { name: heading, level: 1 }));
}

function isFocused(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

async function tabTo(page, locator, max = 80) {
  await locator.waitFor();
  for (let i = 0; i < max; i++) {
    if (await isFocused(locator)) return;
    await page.keyboard.press("Tab");
  }
  assert.fail(`Tab never reached ${locator}`);
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
