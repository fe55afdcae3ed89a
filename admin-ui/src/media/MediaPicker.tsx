import { useCallback, useEffect, useRef, useState } from "react";
import type { Media } from "../api/client";
import { useAuth } from "../auth";
import { Dialog } from "../components/Dialog";
import type { Kind } from "./format";
import { dimensions, formatBytes, mediaKind, missingAlt, typeLabel } from "./format";
import { AltBadge, Library, Thumb } from "./Library";
import { canUpload, CloseButton } from "./MediaDetail";
import { DropOverlay, UploadButton, UploadIcon, UploadList, useFileDrop } from "./Uploads";
import { useUploads } from "./useUploads";
import { useMediaItem } from "./queries";

type Props = {
  title: string;
  lockKind?: Kind;
  initialId?: string | null;
  chooseLabel?: string;
  onChoose: (m: Media) => void;
  onClose: () => void;
};

const accepts: Record<Kind, string> = { image: "image/*", video: "video/*", audio: "audio/*", document: "" };

/**
 * MediaPicker is the library in a dialog: search, filter, pick one, or
 * upload new files (button, drop or paste), which are picked as they arrive.
 */
export function MediaPicker({ title, lockKind, initialId, chooseLabel = "Choose", onChoose, onClose }: Props) {
  const { user } = useAuth();
  const uploader = canUpload(user);
  const [selected, setSelected] = useState<Media | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(initialId ?? null);
  const select = (m: Media) => {
    setSelected(m);
    setSelectedId(m.id);
  };
  // The field's current file starts out picked.
  const current = useMediaItem(initialId);
  useEffect(() => {
    if (current.data && !selected && selectedId === current.data.id) setSelected(current.data);
  }, [current.data, selected, selectedId]);
  const uploads = useUploads((m) => {
    if (!lockKind || mediaKind(m.mime) === lockKind) select(m);
  });
  const add = useCallback((files: File[]) => void uploads.add(files), [uploads]);
  const box = useRef<HTMLDivElement>(null);
  const root = useCallback(() => box.current, []);
  const dragging = useFileDrop(add, uploader, root);
  const choose = (m: Media | null) => m && onChoose(m);

  return (
    <Dialog labelledBy="picker-title" onClose={onClose} className="picker">
      <div className="dialog-body picker-body" ref={box}>
        <div className="dialog-head">
          <h2 id="picker-title">{title}</h2>
          <CloseButton onClose={onClose} />
        </div>
        {uploader && (
          <div className="dropzone">
            <UploadIcon />
            <span>Drop {lockKind === "image" ? "images" : "files"} here or paste them, or</span>
            <UploadButton onFiles={add} accept={lockKind ? accepts[lockKind] : undefined} label="Upload" className="secondary" />
          </div>
        )}
        <UploadList uploads={uploads} />
        <Library mode="pick" idPrefix="picker" lockKind={lockKind} selectedId={selectedId} onActivate={select} onChoose={choose} />
        <DropOverlay show={dragging} />
      </div>
      <div className="dialog-foot">
        <div className="picked" aria-live="polite">
          {selected ? (
            <>
              <Thumb item={selected} width={96} className="thumb thumb-small" />
              <span>
                <strong>{selected.filename}</strong>
                <span className="muted">
                  {" "}
                  {typeLabel(selected)} · {formatBytes(selected.size)}
                  {dimensions(selected) && ` · ${dimensions(selected)}`}
                </span>
                {missingAlt(selected) && (
                  <>
                    {" "}
                    <AltBadge item={selected} />
                  </>
                )}
              </span>
            </>
          ) : (
            <span className="muted">Nothing picked yet.</span>
          )}
        </div>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="button" aria-disabled={!selected} onClick={() => choose(selected)}>
          {chooseLabel}
        </button>
      </div>
    </Dialog>
  );
}
