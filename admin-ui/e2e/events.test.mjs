// The events journeys (issue 9, "Admin UI" and "Done when"): an admin creates a
// webhook in the UI, copies its secret into a receiver that checks the Standard
// Webhooks signature, sees the publish delivered in the delivery log and
// redelivers it; the audit log filters and exports; the editor's bell tells of
// the approval and the publish. Against one fresh `cms serve` that may deliver
// to 127.0.0.1 (CMS_WEBHOOK_ALLOW_PRIVATE=true).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { api, axe, journeys, launchBrowser, signIn, startServer, until, visible } from "./harness.mjs";

const password = "correct horse battery staple";
const admin = { name: "Ada Admin", email: "ada@example.test", password };
const editor = { name: "Eddie Editor", email: "eddie@example.test", password, roles: ["editor"] };
const reviewer = { name: "Rex Reviewer", email: "rex@example.test", password, roles: ["reviewer"] };
const title = "Tulips before the frost";
// CMS_E2E_SHOTS=/some/dir keeps screenshots of every screen (light, dark, phone).
const SHOTS = process.env.CMS_E2E_SHOTS;

/**
 * receiver is a webhook endpoint on 127.0.0.1 that answers 204 to a delivery
 * whose webhook-signature matches one of its secrets, and 401 to any other.
 */
function startReceiver() {
  const r = { secrets: [], got: [], url: "" };
  const server = createServer((req, res) => {
    // An endpoint that has gone away for good: the CMS stops delivering to it.
    if (req.url.startsWith("/gone")) {
      req.resume();
      res.statusCode = 410;
      return res.end("this hook is gone");
    }
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const id = req.headers["webhook-id"];
      const ts = req.headers["webhook-timestamp"];
      const sigs = String(req.headers["webhook-signature"] ?? "").split(" ").filter((s) => s.startsWith("v1,")).map((s) => Buffer.from(s.slice(3), "base64"));
      const valid = r.secrets.some((secret) => {
        const want = createHmac("sha256", Buffer.from(secret.replace(/^whsec_/, ""), "base64")).update(`${id}.${ts}.${body}`).digest();
        return sigs.some((s) => s.length === want.length && timingSafeEqual(s, want));
      });
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      let event = "";
      try {
        event = JSON.parse(body).event;
      } catch {
        /* not JSON: refused below */
      }
      r.got.push({ id, event, valid: valid && fresh, body, signatures: sigs.length });
      res.statusCode = valid && fresh && event ? 204 : 401;
      res.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      r.url = `http://127.0.0.1:${server.address().port}/hooks/cms`;
      r.close = () => new Promise((done) => server.close(done));
      resolve(r);
    }),
  );
}

describe("events: webhooks, the audit log and notifications", () => {
  let server;
  let browser;
  let receiver;
  const state = {}; // what one journey leaves for the next

  before(async () => {
    server = await startServer({ CMS_WEBHOOK_ALLOW_PRIVATE: "true" });
    receiver = await startReceiver();
    browser = await launchBrowser();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  /** call is the HTTP API, for the steps that are not the UI's subject here. */
  const call = (path, opts) => api(server, path, opts);
  const login = async (u) => {
    const r = await call("/api/auth/login", { method: "POST", body: { email: u.email, password: u.password } });
    assert.equal(r.status, 200, `${u.email} signs in: ${JSON.stringify(r.body)}`);
    return r.body.access_token;
  };

  const journey = journeys(it, { state, browser: () => browser, server: () => server, timeout: 90_000 });

  journey("1. first admin; an editor and a reviewer made through the API", [], async (open) => {
    const { page } = await open("admin");
    await page.goto(server.setupURL);
    await visible(page.getByRole("heading", { name: "Create the first admin" }));
    await page.getByLabel("Name").fill(admin.name);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin" }).click();
    await visible(page.getByRole("heading", { name: "Dashboard", level: 1 }));
    state.adminToken = await login(admin);
    for (const u of [editor, reviewer]) {
      const r = await call("/api/users", { method: "POST", token: state.adminToken, body: u });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // Only admins see the webhooks and the audit log.
    const editorPage = (await open("editor")).page;
    await signIn(editorPage, editor);
    const main = editorPage.getByRole("navigation", { name: "Main" });
    assert.equal(await main.getByRole("link", { name: "Webhooks" }).count(), 0);
    assert.equal(await main.getByRole("link", { name: "Audit log" }).count(), 0);
    state.users = true;
  });

  journey("2. the admin creates a webhook for entry.published and the receiver gets the secret once", ["users"], async (open) => {
    const s = await open("admin");
    const { page } = s;
    await s.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseURL });
    await signIn(page, admin);
    await nav(page, "Webhooks");
    await visible(page.getByRole("heading", { name: "No webhooks yet" }));
    await axe(page, "the webhooks list, empty");
    await shots(page, "webhooks-empty");

    await page.getByRole("link", { name: "New webhook" }).click();
    await visible(page.getByRole("heading", { name: "New webhook", level: 1 }));
    const form = page.getByRole("form", { name: "New webhook" });
    // Content types come from the server.
    await visible(form.getByRole("group", { name: "Content types" }).getByLabel("Post", { exact: true }));
    await form.getByLabel("Name").fill("Rebuild the site");
    await form.getByLabel("Payload URL").fill(receiver.url);
    // The events are grouped; nothing picked is refused before it is sent.
    const entries = form.getByRole("group", { name: "Entries" });
    for (const box of await form.getByRole("group", { name: "Events" }).getByRole("checkbox").all()) await box.setChecked(false);
    await form.getByRole("button", { name: "Create webhook" }).click();
    await visible(form.getByText("Pick at least one event."));
    await entries.getByRole("checkbox", { name: /Published entry\.published/ }).check();
    await form.getByRole("group", { name: "Content types" }).getByLabel("Post", { exact: true }).check();
    await axe(page, "the new webhook form");
    await shots(page, "webhook-form");
    await form.getByRole("button", { name: "Create webhook" }).click();

    await visible(page.getByRole("heading", { name: "Rebuild the site", level: 1 }));
    const secretPanel = page.getByRole("region", { name: "Your signing secret" });
    await visible(secretPanel.getByText("you won't see it again"));
    const shown = await secretPanel.getByLabel("Signing secret").inputValue();
    assert.match(shown, /^whsec_[A-Za-z0-9+/=]+$/);
    await secretPanel.getByRole("button", { name: "Copy secret" }).click();
    await visible(secretPanel.getByRole("button", { name: "Copied" }));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, shown, "Copy puts the secret on the clipboard");
    receiver.secrets = [copied];
    await axe(page, "the webhook with its secret shown");
    await shots(page, "webhook-secret");
    await secretPanel.getByRole("button", { name: "I've saved it" }).click();
    assert.equal(await page.getByRole("region", { name: "Your signing secret" }).count(), 0);
    state.hookURL = new URL(page.url()).pathname;

    // Shown once: a reload does not show it again, and the API never answers it.
    await page.reload();
    await visible(page.getByRole("heading", { name: "Rebuild the site", level: 1 }));
    assert.equal(await page.getByLabel("Signing secret").count(), 0);
    const hooks = await call("/api/webhooks", { token: state.adminToken });
    assert.equal(hooks.body.data.length, 1);
    assert.equal(hooks.body.data[0].secret, undefined);
    assert.deepEqual(hooks.body.data[0].events, ["entry.published"]);
    assert.deepEqual(hooks.body.data[0].types, ["post"]);
    state.hook = hooks.body.data[0];
    await visible(page.getByText("No deliveries yet."));
  });

  journey("3. a publish is delivered, signed; the log shows it and Redeliver sends it again with the same webhook-id", ["hook"], async (open) => {
    // The workflow, through the API: the editor writes and submits, the reviewer approves and publishes.
    const E = await login(editor);
    const R = await login(reviewer);
    const created = await call("/api/entries", { method: "POST", token: E, body: { type: "post", data: { title } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    for (const [who, step] of [[E, "submit"], [R, "approve"], [R, "publish"]]) {
      const r = await call(`/api/entries/${id}/${step}`, { method: "POST", token: who, body: {} });
      assert.equal(r.status, 200, `${step}: ${JSON.stringify(r.body)}`);
    }
    state.entryId = id;
    await until(() => receiver.got.length >= 1, "the receiver gets the publish", 15_000);
    const first = receiver.got[0];
    assert.equal(first.event, "entry.published");
    assert.ok(first.valid, "the signature verifies with the secret copied from the UI");
    assert.equal(JSON.parse(first.body).data.id, id, "the payload carries the entry");

    const { page } = await open("admin");
    await signIn(page, admin);
    await nav(page, "Webhooks");
    const list = page.getByRole("list", { name: "Webhooks" });
    await visible(list.getByRole("link", { name: "Rebuild the site" }));
    await visible(list.getByText("Enabled", { exact: true }));
    await axe(page, "the webhooks list");
    await shots(page, "webhooks-list");
    await list.getByRole("link", { name: "Rebuild the site" }).click();

    const log = page.getByRole("table", { name: "Deliveries" });
    const published = log.getByRole("row").filter({ hasText: "entry.published" });
    await until(async () => (await published.count()) === 1, "the delivery log shows the publish");
    await visible(published.getByText("204", { exact: true }));
    await visible(published.getByText(first.id));
    await axe(page, "the delivery log");
    await shots(page, "webhook-deliveries");

    await published.getByRole("button", { name: /^Redeliver/ }).click();
    await visible(page.getByRole("status").filter({ hasText: "entry.published sent again." }));
    // The log refreshes by itself while it is open.
    await until(async () => (await published.count()) === 2, "the redelivery shows in the log", 15_000);
    await until(async () => (await published.getByText("204", { exact: true }).count()) === 2, "both attempts answered 204");
    assert.equal(receiver.got.length, 2);
    assert.equal(receiver.got[1].id, first.id, "a redelivery keeps its webhook-id");
    assert.ok(receiver.got[1].valid);
    state.delivered = true;
  });

  journey("4. test ping, rotate the secret (the new one signs), disable and enable", ["delivered"], async (open) => {
    const { page } = await open("admin");
    await signIn(page, admin);
    await page.goto(state.hookURL);
    await visible(page.getByRole("heading", { name: "Rebuild the site", level: 1 }));

    await page.getByRole("button", { name: "Rotate secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate the signing secret?" });
    await visible(dialog.getByText(/keeps signing .* for 24 hours/));
    await axe(page, "the rotate confirmation");
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    const panel = page.getByRole("region", { name: "Your new signing secret" });
    await visible(panel.getByText(/old secret keeps signing too for 24 hours/));
    const rotated = await panel.getByLabel("Signing secret").inputValue();
    assert.notEqual(rotated, receiver.secrets[0]);
    receiver.secrets = [rotated]; // only the new one: it must sign

    await page.getByRole("button", { name: "Send test ping" }).click();
    await visible(page.getByRole("status").filter({ hasText: "Test ping sent" }));
    const ping = page.getByRole("table", { name: "Deliveries" }).getByRole("row").filter({ hasText: "ping" });
    await until(async () => (await ping.getByText("204", { exact: true }).count()) === 1, "the ping is delivered and answered 204", 15_000);
    const last = receiver.got.at(-1);
    assert.equal(last.event, "ping");
    assert.ok(last.valid, "the new secret signs");
    assert.equal(last.signatures, 2, "the old secret signs too during the overlap");

    await page.getByRole("button", { name: "Disable", exact: true }).click();
    await visible(page.getByRole("main").getByText("Disabled", { exact: true }));
    assert.ok(await page.getByRole("button", { name: "Send test ping" }).isDisabled());
    await page.getByRole("button", { name: "Enable", exact: true }).click();
    await visible(page.getByRole("main").getByText("Enabled", { exact: true }));

    // Edit: the form starts from what is saved.
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    const form = page.getByRole("form", { name: "Edit webhook" });
    assert.ok(await form.getByRole("checkbox", { name: /entry\.published/ }).isChecked());
    await form.getByRole("checkbox", { name: /entry\.unpublished/ }).check();
    await axe(page, "the edit webhook form");
    await form.getByRole("button", { name: "Save changes" }).click();
    await visible(page.getByRole("status").filter({ hasText: "Saved." }));
    await visible(page.getByRole("main").locator("dd code", { hasText: "entry.unpublished" }));
    state.pinged = true;
  });

  journey("4b. a receiver that answers 410 stops its webhook, and the UI says why", ["hook"], async (open) => {
    const made = await call("/api/webhooks", { method: "POST", token: state.adminToken, body: { name: "Old chat bot", url: receiver.url.replace("/hooks/cms", "/gone"), events: ["entry.published"] } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await call(`/api/webhooks/${made.body.id}/test`, { method: "POST", token: state.adminToken })).status, 202);
    await until(async () => (await call(`/api/webhooks/${made.body.id}`, { token: state.adminToken })).body.enabled === false, "a 410 disables the webhook", 15_000);

    const { page } = await open("admin");
    await signIn(page, admin);
    await nav(page, "Webhooks");
    const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Old chat bot" }) });
    await visible(card.getByText("Stopped", { exact: true }));
    const reason = (await call(`/api/webhooks/${made.body.id}`, { token: state.adminToken })).body.disabled_reason;
    assert.ok(reason, "the server says why it stopped");
    await visible(card.getByRole("note").filter({ hasText: reason }));
    await axe(page, "the webhooks list with a stopped webhook");
    await shots(page, "webhooks-stopped");
    await card.getByRole("link", { name: "Old chat bot" }).click();
    await visible(page.getByRole("alert").filter({ hasText: reason }));
    const row = page.getByRole("table", { name: "Deliveries" }).getByRole("row").filter({ hasText: "ping" });
    await visible(row.getByText("410", { exact: true }));
    await visible(row.getByText("this hook is gone"));
    await shots(page, "webhook-stopped");
    // Enabling it again clears the reason.
    await page.getByRole("button", { name: "Enable", exact: true }).click();
    await visible(page.getByRole("main").getByText("Enabled", { exact: true }));
    assert.equal(await page.getByRole("alert").filter({ hasText: reason }).count(), 0);
    await page.getByRole("button", { name: "Disable", exact: true }).click();
    await visible(page.getByRole("main").getByText("Disabled", { exact: true }));
  });

  journey("5. the audit log filters by entry. (kept in the address) and exports the filter as CSV", ["delivered"], async (open) => {
    const { page } = await open("admin");
    await signIn(page, admin);
    await nav(page, "Audit log");
    const table = page.getByRole("table", { name: "Audit records" });
    await visible(table.getByRole("row").filter({ hasText: "webhook." }).first());
    await page.getByLabel("Area").selectOption({ label: "Entries (entry.…)" });
    await until(() => new URL(page.url()).searchParams.get("action") === "entry.", "the filter is in the address");
    await until(async () => {
      const actions = await table.locator("code.action").allTextContents();
      return actions.length > 0 && actions.every((a) => a.startsWith("entry."));
    }, "only entry actions are listed");
    const row = table.getByRole("row").filter({ hasText: "entry.published" });
    await visible(row);
    await visible(row.getByText(reviewer.name));
    await visible(row.getByRole("link", { name: state.entryId }));
    await axe(page, "the audit log");
    await shots(page, "audit");

    // A reload keeps the filter.
    await page.reload();
    await visible(table.getByRole("row").filter({ hasText: "entry.published" }));
    assert.equal(await page.getByLabel("Area").inputValue(), "entry.");

    // The actor filter lists the users.
    await page.getByLabel("Actor").selectOption({ label: editor.name });
    await until(async () => {
      const actions = await table.locator("code.action").allTextContents();
      return actions.length > 0 && actions.every((a) => a === "entry.created" || a === "entry.submitted");
    }, "the editor did create and submit");
    await page.getByLabel("Actor").selectOption({ label: "Anyone" });

    // Exact actions by name.
    await page.getByLabel("Action", { exact: true }).fill("entry.published");
    await until(async () => new URL(page.url()).searchParams.get("action") === "entry.published", "the typed action is in the address");
    await until(async () => (await table.locator("code.action").allTextContents()).join() === "entry.published", "only the publish is listed");

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: /Export CSV/ }).click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await file.path(), "utf8");
    const lines = csv.trim().split(/\r?\n/);
    assert.match(lines[0], /action/);
    assert.equal(lines.length, 2, `the export holds the filtered record only:\n${csv}`);
    assert.match(lines[1], /entry\.published/);
  });

  journey("6. the editor's bell tells of the approval and the publish; reading clears the badge", ["delivered"], async (open) => {
    const { page } = await open("editor");
    await signIn(page, editor);
    const bell = page.getByRole("button", { name: "Notifications, 2 unread" });
    await visible(bell);

    // The keyboard: Enter opens and focuses the first item, arrows move, Escape closes and gives the focus back.
    await bell.focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("dialog", { name: "Notifications" });
    const items = panel.getByRole("link");
    await visible(items.first());
    assert.deepEqual(
      (await items.allTextContents()).map((t) => t.replace(/ \(unread\).*$/, "").replace(/(just now|\d+ min ago)$/, "")),
      [`${reviewer.name} published “${title}”`, `${reviewer.name} approved “${title}”`],
    );
    assert.ok(await isFocused(items.first()), "the first notification has the focus");
    await page.keyboard.press("ArrowDown");
    assert.ok(await isFocused(items.nth(1)), "ArrowDown moves to the next");
    await axe(page, "the bell, open");
    await shots(page, "bell-open");
    await page.keyboard.press("Escape");
    await until(async () => (await panel.count()) === 0, "Escape closes the list");
    assert.ok(await isFocused(bell), "the focus is back on the bell");

    // A notification links to its entry and is read once followed.
    await page.keyboard.press(" ");
    await visible(items.first());
    await items.first().click();
    await until(() => new URL(page.url()).pathname === `/admin/entries/${state.entryId}`, "the notification opens the entry");
    await visible(page.getByRole("button", { name: "Notifications, 1 unread" }));

    // Mark all read clears the badge.
    await page.getByRole("button", { name: "Notifications, 1 unread" }).click();
    await panel.getByRole("button", { name: "Mark all read" }).click();
    await visible(page.getByRole("button", { name: "Notifications", exact: true }));
    await visible(panel.getByText("All caught up"));
    const left = await call("/api/notifications", { token: await login(editor) });
    assert.equal(left.body.meta.unread, 0);
  });

  journey("7. on a phone the screens fit", ["pinged"], async (open) => {
    const { page } = await open("phone", { width: 390, height: 844 });
    await signIn(page, admin);
    for (const [path, heading] of [
      ["/admin/webhooks", "Webhooks"],
      [state.hookURL, "Rebuild the site"],
      ["/admin/webhooks/new", "New webhook"],
      ["/admin/audit?action=entry.", "Audit log"],
    ]) {
      await page.goto(path);
      await visible(page.getByRole("heading", { name: heading, level: 1 }));
      await until(async () => (await page.getByRole("status").filter({ hasText: /Loading/ }).count()) === 0, `${heading} has loaded`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${heading}: the page is ${width}px wide at 390px`);
      await shots(page, `phone-${heading.replace(/\W+/g, "-").toLowerCase()}`, false);
    }
    await page.getByRole("button", { name: /^Notifications/ }).click();
    await visible(page.getByRole("dialog", { name: "Notifications" }));
    await axe(page, "the bell on a phone");
    await shots(page, "phone-bell", false);
  });

  journey("8. deleting a webhook asks first", ["pinged"], async (open) => {
    const { page } = await open("admin");
    await signIn(page, admin);
    await page.goto(state.hookURL);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Delete “Rebuild the site”?" });
    await visible(dialog);
    await axe(page, "the delete confirmation");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await visible(page.getByRole("heading", { name: "Rebuild the site", level: 1 }));
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.getByRole("button", { name: "Delete webhook" }).click();
    await visible(page.getByRole("heading", { name: "Webhooks", level: 1 }));
    await visible(page.getByRole("link", { name: "Old chat bot" }));
    assert.equal(await page.getByRole("link", { name: "Rebuild the site" }).count(), 0);
    assert.deepEqual((await call("/api/webhooks", { token: state.adminToken })).body.data.map((w) => w.name), ["Old chat bot"]);
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
