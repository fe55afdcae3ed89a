import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Comment, type ContentType, type Entry, type Field } from "../../api/client";
import { readable } from "../../diff";
import { diffHTML, diffText, type Diffed } from "../../htmldiff";
import { fieldLabel } from "../../components/FieldInput";
import { MediaName } from "../../media/MediaField";
import { ErrorNote, Loading, when } from "../../components/ui";

type Data = Record<string, unknown>;

/** lastReview is the revision the newest approval or change request was about. */
export function lastReview(comments: Comment[] | undefined): Comment | undefined {
  return [...(comments ?? [])].filter((c) => c.kind === "approve" || c.kind === "request_changes").sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
}

function fieldDiff(f: Field | undefined, a: unknown, b: unknown): Diffed {
  if (f?.type === "richtext") return diffHTML(typeof a === "string" ? a : "", typeof b === "string" ? b : "");
  return diffText(readable(f, a), readable(f, b));
}

/**
 * Changes shows the article of one revision with what changed since another
 * marked inside it; by default the changes since the last review.
 */
export function Changes({ entry, type, comments, editable }: { entry: Entry; type: ContentType; comments: Comment[] | undefined; editable: boolean }) {
  const qc = useQueryClient();
  const id = entry.id;
  const newest = entry.revision;
  const list = useQuery({ queryKey: ["revisions", id, newest], queryFn: () => unwrap(api.GET("/api/entries/{id}/revisions", { params: { path: { id } } })) });
  const review = lastReview(comments);
  const defaultLeft = review && review.revision < newest ? review.revision : Math.max(1, newest - 1);
  const [left, setLeft] = useState<number | null>(null);
  const articleRef = useRef<HTMLElement>(null);
  const [right, setRight] = useState(newest);
  const shownLeft = left ?? defaultLeft;
  // The pickers follow new saves: the newest stays compared with until another is picked.
  const prevNewest = useRef(newest);
  useEffect(() => {
    if (prevNewest.current !== newest) {
      setRight((r) => (r === prevNewest.current ? newest : r));
      prevNewest.current = newest;
    }
  }, [newest]);
  const one = (n: number) => ({
    queryKey: ["revision", id, n],
    queryFn: () => unwrap(api.GET("/api/entries/{id}/revisions/{n}", { params: { path: { id, n } } })),
    staleTime: Infinity,
  });
  const a = useQuery(one(shownLeft));
  const b = useQuery(one(right));
  const restore = useMutation({
    mutationFn: (n: number) => unwrap(api.POST("/api/entries/{id}/revisions/{n}/restore", { params: { path: { id, n } }, body: { version: entry.version } })),
    onSuccess: (e) => {
      qc.setQueryData(["entry", id], e);
      qc.invalidateQueries({ queryKey: ["history", id] });
    },
  });
  if (list.isPending) return <Loading />;
  if (list.error) return <ErrorNote error={list.error} />;
  if (list.data.length < 2)
    return (
      <section className="panel" aria-labelledby="changes-title">
        <h2 id="changes-title">Changes</h2>
        <p className="empty">Only one revision so far: each save makes another, and the changes between any two show here.</p>
      </section>
    );
  const choose = (value: number, set: (n: number) => void, label: string, htmlId: string) => (
    <div>
      <label htmlFor={htmlId}>{label}</label>
      <select id={htmlId} value={value} onChange={(e) => set(Number(e.target.value))}>
        {list.data.map((r) => (
          <option key={r.number} value={r.number}>
            Revision {r.number} · {r.author.name} · {when(r.created_at)}
            {r.current ? " (current)" : ""}
            {r.published ? " (published)" : ""}
            {review?.revision === r.number ? ` (${review.kind === "approve" ? "approved" : "changes requested"})` : ""}
          </option>
        ))}
      </select>
    </div>
  );
  const sinceReview = review && left === null && shownLeft === review.revision && right === newest;
  let rows: { f: Field | { name: string; label: string; type: "text" }; d: Diffed; media?: [string, string] }[] = [];
  if (a.data && b.data) {
    const da = (a.data.data ?? {}) as Data;
    const db = (b.data.data ?? {}) as Data;
    rows = [
      ...type.fields.map((f) => ({
        f,
        d: fieldDiff(f, da[f.name], db[f.name]),
        media: f.type === "media" ? ([readable(f, da[f.name]), readable(f, db[f.name])] as [string, string]) : undefined,
      })),
      { f: { name: "slug", label: "Slug", type: "text" as const }, d: diffText(a.data.slug, b.data.slug) },
    ];
  }
  const changed = rows.filter((r) => r.d.changes > 0);
  return (
    <section className="panel changes" aria-labelledby="changes-title">
      <h2 id="changes-title">Changes</h2>
      <p className="muted">
        {sinceReview
          ? `Since the last review: revision ${review.revision}, when ${review.author.name} ${review.kind === "approve" ? "approved it" : "requested changes"} (${when(review.created_at)}).`
          : "Pick any two revisions to compare."}
      </p>
      <div className="compare">
        {choose(shownLeft, (n) => setLeft(n), "Compare revision", "rev-left")}
        {choose(right, setRight, "with revision", "rev-right")}
      </div>
      {!(a.data && b.data) ? (
        <Loading />
      ) : (
        <>
          <p className="diff-summary" role="status">
            {changed.length === 0
              ? `No differences between revision ${shownLeft} and revision ${right}.`
              : `Revision ${shownLeft} → ${right}: ${changed.length} ${changed.length === 1 ? "field" : "fields"} changed (${changed.map((r) => ("label" in r.f && r.f.label) || fieldLabel(r.f as Field)).join(", ")}).`}
          </p>
          <div className="diff-tools">
            <p className="diff-legend muted" aria-hidden="true">
              <ins>inserted</ins> <del>removed</del>
            </p>
            {changed.length > 0 && (
              <div className="toggle" role="group" aria-label="Go through the changes">
                <button type="button" className="secondary" onClick={() => jump(articleRef.current, -1)}>
                  ↑ Previous change
                </button>
                <button type="button" className="secondary" onClick={() => jump(articleRef.current, 1)}>
                  Next change ↓
                </button>
              </div>
            )}
          </div>
          <article ref={articleRef} className="diff-article" aria-label={`Revision ${right}, changes since revision ${shownLeft} marked`}>
            {rows.map(({ f, d, media }) => {
              const label = ("label" in f && f.label) || fieldLabel(f as Field);
              if (!d.changes && !d.html) return null;
              return (
                <section key={f.name} className={`diff-field${d.changes ? " changed" : ""}`} aria-label={`${label}${d.changes ? " (changed)" : ""}`}>
                  <h3 className="diff-label">
                    {label}
                    {d.changes > 0 && <span className="badge changed-badge">changed</span>}
                  </h3>
                  {media ? (
                    d.changes ? (
                      <p>
                        <del>{media[0] ? <MediaName id={media[0]} /> : "none"}</del> → <ins>{media[1] ? <MediaName id={media[1]} /> : "none"}</ins>
                      </p>
                    ) : (
                      media[1] && <MediaName id={media[1]} />
                    )
                  ) : f.type === "richtext" ? (
                    <div className="diff-body" dangerouslySetInnerHTML={{ __html: d.html }} />
                  ) : (
                    <p className="diff-body" dangerouslySetInnerHTML={{ __html: d.html }} />
                  )}
                </section>
              );
            })}
          </article>
        </>
      )}
      {editable && shownLeft !== newest && (
        <button type="button" className="secondary" disabled={restore.isPending} onClick={() => restore.mutate(shownLeft)}>
          Restore revision {shownLeft}
        </button>
      )}
      <ErrorNote error={restore.error} />
    </section>
  );
}

/**
 * jump scrolls to the next (or previous) marked change of the article, below (or above) the
 * middle of the window, and puts the focus on it: a long article need not be read end to end
 * to find the two words that changed. Marks next to each other count as one change.
 */
function jump(article: HTMLElement | null, dir: 1 | -1) {
  if (!article) return;
  const marks = Array.from(article.querySelectorAll<HTMLElement>("ins, del")).filter((m) => !m.parentElement?.closest("ins, del"));
  const changes = marks.filter((m, i) => i === 0 || marks[i - 1] !== m.previousElementSibling || !/^\s*$/.test(textBetween(marks[i - 1]!, m)));
  const mid = window.innerHeight / 2;
  const target = dir === 1 ? changes.find((m) => m.getBoundingClientRect().top > mid + 4) : changes.filter((m) => m.getBoundingClientRect().top < mid - 4).pop();
  const to = target ?? (dir === 1 ? changes[0] : changes[changes.length - 1]);
  if (!to) return;
  to.tabIndex = -1;
  to.focus({ preventScroll: true });
  to.scrollIntoView({ block: "center" });
}

function textBetween(a: Element, b: Element): string {
  let t = "";
  for (let n = a.nextSibling; n && n !== b; n = n.nextSibling) t += n.textContent ?? "";
  return t;
}
