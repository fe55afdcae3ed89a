import { useState } from "react";
import { ApiError } from "../api/client";
import { dimensions, formatBytes, missingAlt, thumbnail as thumbnailOf, typeLabel } from "./format";
import { AltBadge, Thumb } from "./Library";
import { MediaPicker } from "./MediaPicker";
import { useMediaItem } from "./queries";
import { MediaDetail } from "./MediaDetail";

type Props = { id: string; label: string; value: unknown; onChange: (v: unknown) => void; readOnly?: boolean; describedBy?: string; invalid?: boolean };

/** MediaField is the input of a `media` field: the chosen file (thumbnail, name, alt text), Choose and Remove. */
export function MediaField({ id, label, value, onChange, readOnly, describedBy, invalid }: Props) {
  const chosen = typeof value === "string" && value ? value : null;
  const q = useMediaItem(chosen);
  const [picking, setPicking] = useState(false);
  const [details, setDetails] = useState(false);
  const m = q.data;
  const gone = q.error instanceof ApiError && q.error.status === 404;
  return (
    <div className={`media-field ${invalid ? "invalid" : ""}`} role="group" aria-labelledby={`${id}-label`} aria-describedby={describedBy}>
      {chosen ? (
        <div className="media-chosen">
          {m ? <Thumb item={m} width={160} className="thumb thumb-field" /> : <span className="thumb thumb-field" />}
          <div className="media-chosen-text">
            {m ? (
              <>
                <strong className="media-name">{m.filename}</strong>
                <span className="muted">
                  {typeLabel(m)} · {formatBytes(m.size)}
                  {dimensions(m) && ` · ${dimensions(m)}`}
                </span>
                {missingAlt(m) ? (
                  <span>
                    <AltBadge item={m} />{" "}
                    <button type="button" className="link" onClick={() => setDetails(true)}>
                      Add alt text
                    </button>
                  </span>
                ) : m.alt ? (
                  <span className="muted clamp">Alt: {m.alt}</span>
                ) : null}
              </>
            ) : gone ? (
              <span className="error">The chosen file no longer exists. Choose another, or remove it.</span>
            ) : q.error ? (
              <span className="error">{q.error.message}</span>
            ) : (
              <span className="muted">Loading…</span>
            )}
          </div>
        </div>
      ) : (
        <p className="muted media-none">No file chosen.</p>
      )}
      {!readOnly && (
        <div className="row-tools">
          <button type="button" id={id} className="secondary" onClick={() => setPicking(true)} aria-label={`${chosen ? "Change" : "Choose"} ${label.toLowerCase()}`}>
            {chosen ? "Change…" : "Choose…"}
          </button>
          {m && (
            <button type="button" className="secondary" onClick={() => setDetails(true)} aria-label={`Details of ${m.filename}`}>
              Details
            </button>
          )}
          {chosen && (
            <button type="button" className="secondary" onClick={() => onChange(null)} aria-label={`Remove ${label.toLowerCase()}`}>
              Remove
            </button>
          )}
        </div>
      )}
      {details && chosen && <MediaDetail id={chosen} initial={m} onClose={() => setDetails(false)} />}
      {picking && (
        <MediaPicker
          title={`Choose ${label.toLowerCase()}`}
          initialId={chosen}
          onClose={() => setPicking(false)}
          onChoose={(picked) => {
            onChange(picked.id);
            setPicking(false);
          }}
        />
      )}
    </div>
  );
}

/** MediaPreview shows a chosen file as a site would: the image with its alt text, or a link to the file. */
export function MediaPreview({ id }: { id: string }) {
  const q = useMediaItem(id);
  const m = q.data;
  if (!m) return <span className="muted">{q.error ? "The chosen file no longer exists." : "Loading…"}</span>;
  if (m.mime.startsWith("image/")) {
    const t = thumbnailOf(m);
    return <img className="preview-image" src={t.src} srcSet={t.srcSet} alt={m.alt} width={m.width ?? undefined} height={m.height ?? undefined} />;
  }
  return <a href={m.url}>{m.filename}</a>;
}

/** MediaName names a media item by its file name (with a small thumbnail), for diffs. */
export function MediaName({ id }: { id: string }) {
  const q = useMediaItem(id);
  if (!q.data) return <span className="muted">{q.error ? "a deleted file" : id}</span>;
  return (
    <span className="media-name-inline">
      <Thumb item={q.data} width={96} className="thumb thumb-small" /> {q.data.filename}
    </span>
  );
}
