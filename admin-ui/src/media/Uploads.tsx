import { useEffect, useRef, useState, type ReactNode } from "react";
import type { Uploads } from "./useUploads";
import { formatBytes } from "./format";

/** UploadButton opens the file chooser (several files at once). */
export function UploadButton({ onFiles, accept, multiple = true, label = "Upload", className }: { onFiles: (f: File[]) => void; accept?: string; multiple?: boolean; label?: ReactNode; className?: string }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={className} onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        className="sr-only"
        tabIndex={-1}
        aria-hidden="true"
        multiple={multiple}
        accept={accept}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = ""; // the same file can be chosen again
          if (files.length) onFiles(files);
        }}
      />
    </>
  );
}

function hasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");
}

/**
 * useFileDrop takes files dropped anywhere on the page, or pasted (Ctrl+V
 * of copied files or a screenshot), while enabled. It tells whether files
 * are being dragged over the page, for an overlay.
 */
export function useFileDrop(onFiles: (f: File[]) => void, enabled: boolean, root?: () => HTMLElement | null) {
  const [dragging, setDragging] = useState(false);
  const cb = useRef(onFiles);
  cb.current = onFiles;
  useEffect(() => {
    if (!enabled) return;
    const target: HTMLElement | Window = root?.() ?? window;
    let depth = 0;
    const enter = (e: Event) => {
      if (!hasFiles(e as DragEvent)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (e: Event) => {
      if (!hasFiles(e as DragEvent)) return;
      e.preventDefault();
      (e as DragEvent).dataTransfer!.dropEffect = "copy";
    };
    const leave = (e: Event) => {
      if (!hasFiles(e as DragEvent)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: Event) => {
      const d = e as DragEvent;
      if (!hasFiles(d)) return;
      e.preventDefault();
      e.stopPropagation();
      depth = 0;
      setDragging(false);
      const files = Array.from(d.dataTransfer?.files ?? []);
      if (files.length) cb.current(files);
    };
    const paste = (e: Event) => {
      const c = e as ClipboardEvent;
      const files = Array.from(c.clipboardData?.files ?? []);
      if (!files.length) return;
      // Pasted into the rich-text editor: that editor takes it.
      if ((e.target as HTMLElement | null)?.closest?.(".ProseMirror")) return;
      e.preventDefault();
      cb.current(files);
    };
    target.addEventListener("dragenter", enter);
    target.addEventListener("dragover", over);
    target.addEventListener("dragleave", leave);
    target.addEventListener("drop", drop);
    target.addEventListener("paste", paste);
    return () => {
      target.removeEventListener("dragenter", enter);
      target.removeEventListener("dragover", over);
      target.removeEventListener("dragleave", leave);
      target.removeEventListener("drop", drop);
      target.removeEventListener("paste", paste);
      setDragging(false);
    };
  }, [enabled, root]);
  return dragging;
}

export function DropOverlay({ show, label = "Drop files to upload them" }: { show: boolean; label?: string }) {
  if (!show) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div>
        <UploadIcon />
        <p>{label}</p>
      </div>
    </div>
  );
}

export function UploadIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" focusable="false">
      <path d="M12 3l5 5h-3v6h-4V8H7l5-5zM5 16h2v3h10v-3h2v5H5v-5z" fill="currentColor" />
    </svg>
  );
}

/** UploadList shows each upload with its own progress bar and its own outcome. */
export function UploadList({ uploads, onOpen }: { uploads: Uploads; onOpen?: (key: number) => void }) {
  const { items } = uploads;
  if (!items.length) return null;
  const busy = items.filter((u) => u.status === "uploading" || u.status === "queued").length;
  const failed = items.filter((u) => u.status === "error").length;
  return (
    <section className="uploads" aria-labelledby="uploads-title">
      <div className="uploads-head">
        <h2 id="uploads-title">Uploads</h2>
        <span className="muted" role="status">
          {busy ? `Uploading ${busy} file${busy === 1 ? "" : "s"}…` : failed ? `${failed} upload${failed === 1 ? "" : "s"} failed` : "All uploads finished"}
        </span>
        {busy < items.length && (
          <button type="button" className="link" onClick={uploads.clearFinished}>
            Clear finished
          </button>
        )}
      </div>
      <ul>
        {items.map((u) => {
          const pct = u.progress.total ? Math.min(100, Math.round((u.progress.loaded / u.progress.total) * 100)) : 0;
          const nameId = `upload-${u.key}-name`;
          return (
            <li key={u.key} className={`upload upload-${u.status}`} aria-labelledby={nameId}>
              <div className="upload-line">
                <span className="upload-name" id={nameId} title={u.file.name}>
                  {u.file.name}
                </span>
                <span className="muted">{formatBytes(u.file.size)}</span>
                <span className="upload-state">
                  {u.status === "queued" && "Waiting…"}
                  {u.status === "uploading" && (u.progress.loaded >= u.progress.total && u.progress.total > 0 ? "Processing…" : `${pct}%`)}
                  {u.status === "done" && "Uploaded"}
                  {u.status === "cancelled" && "Cancelled"}
                </span>
                <span className="upload-tools">
                  {(u.status === "uploading" || u.status === "queued") && (
                    <button type="button" className="link" onClick={() => uploads.cancel(u.key)} aria-label={`Cancel uploading ${u.file.name}`}>
                      Cancel
                    </button>
                  )}
                  {u.status === "done" && onOpen && u.media && (
                    <button type="button" className="link" onClick={() => onOpen(u.key)}>
                      {u.media.mime.startsWith("image/") && !u.media.alt ? "Add alt text" : "Open"}
                      <span className="sr-only"> {u.media.mime.startsWith("image/") && !u.media.alt ? "to" : "of"} {u.file.name}</span>
                    </button>
                  )}
                  {(u.status === "error" || u.status === "cancelled") && (
                    <button type="button" className="link" onClick={() => uploads.retry(u.key)} aria-label={`Retry ${u.file.name}`}>
                      Retry
                    </button>
                  )}
                  {u.status !== "uploading" && u.status !== "queued" && (
                    <button type="button" className="link" onClick={() => uploads.dismiss(u.key)} aria-label={`Dismiss ${u.file.name}`}>
                      Dismiss
                    </button>
                  )}
                </span>
              </div>
              {(u.status === "uploading" || u.status === "queued") && <progress max={100} value={pct} aria-label={`Uploading ${u.file.name}`} />}
              {u.status === "error" && u.problem && (
                <p className="upload-error" role="alert">
                  <strong>{u.problem.headline}</strong>
                  {u.problem.detail && <> — {u.problem.detail}</>}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
