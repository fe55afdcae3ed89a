import { useEffect, useRef, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type Media, type User } from "../api/client";
import { hasRole, useAuth } from "../auth";
import { Link } from "../router";
import { Dialog } from "../components/Dialog";
import { ErrorNote, Loading, StatusBadge, when } from "../components/ui";
import { dimensions, formatBytes, mediaKind, percent, typeLabel } from "./format";
import { CropPreviews, FocalPoint } from "./FocalPoint";
import { FileIcon } from "./Library";
import { useMediaItem, useMediaUsage } from "./queries";
import { uploadFile, uploadProblem, type Progress } from "./upload";

/** canChange tells whether a user may edit, replace or delete a media item (the contract's Roles table). */
export function canChange(user: User | null, m: Pick<Media, "created_by">): boolean {
  return hasRole(user, "admin") || (hasRole(user, "editor") && m.created_by.id === user?.id);
}

export function canUpload(user: User | null): boolean {
  return hasRole(user, "admin", "editor");
}

type Draft = { alt: string; title: string; focal_x: number; focal_y: number };
const draftOf = (m: Media): Draft => ({ alt: m.alt, title: m.title, focal_x: m.focal_x, focal_y: m.focal_y });
const same = (a: Draft, b: Draft) => a.alt === b.alt && a.title === b.title && a.focal_x === b.focal_x && a.focal_y === b.focal_y;

/** MediaDetail is the dialog of one media item: preview, details, alt text, focal point, usage, replace and delete. */
export function MediaDetail({ initial, id, onClose }: { initial?: Media; id: string; onClose: () => void }) {
  const q = useMediaItem(id);
  const item = q.data ?? initial;
  return (
    <Dialog labelledBy="media-detail-title" onClose={onClose} className="media-detail">
      {item ? (
        <DetailBody key={item.id} item={item} onClose={onClose} />
      ) : (
        <div className="dialog-body">
          <div className="dialog-head">
            <h2 id="media-detail-title">File</h2>
            <CloseButton onClose={onClose} />
          </div>
          {q.error ? <ErrorNote error={q.error} /> : <Loading />}
        </div>
      )}
    </Dialog>
  );
}

export function CloseButton({ onClose }: { onClose: () => void }) {
  return (
    <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
      </svg>
    </button>
  );
}

function DetailBody({ item, onClose }: { item: Media; onClose: () => void }) {
  const { user } = useAuth();
  const qc = useQueryClient();
  const editable = canChange(user, item);
  const [base, setBase] = useState<Media>(item); // the version the next save claims to edit
  const [draft, setDraft] = useState<Draft>(() => draftOf(item));
  const [notice, setNotice] = useState("");
  const [conflict, setConflict] = useState<Draft | null>(null); // what this user tried to save over someone else's change
  const dirty = !same(draft, draftOf(base));

  // Follow the server while nothing is edited here.
  useEffect(() => {
    if (item.version !== base.version && !dirty) {
      setBase(item);
      setDraft(draftOf(item));
    }
  }, [item, base.version, dirty]);

  const settle = (m: Media) => {
    qc.setQueryData(["media", "item", m.id], m);
    qc.invalidateQueries({ queryKey: ["media", "list"] });
  };

  const save = useMutation({
    mutationFn: (sent: { draft: Draft; base: Media }) => {
      const before = draftOf(sent.base);
      const body: Record<string, unknown> = { version: sent.base.version };
      for (const k of Object.keys(sent.draft) as (keyof Draft)[]) if (sent.draft[k] !== before[k]) body[k] = sent.draft[k];
      return unwrap(api.PATCH("/api/media/{id}", { params: { path: { id: item.id } }, body: body as { version: number } }));
    },
    onSuccess: (m) => {
      settle(m);
      setBase(m);
      setDraft(draftOf(m));
      setConflict(null);
      setNotice("Saved.");
    },
    onError: async (err, sent) => {
      setNotice("");
      if (err instanceof ApiError && err.code === "version_conflict") {
        const fresh = await unwrap(api.GET("/api/media/{id}", { params: { path: { id: item.id } } })).catch(() => null);
        if (fresh) {
          settle(fresh);
          setBase(fresh);
          setDraft(draftOf(fresh));
        }
        setConflict(sent.draft);
        save.reset();
      }
    },
  });

  const [replacing, setReplacing] = useState<Progress | null>(null);
  const [replaceProblem, setReplaceProblem] = useState<{ headline: string; detail: string } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const replace = async (file: File) => {
    setReplaceProblem(null);
    setNotice("");
    setReplacing({ loaded: 0, total: file.size });
    try {
      const m = await uploadFile(file, { method: "PUT", url: `/api/media/${encodeURIComponent(item.id)}/file`, onProgress: setReplacing });
      settle(m);
      // Keep what is being edited here, on top of the new version.
      setBase(m);
      if (!dirty) setDraft(draftOf(m));
      setNotice(`Replaced with ${file.name}.`);
    } catch (err) {
      setReplaceProblem(uploadProblem(err));
    } finally {
      setReplacing(null);
    }
  };

  const [confirming, setConfirming] = useState(false);
  const usage = useMediaUsage(item.id);
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/media/{id}", { params: { path: { id: item.id } } })),
    onSuccess: () => {
      qc.removeQueries({ queryKey: ["media", "item", item.id] });
      qc.invalidateQueries({ queryKey: ["media", "list"] });
      onClose();
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === "conflict") qc.invalidateQueries({ queryKey: ["media", "usage", item.id] });
    },
  });
  const inUse = remove.error instanceof ApiError && remove.error.code === "conflict";

  const kind = mediaKind(base.mime);
  const missing = kind === "image" && !draft.alt.trim();
  const pct = replacing && replacing.total ? Math.round((replacing.loaded / replacing.total) * 100) : 0;

  return (
    <div className="dialog-body">
      <div className="dialog-head">
        <h2 id="media-detail-title" title={base.filename}>
          {base.filename}
        </h2>
        <CloseButton onClose={onClose} />
      </div>
      <div className="detail-grid">
        <div className="detail-preview">
          {kind === "image" ? (
            <FocalPoint item={base} x={draft.focal_x} y={draft.focal_y} onChange={editable ? (x, y) => setDraft({ ...draft, focal_x: x, focal_y: y }) : undefined} />
          ) : kind === "video" ? (
            <video src={base.url} controls preload="metadata" aria-label={`Video: ${base.filename}`} />
          ) : kind === "audio" ? (
            <div className="audio-preview">
              <FileIcon mime={base.mime} filename={base.filename} />
              <audio src={base.url} controls preload="metadata" aria-label={`Audio: ${base.filename}`} />
            </div>
          ) : (
            <div className="file-preview">
              <FileIcon mime={base.mime} filename={base.filename} />
            </div>
          )}
          {kind === "image" && <CropPreviews item={base} x={draft.focal_x} y={draft.focal_y} />}
          {kind === "image" && (
            <p className="help" id="focal-help">
              {editable ? "Click the image to set the focal point, the part that crops keep; or focus the marker and use the arrow keys (Shift for bigger steps, Home to centre). " : ""}
              Focal point: {percent(draft.focal_x)} from the left, {percent(draft.focal_y)} from the top.
            </p>
          )}
          <dl className="meta-list">
            <dt>Type</dt>
            <dd>
              {typeLabel(base)} <span className="muted">({base.mime})</span>
            </dd>
            <dt>Size</dt>
            <dd>{formatBytes(base.size)}</dd>
            {dimensions(base) && (
              <>
                <dt>Dimensions</dt>
                <dd>{dimensions(base)} px</dd>
              </>
            )}
            <dt>Uploaded</dt>
            <dd>
              {when(base.created_at)} by {base.created_by.name}
            </dd>
            {base.updated_at !== base.created_at && (
              <>
                <dt>Changed</dt>
                <dd>{when(base.updated_at)}</dd>
              </>
            )}
          </dl>
          <p className="actions">
            <a href={base.url} download={base.filename} className="button-link secondary">
              Download
            </a>
            <a href={base.url} target="_blank" rel="noopener" className="button-link secondary">
              Open original
            </a>
            <CopyLink url={base.url} />
          </p>
        </div>

        <form
          className="detail-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (editable && dirty && !save.isPending) save.mutate({ draft, base });
          }}
        >
          {conflict && (
            <div className="conflict" role="alert">
              <p>
                <strong>Someone else changed this file</strong> while you were editing. Their version is shown now; yours was not saved.
              </p>
              <p className="muted">
                Yours: {conflict.alt !== base.alt ? `alt text “${conflict.alt}”` : ""}
                {conflict.title !== base.title ? ` title “${conflict.title}”` : ""}
                {conflict.focal_x !== base.focal_x || conflict.focal_y !== base.focal_y ? ` focal point ${percent(conflict.focal_x)} × ${percent(conflict.focal_y)}` : ""}
              </p>
              <div className="actions">
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setDraft(conflict);
                    setConflict(null);
                  }}
                >
                  Use mine again
                </button>
                <button type="button" className="secondary" onClick={() => setConflict(null)}>
                  Keep theirs
                </button>
              </div>
            </div>
          )}
          <div className="field">
            <label htmlFor="media-alt">Alt text</label>
            <textarea
              id="media-alt"
              rows={3}
              value={draft.alt}
              disabled={!editable}
              aria-describedby="media-alt-help"
              aria-invalid={missing ? true : undefined}
              onChange={(e) => {
                setDraft({ ...draft, alt: e.target.value });
                setNotice("");
              }}
            />
            <p className={missing ? "warn-note" : "help"} id="media-alt-help">
              {missing ? "Missing alt text: people who cannot see the image hear this instead. Describe what it shows, in a sentence." : kind === "image" ? "Describes the image for people who cannot see it." : "Optional for files that are not images."}
            </p>
          </div>
          <div className="field">
            <label htmlFor="media-title">Title</label>
            <input id="media-title" value={draft.title} disabled={!editable} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />
          </div>
          {kind === "image" && editable && (
            <div className="field focal-fields">
              <span className="label">Focal point</span>
              <span className="muted">
                {percent(draft.focal_x)} × {percent(draft.focal_y)}
              </span>
              <button type="button" className="link" onClick={() => setDraft({ ...draft, focal_x: 0.5, focal_y: 0.5 })}>
                Centre
              </button>
            </div>
          )}
          {save.error && !(save.error instanceof ApiError && save.error.code === "version_conflict") && <ErrorNote error={save.error} />}
          {editable ? (
            <div className="actions">
              <button type="submit" aria-disabled={!dirty || save.isPending}>
                Save
              </button>
              {dirty && (
                <button type="button" className="secondary" onClick={() => setDraft(draftOf(base))}>
                  Undo changes
                </button>
              )}
              <span className="muted" role="status">
                {save.isPending ? "Saving…" : notice || (dirty ? "Unsaved changes" : "")}
              </span>
            </div>
          ) : (
            <p className="notice">{hasRole(user, "reviewer") && !hasRole(user, "editor", "admin") ? "Reviewers can look at media but not change it." : "Only the person who uploaded this file, or an admin, can change it."}</p>
          )}

          {editable && (
            <div className="replace">
              <h3>Replace file</h3>
              <p className="help">Upload a new version. Everything that uses this file keeps pointing at it.</p>
              <button type="button" className="secondary" disabled={!!replacing} onClick={() => fileInput.current?.click()}>
                Replace file…
              </button>
              <input
                ref={fileInput}
                type="file"
                className="sr-only"
                tabIndex={-1}
                aria-hidden="true"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = "";
                  if (f) void replace(f);
                }}
              />
              {replacing && <progress max={100} value={pct} aria-label="Replacing the file" />}
              {replaceProblem && (
                <p className="upload-error" role="alert">
                  <strong>{replaceProblem.headline}</strong>
                  {replaceProblem.detail && <> — {replaceProblem.detail}</>}
                </p>
              )}
            </div>
          )}

          <section className="usage" aria-labelledby="usage-title">
            <h3 id="usage-title">Used in</h3>
            {usage.isPending ? (
              <Loading />
            ) : usage.error ? (
              <ErrorNote error={usage.error} />
            ) : usage.data.length === 0 ? (
              <p className="muted">No entry uses this file.</p>
            ) : (
              <ul className="entry-list">
                {usage.data.map((u) => (
                  <li key={u.entry_id}>
                    <Link to={`/entries/${u.entry_id}`} onClick={onClose}>
                      {u.title || "Untitled"}
                    </Link>{" "}
                    <span className="muted">{u.type}</span> <StatusBadge status={u.status} />
                  </li>
                ))}
              </ul>
            )}
          </section>

          {editable && (
            <div className="danger-zone">
              {!confirming ? (
                <button type="button" className="danger" onClick={() => setConfirming(true)}>
                  Delete file…
                </button>
              ) : (
                <div className="confirm" role="alertdialog" aria-labelledby="delete-title" aria-describedby="delete-text">
                  <h3 id="delete-title" tabIndex={-1} ref={(h) => h?.focus()}>
                    Delete {base.filename}?
                  </h3>
                  <p id="delete-text">
                    {usage.data?.length
                      ? `It is used in ${usage.data.length} ${usage.data.length === 1 ? "entry" : "entries"}, so it cannot be deleted until they stop using it.`
                      : "The file and all its sizes are removed for good. This cannot be undone."}
                  </p>
                  {inUse && (
                    <p className="error" role="alert">
                      This file is still in use{usage.data?.length ? `: ${usage.data.map((u) => u.title || "Untitled").join(", ")}` : ""}. Remove it from {usage.data?.length === 1 ? "that entry" : "those entries"} first.
                    </p>
                  )}
                  {remove.error && !inUse && <ErrorNote error={remove.error} />}
                  <div className="actions">
                    <button type="button" className="danger solid" disabled={remove.isPending} onClick={() => remove.mutate()}>
                      {remove.isPending ? "Deleting…" : "Delete for good"}
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => {
                        setConfirming(false);
                        remove.reset();
                      }}
                    >
                      Cancel
                    </button>
                  </div>
                </div>
              )}
            </div>
          )}
        </form>
      </div>
    </div>
  );
}

function CopyLink({ url }: { url: string }) {
  const [copied, setCopied] = useState("");
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(new URL(url, window.location.origin).href);
            setCopied("Link copied.");
          } catch {
            setCopied("Copying is not allowed here: use Open original and copy its address.");
          }
        }}
      >
        Copy link
      </button>
      <span className="muted" role="status">
        {copied}
      </span>
    </>
  );
}
