import { useCallback, useState } from "react";
import type { Media as Item } from "../api/client";
import { useAuth } from "../auth";
import { Library } from "../media/Library";
import { canChange, canUpload, MediaDetail } from "../media/MediaDetail";
import { BulkBar } from "../media/BulkBar";
import { DropOverlay, UploadButton, UploadIcon, UploadList, useFileDrop } from "../media/Uploads";
import { useUploads } from "../media/useUploads";

type View = "grid" | "list";
const VIEW_KEY = "cms.media.view";

/** The item open in the detail dialog is kept in ?item=, so a reload or a shared link opens it again. */
function itemParam(): string | null {
  return new URLSearchParams(window.location.search).get("item");
}
function setItemParam(id: string | null) {
  const u = new URL(window.location.href);
  if (id) u.searchParams.set("item", id);
  else u.searchParams.delete("item");
  window.history.replaceState(null, "", u.pathname + u.search);
}

export function Media() {
  const { user } = useAuth();
  const uploader = canUpload(user);
  const [view, setView] = useState<View>(() => (localStorage.getItem(VIEW_KEY) === "list" ? "list" : "grid"));
  const [open, setOpen] = useState<{ id: string; item?: Item } | null>(() => {
    const id = itemParam();
    return id ? { id } : null;
  });
  const show = (m: { id: string; item?: Item } | null) => {
    setOpen(m);
    setItemParam(m?.id ?? null);
  };
  const uploads = useUploads();
  const [checked, setChecked] = useState<Map<string, Item>>(new Map());
  const check = (m: Item, on: boolean) =>
    setChecked((prev) => {
      const next = new Map(prev);
      if (on) next.set(m.id, m);
      else next.delete(m.id);
      return next;
    });
  const add = useCallback((files: File[]) => void uploads.add(files), [uploads]);
  const dragging = useFileDrop(add, uploader && !open);
  const choose = (v: View) => {
    setView(v);
    localStorage.setItem(VIEW_KEY, v);
  };

  return (
    <section className="media-page">
      <div className="page-head">
        <h1>Media</h1>
        {uploader && (
          <div className="head-tools">
            <span className="muted hint">Drop files anywhere, or paste with Ctrl+V</span>
            <UploadButton onFiles={add} label={<><UploadIcon /> Upload</>} className="with-icon" />
          </div>
        )}
      </div>
      <UploadList
        uploads={uploads}
        onOpen={(key) => {
          const m = uploads.items.find((u) => u.key === key)?.media;
          if (m) show({ id: m.id, item: m });
        }}
      />
      <BulkBar items={[...checked.values()]} onDone={(kept) => setChecked(new Map(kept.map((m) => [m.id, m])))} />
      <Library
        mode="page"
        checked={new Set(checked.keys())}
        onCheck={check}
        canCheck={(m) => canChange(user, m)}
        idPrefix="media"
        view={view}
        onActivate={(m) => show({ id: m.id, item: m })}
        toolbarEnd={
          <div>
            <span className="label" id="media-view-label">
              View
            </span>
            <div className="toggle" role="group" aria-labelledby="media-view-label">
              <button type="button" aria-pressed={view === "grid"} onClick={() => choose("grid")}>
                Grid
              </button>
              <button type="button" aria-pressed={view === "list"} onClick={() => choose("list")}>
                List
              </button>
            </div>
          </div>
        }
        emptyLibrary={
          uploader ? (
            <div className="dropzone big">
              <UploadIcon />
              <p>
                <strong>No files yet.</strong> Drop images, video, audio or documents here, or paste them.
              </p>
              <UploadButton onFiles={add} label="Choose files" />
            </div>
          ) : (
            <p className="empty">No files yet. Editors and admins can upload them.</p>
          )
        }
      />
      <DropOverlay show={dragging} />
      {open && <MediaDetail id={open.id} initial={open.item} onClose={() => show(null)} />}
    </section>
  );
}
