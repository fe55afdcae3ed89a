import { afterEach, describe, expect, it, vi } from "vitest";
import { api, session, unwrap, type TokenPair } from "./client";

const user = { id: "u", email: "e@x", name: "E", roles: ["editor"], disabled: false, created_at: "" };
const pair = (n: number): TokenPair => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: "Bearer", expires_in: 900, user }) as TokenPair;
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe("the API client", () => {
  it("refreshes an expired access token once, silently, and retries", async () => {
    session.set(pair(1));
    const calls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: Request | string, init?: RequestInit) => {
        const req = typeof input === "string" ? new Request(new URL(input, window.location.origin), init) : input;
        const path = new URL(req.url).pathname;
        calls.push(`${path} ${req.headers.get("Authorization") ?? ""}`);
        if (path === "/api/auth/refresh") return json(200, pair(2));
        return req.headers.get("Authorization") === "Bearer access-2" ? json(200, user) : json(401, { error: { code: "unauthorized", message: "expired" } });
      }),
    );
    const me = await unwrap(api.GET("/api/auth/me"));
    expect(me.email).toBe("e@x");
    expect(calls).toEqual(["/api/auth/me Bearer access-1", "/api/auth/refresh ", "/api/auth/me Bearer access-2"]);
    expect(localStorage.getItem("cms.refresh")).toBe("refresh-2");
  });

  it("keeps the session through a transient refresh failure, and ends it when the token is refused", async () => {
    session.set(pair(1));
    vi.stubGlobal("fetch", vi.fn(async () => json(503, { error: { code: "internal", message: "down" } })));
    expect(await session.refresh()).toBeNull();
    expect(localStorage.getItem("cms.refresh")).toBe("refresh-1");
    vi.stubGlobal("fetch", vi.fn(async () => json(401, { error: { code: "unauthorized", message: "spent" } })));
    expect(await session.refresh()).toBeNull();
    expect(localStorage.getItem("cms.refresh")).toBeNull();
  });
});
