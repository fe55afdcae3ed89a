import { describe, expect, it } from "vitest";
import { CmsError, createClient, verifyWebhook, WebhookError } from "./index";

interface PostItem {
  id: string;
  title?: string;
  category?: string | { id: string; name?: string };
}
type Items = { post: PostItem };

/** fakeCMS answers like the delivery API, and records what it was asked. */
function fakeCMS() {
  const asked: { url: URL; headers: Record<string, string> }[] = [];
  const post = { id: "p1", title: "Hello" };
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = (init?.headers ?? {}) as Record<string, string>;
    asked.push({ url, headers });
    if (url.pathname === "/api/content/post/hello") {
      if (headers["If-None-Match"] === '"v1"') return new Response(null, { status: 304 });
      return Response.json({ data: post }, { headers: { ETag: '"v1"' } });
    }
    if (url.pathname === "/api/content/post") {
      const after = url.searchParams.get("after");
      return Response.json(after ? { data: [{ id: "p2" }], meta: { total: 2, limit: 1, offset: 0 } } : { data: [post], meta: { total: 2, limit: 1, offset: 0, next: "c1" } });
    }
    return Response.json({ error: { code: "bad_request", message: 'unknown locale "xx"', fields: {} } }, { status: 400, headers: { "Retry-After": "7" } });
  };
  return { asked, fetch: fetch as typeof globalThis.fetch };
}

describe("the delivery client", () => {
  it("reads an item, typed, with the token, and revalidates it by ETag", async () => {
    const cms = fakeCMS();
    const client = createClient<Items>({ baseUrl: "https://cms.example/", token: "cms_secret", fetch: cms.fetch });
    const post = await client.get("post", "hello", { locale: "fr-CA", include: ["category"] });
    const title: string | undefined = post.title;
    expect(title).toBe("Hello");
    expect(cms.asked[0]!.url.search).toBe("?locale=fr-CA&include=category");
    expect(cms.asked[0]!.headers.Authorization).toBe("Bearer cms_secret");
    post.title = "changed by the caller"; // the kept copy is the caller's own
    const again = await client.get("post", "hello", { locale: "fr-CA", include: ["category"] });
    expect(cms.asked[1]!.headers["If-None-Match"]).toBe('"v1"');
    expect(again.title).toBe("Hello");
  });

  it("sends filters as where=field:op:value, and walks pages by cursor", async () => {
    const cms = fakeCMS();
    const client = createClient<Items>({ baseUrl: "https://cms.example", fetch: cms.fetch, cacheSize: 0 });
    await client.list("post", { where: [["category", "eq", "c9"], ["published_at", "lt", new Date("2027-01-01T00:00:00Z")], ["id", "in", ["a", "b"]]], sort: "-published_at", limit: 1, fallback: false });
    const q = cms.asked[0]!.url.searchParams;
    expect(q.getAll("where")).toEqual(["category:eq:c9", "published_at:lt:2027-01-01T00:00:00.000Z", "id:in:a,b"]);
    expect(q.get("sort")).toBe("-published_at");
    expect(q.get("fallback")).toBe("false");
    expect(cms.asked[0]!.headers.Authorization).toBeUndefined();
    const ids: string[] = [];
    for await (const p of client.all("post", { limit: 1 })) ids.push(p.id);
    expect(ids).toEqual(["p1", "p2"]);
  });

  it("throws the contract's error, with its code, status and Retry-After", async () => {
    const client = createClient<Items>({ baseUrl: "https://cms.example", fetch: fakeCMS().fetch });
    const err = await client.get("post" as "post", "x", { locale: "xx" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmsError);
    expect(err).toMatchObject({ status: 400, code: "bad_request", message: 'unknown locale "xx"', retryAfter: 7 });
  });
});

describe("verifyWebhook", () => {
  // Signed by the server's own code (webhooks.Sign) with this secret.
  const secret = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
  const body = '{"type":"entry.published","data":{"id":"e1"}}';
  const headers = { "webhook-id": "msg_2Yx", "webhook-timestamp": "1767225600", "webhook-signature": "v1,XUsFeoA/kivAQ/g2S94VwhcjzdZwcBjh2Rj+aZXq874=" };
  const at = new Date(1767225600 * 1000 + 60_000);

  it("accepts what the CMS signed, also among a rotation's two signatures", async () => {
    expect(await verifyWebhook(secret, headers, body, at)).toEqual({ type: "entry.published", data: { id: "e1" } });
    const rotated = new Headers({ ...headers, "webhook-signature": "v1,b2xkIHNpZ25hdHVyZQ== " + headers["webhook-signature"] });
    expect(await verifyWebhook(secret, rotated, new TextEncoder().encode(body), at)).toMatchObject({ type: "entry.published" });
  });

  it("refuses a changed body, another secret, a replay and missing headers", async () => {
    await expect(verifyWebhook(secret, headers, body.replace("e1", "e2"), at)).rejects.toThrow(WebhookError);
    await expect(verifyWebhook("whsec_" + btoa("another secret of 32 bytes......"), headers, body, at)).rejects.toThrow("no signature");
    await expect(verifyWebhook(secret, headers, body, new Date(at.getTime() + 10 * 60_000))).rejects.toThrow("too far");
    await expect(verifyWebhook(secret, { "webhook-id": "msg_2Yx" }, body, at)).rejects.toThrow("missing");
  });
});
