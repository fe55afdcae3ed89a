// Helpers shared by the journey files: a fresh `cms serve`, Debian's Chromium
// driven by playwright-core, console-error tracking and small polling waits.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe runs axe-core in the page and fails on serious or critical violations. */
export async function axe(page, what) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ").trim()}`) }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `axe-core on ${what}`);
}

const CHROMIUM = process.env.CMS_E2E_CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const TIMEOUT = 10_000; // for any single wait on the page

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * startServer runs `cms serve` on a free port with an empty SQLite data
 * directory and no first admin configured, and resolves once /readyz answers
 * 200 and the one-time setup link has been printed. extraEnv adds variables
 * (e.g. CMS_WEBHOOK_ALLOW_PRIVATE) after the inherited CMS_ ones are dropped;
 * args are more flags for serve (e.g. --demo).
 */
export async function startServer(extraEnv = {}, args = []) {
  const bin = process.env.CMS_E2E_BIN;
  assert.ok(bin, "CMS_E2E_BIN is not set: run the tests with `npm run e2e`");
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "cms-e2e-data-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CMS_")));
  Object.assign(env, extraEnv, { CMS_DATA_DIR: dataDir, CMS_PUBLIC_URL: baseURL });

  const child = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit); // never leave a server behind, whatever happens
  let log = "";
  let exited = null;
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const gone = new Promise((resolve) => child.on("exit", (code, signal) => resolve((exited = { code, signal }))));

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(t);
    }
    process.off("exit", killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 20_000;
    let setupURL;
    for (;;) {
      if (exited) throw new Error(`cms serve exited early (${JSON.stringify(exited)}):\n${log}`);
      if (Date.now() > deadline) throw new Error(`cms serve was not ready in 20s:\n${log}`);
      setupURL ??= log.match(/(http:\/\/\S+\/admin\/setup\?token=\S+)/)?.[1];
      const ready = await fetch(`${baseURL}/readyz`).then((r) => r.ok, () => false);
      // With CMS_ADMIN_EMAIL the first admin is made at start: no setup link.
      if (ready && (setupURL || extraEnv.CMS_ADMIN_EMAIL)) return { baseURL, setupURL, stop, log: () => log };
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Session is one browser context (one person) with one page whose console
 * errors and uncaught exceptions are collected, to be asserted at the end of
 * each test with assertClean.
 */
export class Session {
  static async open(browser, baseURL, who, viewport = { width: 1280, height: 900 }) {
    const context = await browser.newContext({ baseURL, viewport });
    context.setDefaultTimeout(TIMEOUT);
    context.setDefaultNavigationTimeout(15_000);
    const page = await context.newPage();
    const s = new Session(who, context, page);
    page.on("console", (m) => {
      if (m.type() === "error") s.errors.push(`${who}: console error: ${m.text()} ${m.location()?.url ?? ""}`.trim());
    });
    page.on("pageerror", (e) => s.errors.push(`${who}: page error: ${e.stack ?? e.message}`));
    return s;
  }

  constructor(who, context, page) {
    this.who = who;
    this.context = context;
    this.page = page;
    this.errors = [];
    this.allowed = [];
  }

  /** expectError allows console errors matching re, e.g. the network log line of an expected 409. */
  expectError(re) {
    this.allowed.push(re);
  }

  /** assertClean fails when the page logged an error nobody expected. */
  assertClean() {
    const unexpected = this.errors.filter((e) => !this.allowed.some((re) => re.test(e)));
    assert.deepEqual(unexpected, [], `the browser reported errors for ${this.who}`);
  }

  close() {
    return this.context.close();
  }
}

/** until polls fn until it returns a truthy value, and returns it; it fails with message after timeout. */
export async function until(fn, message, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(100);
  }
}

/** visible waits for a locator to be visible and returns it. */
export async function visible(locator) {
  await locator.waitFor({ state: "visible" });
  return locator;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * journeys makes the `journey(name, needs, fn, { skip })` of a test file. A
 * journey is one test with fresh browser sessions (`open(who, viewport)`,
 * closed at its end) that fails on any unexpected console error, keeps
 * screenshots and the server log under /tmp when it fails, and is skipped
 * when an earlier journey did not leave what it needs in ctx.state (or when
 * skip() gives a reason). ctx: { state, browser(), server(), timeout, viewport }.
 */
export function journeys(it, ctx) {
  return function journey(name, needs, fn, { skip } = {}) {
    it(name, { timeout: ctx.timeout ?? 90_000 }, async (t) => {
      const why = skip?.();
      if (why) return t.skip(why);
      const missing = needs.filter((k) => !(k in ctx.state));
      if (missing.length) return t.skip(`an earlier journey did not leave ${missing.join(", ")}`);
      const sessions = [];
      const open = async (who, viewport = ctx.viewport) => {
        const s = await Session.open(ctx.browser(), ctx.server().baseURL, who, viewport);
        sessions.push(s);
        return s;
      };
      try {
        await fn(open);
        for (const s of sessions) s.assertClean();
      } catch (err) {
        const base = join(tmpdir(), `cms-e2e-${name.replace(/\W+/g, "-").slice(0, 40)}`);
        for (const s of sessions) {
          const file = `${base}-${s.who}.png`;
          await s.page.screenshot({ path: file, fullPage: true }).then(() => t.diagnostic(`screenshot: ${file}`), () => {});
        }
        writeFileSync(`${base}-server.log`, ctx.server().log());
        t.diagnostic(`server log: ${base}-server.log`);
        // A crashed page usually shows up as a timeout: say what the browser reported.
        const seen = sessions.flatMap((s) => s.errors);
        if (seen.length && err instanceof Error) err.message += `\nthe browser reported:\n${seen.join("\n")}`;
        throw err;
      } finally {
        await Promise.all(sessions.map((s) => s.close().catch(() => {})));
      }
    });
  };
}

/** api calls the server's HTTP API outside the browser, for the steps that are not a journey's subject. */
export async function api(server, path, { method = "GET", body, token } = {}) {
  const res = await fetch(server.baseURL + path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: json ?? text, headers: res.headers };
}

/** signIn signs a user in on the admin UI and waits for the dashboard. */
export async function signIn(page, user) {
  await page.goto("/admin/");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByRole("heading", { name: "Dashboard", level: 1 }));
}
