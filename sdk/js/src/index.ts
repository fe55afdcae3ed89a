// The delivery SDK of the CMS: read published content from any JavaScript
// runtime with fetch and Web Crypto (browsers, Node 20+, Deno, Bun, edge
// workers). Generic over the site's item types (`cms types ts` writes them),
// so `client.get("post", slug)` returns a PostItem.

/** A filter operator of the delivery API. */
export type Op = "eq" | "ne" | "lt" | "lte" | "gt" | "gte" | "in" | "contains";

/** One filter: `["category", "eq", id]`, sent as where=category:eq:id. */
export type Where = [field: string, op: Op, value: string | number | boolean | Date | (string | number)[]];

/** What a read may ask for, besides the type. */
export interface ReadOptions {
  /** a configured locale; each entry answers in the first published locale of its chain */
  locale?: string;
  /** false: only the locale asked for, no fallback */
  fallback?: boolean;
  /** relation fields to embed (one level, published entries only) */
  include?: string[];
  /** item keys to return (id always) */
  fields?: string[];
  /** the latest working revision (needs a preview token) */
  preview?: boolean;
  /** an AbortSignal, for timeouts */
  signal?: AbortSignal;
}

/** What a list may ask for. */
export interface ListOptions extends ReadOptions {
  where?: Where[];
  /** comma-separated keys, - for descending: "-published_at,title" */
  sort?: string;
  search?: string;
  limit?: number;
  offset?: number;
  /** a cursor from meta.next */
  after?: string;
}

/** The delivery API's list metadata. */
export interface Meta {
  total: number;
  limit: number;
  offset: number;
  /** more than 10,000 match: total says 10,000 */
  capped?: boolean;
  /** the cursor of the next page (absent on the last) */
  next?: string;
}

/** The keys every item has (id always; the rest unless fields= leaves them out). */
export interface BaseItem {
  id: string;
  type?: string;
  slug?: string;
  locale?: string;
  published_at?: string | null;
  updated_at?: string;
}

/** Any item, when the site's types are not given. */
export interface AnyItem extends BaseItem {
  [field: string]: unknown;
}

/** The error body of the contract: `{"error":{"code","message","fields"?}}`, with the HTTP status. */
export class CmsError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly retryAfter?: number;
  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}, retryAfter?: number) {
    super(message);
    this.name = "CmsError";
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

export interface ClientOptions {
  /** where the CMS is, e.g. https://cms.example.com */
  baseUrl: string;
  /** an API token (cms_…) of scope delivery or preview; none reads public types */
  token?: string;
  /** fetch to use (default: the global one) */
  fetch?: typeof fetch;
  /**
   * answers kept to revalidate with If-None-Match (a 304 costs the server
   * almost nothing); default 500, 0 turns the cache off
   */
  cacheSize?: number;
}

/** A page of items. */
export interface Page<T> {
  data: T[];
  meta: Meta;
}

/**
 * createClient makes a delivery client. Items maps each type key to its
 * item (the `Items` interface `cms types ts` writes).
 */
export function createClient<Items extends { [key: string]: BaseItem } = { [key: string]: AnyItem }>(opts: ClientOptions) {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const cache = new EtagCache(opts.cacheSize ?? 500);

  async function read<R>(path: string, query: URLSearchParams, signal?: AbortSignal): Promise<R> {
    const qs = query.toString();
    const url = base + path + (qs ? `?${qs}` : "");
    const headers: Record<string, string> = { Accept: "application/json" };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const kept = cache.get(url);
    if (kept) headers["If-None-Match"] = kept.etag;
    const res = await doFetch(url, { headers, signal });
    if (res.status === 304 && kept) return structuredClone(kept.body) as R;
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CmsError(res.status, "bad_response", `the CMS answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const e = (body as { error?: { code?: string; message?: string; fields?: Record<string, string> } } | undefined)?.error;
      const after = Number(res.headers.get("Retry-After"));
      throw new CmsError(res.status, e?.code ?? "http_" + res.status, e?.message ?? `the CMS answered ${res.status}`, e?.fields ?? {}, Number.isFinite(after) && after > 0 ? after : undefined);
    }
    const etag = res.headers.get("ETag");
    if (etag) cache.set(url, etag, body);
    return body as R;
  }

  return {
    /** get reads one item by slug (of any of its translations). */
    async get<K extends keyof Items & string>(type: K, slug: string, o: ReadOptions = {}): Promise<Items[K]> {
      const out = await read<{ data: Items[K] }>(`/api/content/${encodeURIComponent(type)}/${encodeURIComponent(slug)}`, readQuery(o), o.signal);
      return out.data;
    },
    /** list reads a page of items; pass meta.next as after for the next one. */
    list<K extends keyof Items & string>(type: K, o: ListOptions = {}): Promise<Page<Items[K]>> {
      return read<Page<Items[K]>>(`/api/content/${encodeURIComponent(type)}`, listQuery(o), o.signal);
    },
    /** all walks every page of a list by cursor. */
    async *all<K extends keyof Items & string>(type: K, o: Omit<ListOptions, "after" | "offset"> = {}): AsyncGenerator<Items[K]> {
      let after: string | undefined;
      do {
        const page = await read<Page<Items[K]>>(`/api/content/${encodeURIComponent(type)}`, listQuery({ ...o, after }), o.signal);
        yield* page.data;
        after = page.meta.next;
      } while (after);
    },
  };
}

export type Client<Items extends { [key: string]: BaseItem } = { [key: string]: AnyItem }> = ReturnType<typeof createClient<Items>>;

function readQuery(o: ReadOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.locale) q.set("locale", o.locale);
  if (o.fallback === false) q.set("fallback", "false");
  if (o.include?.length) q.set("include", o.include.join(","));
  if (o.fields?.length) q.set("fields", o.fields.join(","));
  if (o.preview) q.set("preview", "1");
  return q;
}

function listQuery(o: ListOptions): URLSearchParams {
  const q = readQuery(o);
  for (const [field, op, value] of o.where ?? []) q.append("where", `${field}:${op}:${filterValue(value)}`);
  if (o.sort) q.set("sort", o.sort);
  if (o.search) q.set("search", o.search);
  if (o.limit !== undefined) q.set("limit", String(o.limit));
  if (o.offset) q.set("offset", String(o.offset));
  if (o.after) q.set("after", o.after);
  return q;
}

function filterValue(v: Where[2]): string {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.join(",");
  return String(v);
}

/** EtagCache keeps the last answers by URL, least recently used out first. */
class EtagCache {
  private m = new Map<string, { etag: string; body: unknown }>();
  constructor(private size: number) {}
  get(url: string) {
    const v = this.m.get(url);
    if (v) {
      this.m.delete(url);
      this.m.set(url, v);
    }
    return v;
  }
  set(url: string, etag: string, body: unknown) {
    if (this.size <= 0) return;
    this.m.delete(url);
    this.m.set(url, { etag, body: structuredClone(body) });
    while (this.m.size > this.size) this.m.delete(this.m.keys().next().value as string);
  }
}

/** How far a webhook's timestamp may be from now, in seconds (Standard Webhooks). */
export const WEBHOOK_TOLERANCE = 5 * 60;

/**
 * verifyWebhook checks a delivery of the CMS's webhooks (Standard Webhooks:
 * webhook-id, webhook-timestamp, webhook-signature) against its secret
 * (whsec_…), on the raw body as received, and returns the parsed event.
 * It throws when the signature does not match or the timestamp is more
 * than five minutes from now (a replay).
 */
export async function verifyWebhook<T = unknown>(
  secret: string,
  headers: Headers | Record<string, string | string[] | undefined>,
  rawBody: string | Uint8Array,
  now: Date = new Date(),
): Promise<T> {
  const h = (name: string) => {
    if (headers instanceof Headers) return headers.get(name) ?? "";
    const v = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(" ") : (v ?? "");
  };
  const id = h("webhook-id");
  const timestamp = h("webhook-timestamp");
  const signatures = h("webhook-signature");
  if (!id || !/^\d+$/.test(timestamp) || !signatures) throw new WebhookError("missing webhook-id, webhook-timestamp or webhook-signature");
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE) throw new WebhookError("the webhook's timestamp is too far from now");
  if (!secret.startsWith("whsec_")) throw new WebhookError("a webhook secret starts with whsec_");
  const body: Uint8Array = typeof rawBody === "string" ? new TextEncoder().encode(rawBody) : rawBody;
  const key = await crypto.subtle.importKey("raw", base64Bytes(secret.slice("whsec_".length)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signed = new Uint8Array([...new TextEncoder().encode(`${id}.${timestamp}.`), ...body]);
  const want = "v1," + bytesBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)));
  if (!signatures.split(" ").some((s) => constantTimeEqual(s, want))) throw new WebhookError("no signature matches the secret");
  return JSON.parse(new TextDecoder().decode(body)) as T;
}

export class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookError";
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function base64Bytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}
