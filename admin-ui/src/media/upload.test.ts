import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, session, type TokenPair } from "../api/client";
import { AbortError, toApiError, uploadFile, uploadProblem } from "./upload";
import { formatBytes, mediaKind, thumbnail, typeLabel, variantURL, clamp01, missingAlt } from "./format";

const user = { id: "u", email: "e@x", name: "E", roles: ["editor"], disabled: false, created_at: "" };
const pair = (n: number): TokenPair => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: "Bearer", expires_in: 900, user }) as TokenPair;
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

type Reply = { status: number; body?: unknown; progress?: number[]; fail?: boolean };

/** FakeXHR answers each send with the next reply, reporting upload progress on the way. */
function fakeXHR(replies: Reply[]) {
  const sent: { method: string; url: string; auth: string | null; form: FormData }[] = [];
  class FakeXHR {
    upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    status = 0;
    responseText = "";
    private method = "";
    private url = "";
    private headers: Record<string, string> = {};
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(k: string, v: string) {
      this.headers[k] = v;
    }
    abort() {
      this.onabort?.();
    }
    send(form: FormData) {
      sent.push({ method: this.method, url: this.url, auth: this.headers.Authorization ?? null, form });
      const r = replies.shift()!;
      queueMicrotask(() => {
        for (const p of r.progress ?? []) this.upload.onprogress?.({ loaded: p, total: 100, lengthComputable: true });
        if (r.fail) return this.onerror?.();
        this.status = r.status;
        this.responseText = r.body === undefined ? "" : JSON.stringify(r.body);
        this.onload?.();
      });
    }
  }
  vi.stubGlobal("XMLHttpRequest", FakeXHR);
  return sent;
}

const file = () => new File([new Uint8Array(100)], "photo.png", { type: "image/png" });
const media = { id: "m1", filename: "photo.png", url: "/media/m1/photo.png?v=1" };

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe("uploadFile", () => {
  it("sends the file and its fields as multipart with the bearer token, and reports progress", async () => {
    session.set(pair(1));
    const sent = fakeXHR([{ status: 201, body: media, progress: [10, 60, 100] }]);
    const seen: number[] = [];
    const m = await uploadFile(file(), { fields: { alt: "A dog", title: "" }, onProgress: (p) => seen.push(p.loaded / p.total) });
    expect(m).toEqual(media);
    expect(seen).toEqual([0.1, 0.6, 1]);
    expect(sent[0]!.method).toBe("POST");
    expect(sent[0]!.url).toBe("/api/media");
    expect(sent[0]!.auth).toBe("Bearer access-1");
    expect((sent[0]!.form.get("file") as File).name).toBe("photo.png");
    expect(sent[0]!.form.get("alt")).toBe("A dog");
    expect(sent[0]!.form.has("title")).toBe(false); // empty fields are left out
  });

  it("refreshes an expired token once and sends the file again", async () => {
    session.set(pair(1));
    vi.stubGlobal("fetch", vi.fn(async () => json(200, pair(2))));
    const sent = fakeXHR([{ status: 401, body: { error: { code: "unauthorized", message: "expired" } } }, { status: 201, body: media }]);
    await uploadFile(file());
    expect(sent.map((s) => s.auth)).toEqual(["Bearer access-1", "Bearer access-2"]);
  });

  it("throws the contract's error body as ApiError", async () => {
    session.set(pair(1));
    fakeXHR([{ status: 415, body: { error: { code: "unsupported_media_type", message: "text/html files are not allowed" } } }]);
    const err = await uploadFile(file()).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(415);
    expect(uploadProblem(err)).toEqual({ headline: "This file type is not allowed", detail: "text/html files are not allowed" });
  });

  it("says when the upload never got an answer, and when it was cancelled", async () => {
    fakeXHR([{ status: 0, fail: true }]);
    const err = await uploadFile(file()).catch((e) => e);
    expect(uploadProblem(err).headline).toBe("The upload did not reach the server");
    const c = new AbortController();
    c.abort();
    const cancelled = await uploadFile(file(), { signal: c.signal }).catch((e) => e);
    expect(cancelled).toBeInstanceOf(AbortError);
    expect(uploadProblem(cancelled).headline).toBe("Cancelled");
  });

  it("replaces a file with PUT", async () => {
    const sent = fakeXHR([{ status: 200, body: media }]);
    await uploadFile(file(), { method: "PUT", url: "/api/media/m1/file" });
    expect([sent[0]!.method, sent[0]!.url]).toEqual(["PUT", "/api/media/m1/file"]);
  });
});

describe("upload errors in plain words", () => {
  it("maps codes, keeps the server's message, and falls back on the status", () => {
    expect(uploadProblem(toApiError({ status: 413, body: { error: { code: "payload_too_large", message: "over 50 MiB" } } }))).toEqual({ headline: "Too large", detail: "over 50 MiB" });
    expect(uploadProblem(toApiError({ status: 413, body: null })).headline).toBe("Too large"); // a proxy's HTML page
    expect(uploadProblem(toApiError({ status: 403, body: { error: { code: "forbidden", message: "" } } })).headline).toBe("You may not upload files");
    expect(uploadProblem(toApiError({ status: 422, body: { error: { code: "validation_failed", message: "invalid", fields: { focal_x: "must be between 0 and 1" } } } })).detail).toBe("invalid — focal_x: must be between 0 and 1");
    expect(uploadProblem(toApiError({ status: 502, body: null })).headline).toBe("The server could not store this file");
  });
});

describe("media formatting", () => {
  it("writes sizes, kinds and types for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(14_336)).toBe("14 KB");
    expect(formatBytes(3.25 * 1024 * 1024)).toBe("3.3 MB");
    expect(mediaKind("image/webp")).toBe("image");
    expect(mediaKind("application/pdf")).toBe("document");
    expect(typeLabel({ filename: "report.pdf", mime: "application/pdf" })).toBe("PDF document");
    expect(typeLabel({ filename: "noext", mime: "audio/mpeg" })).toBe("MPEG audio");
    expect(missingAlt({ mime: "image/png", alt: "  " })).toBe(true);
    expect(missingAlt({ mime: "application/pdf", alt: "" })).toBe(false);
    expect(clamp01(1.2)).toBe(1);
    expect(clamp01(0.12345)).toBe(0.123);
  });

  it("adds variant parameters after the version tag", () => {
    expect(variantURL("/media/m1/a.jpg?v=ab12", { w: 400, fm: "webp" })).toBe("/media/m1/a.jpg?v=ab12&w=400&fm=webp");
    expect(variantURL("/media/m1/a.jpg", { w: 400 })).toBe("/media/m1/a.jpg?w=400");
    expect(thumbnail({ url: "/media/m1/a.jpg?v=1", mime: "image/jpeg", width: 1200 }, 200)).toEqual({
      src: "/media/m1/a.jpg?v=1&w=200&fm=webp",
      srcSet: "/media/m1/a.jpg?v=1&w=200&fm=webp 1x, /media/m1/a.jpg?v=1&w=400&fm=webp 2x",
    });
    expect(thumbnail({ url: "/media/m2/a.svg?v=1", mime: "image/svg+xml", width: null }).src).toBe("/media/m2/a.svg?v=1");
  });
});

import { cropPosition } from "./FocalPoint";

describe("crop previews", () => {
  it("centre the crop on the focal point and keep it inside the image", () => {
    // A 2:1 image in a square box keeps half its width.
    expect(cropPosition(2, 1, 0.5, 0.5)).toBe("50.0% 50.0%");
    expect(cropPosition(2, 1, 0.25, 0.5)).toBe("0.0% 50.0%"); // the crop starts at 0
    expect(cropPosition(2, 1, 0.6, 0.5)).toBe("70.0% 50.0%"); // starts at 0.35 of the 0.5 it can slide
    expect(cropPosition(2, 1, 1, 0.2)).toBe("100.0% 50.0%");
    // A square image in a wide box keeps 9/16 of its height.
    expect(cropPosition(1, 16 / 9, 0.1, 0.9)).toBe("50.0% 100.0%");
  });
});
