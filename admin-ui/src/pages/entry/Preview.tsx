import { useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap, type ContentType, type Entry, type Field } from "../../api/client";
import { fieldLabel } from "../../components/FieldInput";
import { MediaPreview } from "../../media/MediaField";
import { entryTitle, ErrorNote, when } from "../../components/ui";

function RelationTitle({ id }: { id: string }) {
  const q = useQuery({ queryKey: ["entry", id], queryFn: () => unwrap(api.GET("/api/entries/{id}", { params: { path: { id } } })), staleTime: 60_000 });
  if (q.error) return <span className="muted">an entry that is gone</span>;
  return <>{q.data ? entryTitle(q.data.data, q.data.slug) : "…"}</>;
}

function Value({ f, v }: { f: Field; v: unknown }) {
  switch (f.type) {
    case "boolean":
      return <>{v ? "Yes" : "No"}</>;
    case "date":
      return <>{new Date(`${String(v)}T00:00:00`).toLocaleDateString(undefined, { dateStyle: "long" })}</>;
    case "datetime":
      return <>{when(String(v))}</>;
    case "relation":
      return Array.isArray(v) ? (
        <>
          {v.map((id, i) => (
            <span key={String(id)}>
              {i > 0 && ", "}
              <RelationTitle id={String(id)} />
            </span>
          ))}
        </>
      ) : (
        <RelationTitle id={String(v)} />
      );
    case "json":
      return <code>{JSON.stringify(v)}</code>;
    default:
      return <>{typeof v === "string" ? v : JSON.stringify(v)}</>;
  }
}

/** Preview shows the working copy as a site would: the title as a heading, labels, relations and media resolved, the body rendered. */
export function Preview({ entry, type, data }: { entry: Entry; type: ContentType; data: Record<string, unknown> }) {
  const template = type.preview_url ?? "";
  const open = useMutation({
    mutationFn: () => unwrap(api.POST("/api/entries/{id}/preview", { params: { path: { id: entry.id } } })),
    onSuccess: (r) => {
      if (r.url) window.open(r.url, "_blank", "noopener");
    },
  });
  return (
    <section className="panel" aria-labelledby="preview-title">
      <div className="page-head">
        <h2 id="preview-title">Preview</h2>
        {template && (
          <button type="button" className="secondary" disabled={open.isPending} onClick={() => open.mutate()}>
            Open preview
          </button>
        )}
      </div>
      {open.data && !open.data.url && <p className="muted">This type has no preview address; an admin can set one on the content type.</p>}
      {open.data?.url && (
        <p className="muted">
          Opened <a href={open.data.url} target="_blank" rel="noopener">the site's preview</a> (its link works until {when(open.data.expires_at)}).
        </p>
      )}
      <ErrorNote error={open.error} />
      <Rendered type={type} data={data} />
    </section>
  );
}

/** Rendered is an entry's data as a site would show it: the title as a heading, labels, relations and media resolved, the body rendered. */
export function Rendered({ type, data }: { type: ContentType; data: Record<string, unknown> }) {
  const titleField = type.fields.find((f) => f.name === (type.slug_field || "title")) ?? type.fields.find((f) => f.type === "text");
  const empty = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length);
  return (
    <article className="preview">
      {titleField && !empty(data[titleField.name]) && <h1>{String(data[titleField.name])}</h1>}
      {type.fields.map((f) => {
        const v = data[f.name];
        if (f === titleField || empty(v)) return null;
        if (f.type === "richtext") return <div key={f.name} className="preview-body" dangerouslySetInnerHTML={{ __html: String(v) }} />;
        if (f.type === "markdown") return <div key={f.name} className="preview-body preview-markdown">{String(v)}</div>;
        if (f.type === "media" && typeof v === "string")
          return (
            <figure key={f.name} className="preview-media">
              <MediaPreview id={v} />
              <figcaption className="muted">{fieldLabel(f)}</figcaption>
            </figure>
          );
        return (
          <p key={f.name} className="preview-meta">
            <span className="preview-label">{fieldLabel(f)}</span> <Value f={f} v={v} />
          </p>
        );
      })}
    </article>
  );
}
