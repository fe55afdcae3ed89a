// Entry point of the end-to-end tests (`npm run e2e`): build the Go binary,
// which embeds the current admin-ui/dist, then run the journey files with
// Node's test runner. Each test file starts its own fresh `cms serve`
// (see harness.mjs) and stops it, with its browser, when it ends.
// CMS_E2E_BIN=/path/to/cms runs the tests against that binary instead.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", ".."); // admin-ui/..
const LIMIT_MS = 600_000; // a hard stop, well above a normal run (about 5 min on 2 cores)

const work = mkdtempSync(join(tmpdir(), "cms-e2e-"));
const bin = process.env.CMS_E2E_BIN || join(work, "cms");
let code = 1;
try {
  if (!process.env.CMS_E2E_BIN) {
    console.log(`building ${bin} from ${repo}`);
    const built = spawnSync("go", ["build", "-o", bin, "."], { cwd: repo, stdio: "inherit" });
    if (built.status !== 0) throw new Error(`go build failed (${built.error?.message ?? `exit ${built.status}`})`);
  }

  const files = readdirSync(here)
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => join(here, f));
  code = await runTests(files, { ...process.env, CMS_E2E_BIN: bin });
} catch (err) {
  console.error(`e2e: ${err.message}`);
  code = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);

/** runTests runs node --test in its own process group, so a hung run can be stopped whole. */
function runTests(files, env) {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files], {
      stdio: "inherit",
      env,
      detached: true,
    });
    const stop = (why) => {
      console.error(`e2e: ${why}; stopping the test run`);
      try {
        process.kill(-child.pid, "SIGTERM"); // the runner and the cms servers it started
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => stop(`over ${LIMIT_MS / 1000}s`), LIMIT_MS);
    const onSignal = (sig) => stop(`got ${sig}`);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      done(status ?? (signal ? 1 : 0));
    });
  });
}
