import { ApiError, session, type Media } from "../api/client";

export type Progress = { loaded: number; total: number };

export type UploadOptions = {
  /** POST /api/media (a new item) or PUT /api/media/{id}/file (a replacement). */
  method?: "POST" | "PUT";
  url?: string;
  /** Extra multipart fields: alt, title, focal_x, focal_y, version. */
  fields?: Record<string, string | number | undefined>;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
};

/** The answer of one XMLHttpRequest: its status and its parsed JSON body (or null). */
type Answer = { status: number; body: unknown };

/** AbortError is thrown when an upload is cancelled. */
export class AbortError extends Error {
  constructor() {
    super("The upload was cancelled.");
    this.name = "AbortError";
  }
}

function send(file: File, opts: UploadOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new AbortError());
    const xhr = new XMLHttpRequest();
    xhr.open(opts.method ?? "POST", opts.url ?? "/api/media");
    if (session.access) xhr.setRequestHeader("Authorization", `Bearer ${session.access}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => opts.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    };
    // A refused connection, or a server that closes it mid-upload (which some do past their size limit).
    xhr.onerror = () => resolve({ status: 0, body: null });
    xhr.onabort = () => reject(new AbortError());
    opts.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    for (const [k, v] of Object.entries(opts.fields ?? {})) if (v !== undefined && v !== "") form.append(k, String(v));
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/**
 * uploadFile sends one file as multipart/form-data with XMLHttpRequest (fetch
 * cannot report upload progress), with the session's bearer token. An expired
 * token is refreshed once, silently, and the upload sent again. It resolves to
 * the media item, or throws ApiError with the contract's error body (status 0:
 * the upload never got an answer), or AbortError.
 */
export async function uploadFile(file: File, opts: UploadOptions = {}): Promise<Media> {
  let answer = await send(file, opts);
  if (answer.status === 401 && (await session.refresh())) {
    opts.onProgress?.({ loaded: 0, total: file.size });
    answer = await send(file, opts);
  }
  if (answer.status >= 200 && answer.status < 300) return answer.body as Media;
  throw toApiError(answer);
}

export function toApiError({ status, body }: Answer): ApiError {
  const e = (body as { error?: { code?: string; message?: string; fields?: Record<string, string> } } | null)?.error;
  const code = e?.code ?? (status === 0 ? "network" : status === 413 ? "payload_too_large" : status === 415 ? "unsupported_media_type" : "internal");
  return new ApiError(status, code, e?.message ?? "", e?.fields ?? {});
}

/**
 * uploadProblem says in plain words why an upload failed: a short headline
 * for the code and the server's own explanation, when it gave one.
 */
export function uploadProblem(err: unknown): { headline: string; detail: string } {
  if (err instanceof AbortError) return { headline: "Cancelled", detail: "" };
  if (!(err instanceof ApiError)) return { headline: "Upload failed", detail: err instanceof Error ? err.message : String(err) };
  const headlines: Record<string, string> = {
    payload_too_large: "Too large",
    unsupported_media_type: "This file type is not allowed",
    validation_failed: "Not accepted",
    forbidden: "You may not upload files",
    unauthorized: "Your session has ended: sign in again",
    rate_limited: "Too many uploads at once: try again in a moment",
    network: "The upload did not reach the server",
    conflict: "Someone else changed this file",
    version_conflict: "Someone else changed this file",
    not_found: "This file no longer exists",
  };
  const headline = headlines[err.code] ?? (err.status >= 500 ? "The server could not store this file" : "Upload failed");
  const fields = Object.entries(err.fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join("; ");
  let detail = [err.message, fields].filter(Boolean).join(" — ");
  if (!detail && err.code === "network") detail = "Check your connection, or the file may be over the server's size limit.";
  return { headline, detail };
}
