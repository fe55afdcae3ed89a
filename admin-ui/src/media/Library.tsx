import { useEffect, useState, type KeyboardEvent, type ReactNode } from "react";
import type { Media } from "../api/client";
import { ErrorNote, Loading, when } from "../components/ui";
import { dimensions, extension, formatBytes, kinds, mediaKind, missingAlt, thumbnail, typeLabel, type Kind } from "./format";
import { sorts, useMediaLibrary, type MediaFilter } from "./queries";

export function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** FileIcon stands for a file that has no picture of its own. */
export function FileIcon({ mime, filename }: { mime: string; filename: string }) {
  const k = mediaKind(mime);
  return (
    <span className={`file-icon kind-${k}`} aria-hidden="true">
      <svg viewBox="0 0 40 48" width="40" height="48" focusable="false">
        <path d="M4 2h22l10 10v32a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z" fill="currentColor" opacity="0.15" />
        <path d="M4 2h22l10 10v32a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z M26 2v10h10" fill="none" stroke="currentColor" strokeWidth="2" />
        {k === "video" && <path d="M15 20v12l10-6z" fill="currentColor" />}
        {k === "audio" && <path d="M22 18v11.5a3.5 3.5 0 1 1-2-3.2V18h6v3h-4z" fill="currentColor" />}
      </svg>
      <span className="file-ext">{extension(filename, mime).slice(0, 5)}</span>
    </span>
  );
}

/** Thumb is a media item's small picture: a webp variant over its blurred placeholder, or a file icon. */
export function Thumb({ item, width = 400, className = "thumb" }: { item: Media; width?: number; className?: string }) {
  const [failed, setFailed] = useState(false);
  if (mediaKind(item.mime) !== "image") {
    return (
      <span className={`${className} thumb-file`}>
        <FileIcon mime={item.mime} filename={item.filename} />
      </span>
    );
  }
  const t = failed ? { src: item.url } : thumbnail(item, width);
  return (
    <span className={className} style={item.placeholder ? { backgroundImage: `url("${item.placeholder}")` } : undefined}>
      <img src={t.src} srcSet={t.srcSet} alt="" loading="lazy" decoding="async" width={item.width ?? undefined} height={item.height ?? undefined} onError={() => setFailed(true)} />
    </span>
  );
}

export function AltBadge({ item }: { item: Media }) {
  if (!missingAlt(item)) return null;
  return <span className="badge badge-warn">No alt text</span>;
}

type Props = {
  /** "pick": the cards select (Enter / double-click choose); otherwise they open. */
  mode: "page" | "pick";
  view?: "grid" | "list";
  lockKind?: Kind;
  selectedId?: string | null;
  onActivate: (m: Media) => void;
  onChoose?: (m: Media) => void;
  /** Shown instead of the empty message when the library has nothing at all. */
  emptyLibrary?: ReactNode;
  /** Several files ticked for a bulk action (the page's Delete), where canSelect allows. */
  checked?: ReadonlySet<string>;
  onCheck?: (m: Media, on: boolean) => void;
  canCheck?: (m: Media) => boolean;
  toolbarEnd?: ReactNode;
  idPrefix: string;
};

/**
 * gridKeys lets the arrow keys move between the cards of a grid (Home and
 * End to the first and last), on top of Tab.
 */
function gridKeys(e: KeyboardEvent<HTMLUListElement>) {
  const cards = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(".media-card"));
  const i = cards.indexOf(e.target as HTMLElement);
  if (i < 0) return;
  const top = (el: HTMLElement) => el.getBoundingClientRect().top;
  const columns = Math.max(1, cards.findIndex((c) => top(c) > top(cards[0]!) + 1) === -1 ? cards.length : cards.findIndex((c) => top(c) > top(cards[0]!) + 1));
  const to: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1, ArrowDown: i + columns, ArrowUp: i - columns, Home: 0, End: cards.length - 1 };
  const next = to[e.key];
  if (next === undefined || next < 0 || next >= cards.length) return;
  e.preventDefault();
  cards[next]!.focus();
}

/** Library is the searchable, filterable media library, as a grid or a table, with "load more". */
export function Library({ mode, view = "grid", lockKind, selectedId, onActivate, onChoose, emptyLibrary, toolbarEnd, idPrefix, checked, onCheck, canCheck }: Props) {
  const checkbox = (m: Media) =>
    onCheck && canCheck?.(m) ? (
      <input type="checkbox" className="media-check" checked={checked?.has(m.id) ?? false} onChange={(e) => onCheck(m, e.target.checked)} aria-label={`Select ${m.filename}`} />
    ) : null;
  const [search, setSearch] = useState("");
  const [type, setType] = useState<Kind | "">(lockKind ?? "");
  const [sort, setSort] = useState("-created_at");
  const filter: MediaFilter = { search: useDebounced(search), type, sort };
  const q = useMediaLibrary(filter);
  const items = q.data?.pages.flatMap((p) => p.data) ?? [];
  const total = q.data?.pages[0]?.meta.total ?? 0;
  const capped = q.data?.pages[0]?.meta.capped ?? false; // the server counts up to 10,000
  const filtered = !!filter.search.trim() || (!!type && !lockKind);

  return (
    <div className="library">
      <form className="filters media-filters" role="search" aria-label="Media" onSubmit={(e) => e.preventDefault()}>
        <div className="grow">
          <label htmlFor={`${idPrefix}-search`}>Search</label>
          <input id={`${idPrefix}-search`} type="search" value={search} placeholder="File name, alt text or title" onChange={(e) => setSearch(e.target.value)} />
        </div>
        {!lockKind && (
          <div>
            <span className="label" id={`${idPrefix}-type-label`}>
              Type
            </span>
            <div className="toggle segmented" role="group" aria-labelledby={`${idPrefix}-type-label`}>
              {kinds.map((k) => (
                <button key={k.value} type="button" aria-pressed={type === k.value} onClick={() => setType(k.value)}>
                  {k.label}
                </button>
              ))}
            </div>
          </div>
        )}
        <div>
          <label htmlFor={`${idPrefix}-sort`}>Sort</label>
          <select id={`${idPrefix}-sort`} value={sort} onChange={(e) => setSort(e.target.value)}>
            {sorts.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        {toolbarEnd}
      </form>

      <p className="muted result-count" role="status">
        {q.isPending ? "" : q.error ? "" : total === 0 ? "" : `${capped ? `more than ${total.toLocaleString()}` : total} file${total === 1 ? "" : "s"}${filtered ? (total === 1 ? " matches" : " match") : ""}`}
      </p>

      {q.isPending ? (
        <Loading label="Loading the library" />
      ) : q.error ? (
        <ErrorNote error={q.error} />
      ) : items.length === 0 ? (
        filtered || !emptyLibrary ? <p className="empty">{filtered ? "No files match. Try other words or another type." : "No files yet."}</p> : emptyLibrary
      ) : view === "list" ? (
        <table className="table media-table">
          <caption className="sr-only">Media files</caption>
          <thead>
            <tr>
              {onCheck && (
                <th scope="col">
                  <span className="sr-only">Select</span>
                </th>
              )}
              <th scope="col">
                <span className="sr-only">Preview</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Size</th>
              <th scope="col">Dimensions</th>
              <th scope="col">Alt text</th>
              <th scope="col">Uploaded</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id} className={selectedId === m.id ? "selected" : undefined}>
                {onCheck && <td className="cell-check">{checkbox(m)}</td>}
                <td className="cell-thumb">
                  <Thumb item={m} width={96} className="thumb thumb-small" />
                </td>
                <td>
                  <button type="button" className="link media-open" aria-pressed={mode === "pick" ? selectedId === m.id : undefined} onClick={() => onActivate(m)} onDoubleClick={() => onChoose?.(m)}>
                    {m.filename}
                  </button>
                  {m.title && <div className="muted">{m.title}</div>}
                </td>
                <td>{typeLabel(m)}</td>
                <td>{formatBytes(m.size)}</td>
                <td>{dimensions(m)}</td>
                <td>{missingAlt(m) ? <AltBadge item={m} /> : <span className="clamp">{m.alt}</span>}</td>
                <td>
                  {when(m.created_at)}
                  <div className="muted">{m.created_by.name}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <ul className={`media-grid ${mode === "pick" ? "compact" : ""}`} aria-label="Media files" onKeyDown={gridKeys}>
          {items.map((m) => (
            <li key={m.id} className={checked?.has(m.id) ? "checked" : undefined}>
              {checkbox(m)}
              <button
                type="button"
                className="media-card"
                aria-pressed={mode === "pick" ? selectedId === m.id : undefined}
                onClick={() => onActivate(m)}
                onDoubleClick={() => onChoose?.(m)}
                onKeyDown={(e) => {
                  if (mode === "pick" && e.key === "Enter" && selectedId === m.id && onChoose) {
                    e.preventDefault();
                    onChoose(m);
                  }
                }}
              >
                <Thumb item={m} />
                <span className="media-card-body">
                  <span className="media-name" title={m.filename}>
                    {m.filename}
                  </span>
                  <span className="muted">
                    {extension(m.filename, m.mime)} · {formatBytes(m.size)}
                    {dimensions(m) && ` · ${dimensions(m)}`}
                  </span>
                </span>
                <AltBadge item={m} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {q.hasNextPage && (
        <div className="load-more">
          <button type="button" className="secondary" disabled={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
            {q.isFetchingNextPage ? "Loading…" : `Load more (${total - items.length} more)`}
          </button>
        </div>
      )}
    </div>
  );
}
