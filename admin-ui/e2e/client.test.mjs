// A front-end team's first afternoon (issue 12): generate a TypeScript
// client from the demo site's typed OpenAPI document (?types=1) with
// openapi-typescript, type-check code that reads post.title as a string
// with an operator filter (where=field:op:value), and run that call with
// openapi-fetch against the server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import openapiTS, { astToString } from "openapi-typescript";
import createClient from "openapi-fetch";
import { startServer } from "./harness.mjs";

describe("a generated TypeScript client reads typed items", () => {
  let server;
  let token;
  // Inside node_modules, so that the generated code finds openapi-fetch as a project would.
  const dir = mkdtempSync(join(process.cwd(), "node_modules", ".cms-client-"));

  before(async () => {
    server = await startServer({ CMS_ADMIN_EMAIL: "ada@example.test", CMS_ADMIN_PASSWORD: "correct horse battery staple" }, ["--demo"]);
    token = server.log().match(/delivery token: (\S+)/)?.[1];
    assert.ok(token, "the demo prints its delivery token");
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("generates, type-checks and calls GET /api/content/post with where=", async () => {
    const res = await fetch(`${server.baseURL}/api/openapi.json?types=1`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const doc = await res.json();
    writeFileSync(join(dir, "schema.d.ts"), astToString(await openapiTS(doc)));
    // Typed: title is a string (unknown would not compile as one), a key no post has does not compile.
    writeFileSync(
      join(dir, "use.ts"),
      `import createClient from "openapi-fetch";
import type { paths } from "./schema";
const client = createClient<paths>({ baseUrl: "http://x" });
export async function titles(): Promise<string[]> {
  const { data } = await client.GET("/api/content/post", { params: { query: { where: ["title:contains:photos"], locale: "en" } } });
  return (data?.data ?? []).map((p) => p.title ?? "");
}
export async function wrong() {
  const { data } = await client.GET("/api/content/post/{slug}", { params: { path: { slug: "x" } } });
  const title: string | undefined = data?.data.title; // unknown would not compile here
  // @ts-expect-error a post has no field nope
  return [title, data?.data.nope];
}
`,
    );
    const tsc = spawnSync(process.execPath, [join(process.cwd(), "node_modules/typescript/bin/tsc"), "--noEmit", "--strict", "--module", "esnext", "--moduleResolution", "bundler", "--target", "es2022", "--skipLibCheck", "--typeRoots", join(dir, "none"), join(dir, "use.ts")], {
      encoding: "utf8",
      cwd: process.cwd(),
    });
    assert.equal(tsc.status, 0, `tsc:\n${tsc.stdout}${tsc.stderr}`);

    // The same call, run.
    const client = createClient({ baseUrl: server.baseURL, headers: { Authorization: `Bearer ${token}` } });
    const { data, error, response } = await client.GET("/api/content/post", { params: { query: { where: ["title:contains:photos"], locale: "en" } } });
    assert.equal(response.status, 200, JSON.stringify(error));
    assert.equal(data.meta.total, 1);
    assert.equal(typeof data.data[0].title, "string");
    assert.match(data.data[0].title, /photos/);
    const none = await client.GET("/api/content/post", { params: { query: { where: ["title:contains:nothing-like-this"] } } });
    assert.equal(none.data.meta.total, 0, "the filter is applied");
  });
});
