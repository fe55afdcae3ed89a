import { useCallback, useEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { Media } from "../api/client";
import { uploadFile, uploadProblem, type Progress } from "./upload";

export type Upload = {
  key: number;
  file: File;
  status: "queued" | "uploading" | "done" | "error" | "cancelled";
  progress: Progress;
  problem?: { headline: string; detail: string };
  media?: Media;
};

const PARALLEL = 3; // keeps a connection free for the library's own requests

let nextKey = 0;

/**
 * useUploads runs a queue of uploads, a few at a time, each with its own
 * progress and its own error. onDone hears of every file that was stored.
 */
export function useUploads(onDone?: (m: Media) => void) {
  const qc = useQueryClient();
  const [items, setItems] = useState<Upload[]>([]);
  const controllers = useRef(new Map<number, AbortController>());
  const done = useRef(onDone);
  done.current = onDone;
  // Uploads outlive the page that started them (they still land in the library);
  // only leaving the app altogether would lose them, so the browser asks first.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const busy = items.some((u) => u.status === "uploading" || u.status === "queued");
  useEffect(() => {
    if (!busy) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [busy]);

  const patch = useCallback((key: number, p: Partial<Upload>) => {
    if (mounted.current) setItems((list) => list.map((u) => (u.key === key ? { ...u, ...p } : u)));
  }, []);

  const started = useRef(new Set<Upload>());
  const start = useCallback(
    async (u: Upload) => {
      if (started.current.has(u)) return;
      started.current.add(u);
      const c = new AbortController();
      controllers.current.set(u.key, c);
      patch(u.key, { status: "uploading", problem: undefined, progress: { loaded: 0, total: u.file.size } });
      try {
        const media = await uploadFile(u.file, { signal: c.signal, onProgress: (progress) => patch(u.key, { progress }) });
        patch(u.key, { status: "done", media, progress: { loaded: u.file.size, total: u.file.size } });
        qc.invalidateQueries({ queryKey: ["media"] });
        done.current?.(media);
      } catch (err) {
        const problem = uploadProblem(err);
        patch(u.key, { status: problem.headline === "Cancelled" ? "cancelled" : "error", problem });
      } finally {
        controllers.current.delete(u.key);
      }
    },
    [patch, qc],
  );

  // Start queued uploads while fewer than PARALLEL are running.
  useEffect(() => {
    const running = items.filter((u) => u.status === "uploading").length;
    const waiting = items.filter((u) => u.status === "queued").slice(0, Math.max(0, PARALLEL - running));
    for (const u of waiting) void start(u);
  }, [items, start]);

  const add = useCallback((files: Iterable<File>) => {
    const fresh = Array.from(files, (file): Upload => ({ key: ++nextKey, file, status: "queued", progress: { loaded: 0, total: file.size } }));
    if (fresh.length) setItems((list) => [...fresh, ...list]);
    return fresh.length;
  }, []);
  const cancel = useCallback((key: number) => {
    const c = controllers.current.get(key);
    if (c) c.abort();
    else patch(key, { status: "cancelled", problem: { headline: "Cancelled", detail: "" } });
  }, [patch]);
  const retry = useCallback((key: number) => patch(key, { status: "queued", problem: undefined }), [patch]);
  const dismiss = useCallback((key: number) => setItems((list) => list.filter((u) => u.key !== key)), []);
  const clearFinished = useCallback(() => setItems((list) => list.filter((u) => u.status === "uploading" || u.status === "queued")), []);

  return { items, add, cancel, retry, dismiss, clearFinished };
}

export type Uploads = ReturnType<typeof useUploads>;
