import createClient from "openapi-fetch";
import type { paths, components } from "./schema";

export type Schemas = components["schemas"];
export type User = Schemas["User"];
export type Entry = Schemas["Entry"];
export type ContentType = Schemas["ContentType"];
export type Field = Schemas["Field"];
export type Revision = Schemas["Revision"];
export type Comment = Schemas["Comment"];
export type HistoryEvent = Schemas["Event"];
export type Status = Schemas["Status"];
export type APIToken = Schemas["APIToken"];
export type TokenPair = Schemas["TokenPair"];
export type Media = Schemas["Media"];
export type MediaUsage = Schemas["MediaUsage"];

/** The contract's error body, thrown by `unwrap`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

const REFRESH_KEY = "cms.refresh";

/**
 * Session holds the short-lived access token in memory and the single-use
 * refresh token in localStorage, and swaps them for a new pair when the
 * access token has expired, once, however many requests notice at once.
 */
class Session {
  access: string | null = null;
  private refreshing: Promise<TokenPair | null> | null = null;
  onChange: (user: User | null) => void = () => {};

  get refreshToken(): string | null {
    return localStorage.getItem(REFRESH_KEY);
  }

  set(pair: TokenPair) {
    this.access = pair.access_token;
    localStorage.setItem(REFRESH_KEY, pair.refresh_token);
    this.onChange(pair.user);
  }

  clear() {
    this.access = null;
    localStorage.removeItem(REFRESH_KEY);
    this.onChange(null);
  }

  /**
   * Refresh returns a new pair, or null when the session is over (then it
   * signs out). Refresh tokens are single-use, so tabs take turns through a
   * Web Lock and each reads the newest token only once it holds the lock.
   * A failure that is not the server refusing the token (a network error,
   * a 503) keeps the session for the next try.
   */
  refresh(): Promise<TokenPair | null> {
    if (!this.refreshing) {
      const run = async (): Promise<TokenPair | null> => {
        const token = this.refreshToken;
        if (!token) return null;
        let res: Response;
        try {
          res = await fetch("/api/auth/refresh", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ refresh_token: token }),
          });
        } catch {
          return null;
        }
        if (res.status === 401 || res.status === 400) {
          this.clear();
          return null;
        }
        if (!res.ok) return null;
        const pair = (await res.json()) as TokenPair;
        this.set(pair);
        return pair;
      };
      const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
      const attempt = async () => (locks ? ((await locks.request("cms-refresh", run)) as TokenPair | null) : run());
      this.refreshing = attempt().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }
}

export const session = new Session();

/** fetch with the access token, refreshing it silently once on a 401. */
async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = (req: Request) => {
    if (session.access) req.headers.set("Authorization", `Bearer ${session.access}`);
    return fetch(req);
  };
  const res = await send(input);
  // A refused sign-in, refresh or sign-out is an answer, not an expired token.
  if (res.status !== 401 || /\/api\/auth\/(login|refresh|logout)$/.test(new URL(input.url).pathname)) return res;
  const pair = await session.refresh();
  return pair ? send(retry) : res;
}

export const api = createClient<paths>({ baseUrl: window.location.origin, fetch: authedFetch });

type Result<T> = { data?: T; error?: unknown; response: Response };

/** unwrap returns the data of a call, or throws its contract error as ApiError. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const body = (error ?? {}) as { error?: { code?: string; message?: string; fields?: Record<string, string> } };
    throw new ApiError(
      response.status,
      body.error?.code ?? "internal",
      body.error?.message ?? response.statusText,
      body.error?.fields ?? {},
    );
  }
  return data as T;
}
