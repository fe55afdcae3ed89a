import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type ContentType, type Entry } from "../api/client";
import { useAuth } from "../auth";
import { navigate } from "../router";
import { useContentTypes, useInstance } from "../queries";
import { actions, canEdit, type Action } from "../workflow";
import { diff } from "../diff";
import { FieldInput, toLocalInput } from "../components/FieldInput";
import { DiffTable } from "../components/DiffTable";
import { MediaPreview } from "../media/MediaField";
import { Empty, entryTitle, ErrorNote, fieldErrors, Loading, StatusBadge, when } from "../components/ui";

type Data = Record<string, unknown>;

export default function EntryEditor({ id }: { id: string }) {
  const types = useContentTypes();
  if (types.isPending) return <Loading />;
  if (types.error) return <ErrorNote error={types.error} />;
  if (id === "new") {
    const key = new URLSearchParams(window.location.search).get("type") ?? "";
    const type = types.data.find((t) => t.key === key);
    return type ? <NewEntry type={type} /> : <ErrorNote error={new Error(`There is no content type "${key}".`)} />;
  }
  return <ExistingEntry id={id} types={types.data} />;
}

/** Fields is the form generated from a content type, with errors shown at their fields. */
function Fields({ type, data, setData, errors, readOnly }: { type: ContentType; data: Data; setData: (d: Data) => void; errors: Record<string, string>; readOnly: boolean }) {
  return (
    <>
      {type.fields.map((f) => (
        <FieldInput key={f.name} field={f} value={data[f.name]} error={errors[f.name]} readOnly={readOnly} onChange={(v) => setData({ ...data, [f.name]: v })} />
      ))}
    </>
  );
}

function NewEntry({ type }: { type: ContentType }) {
  const [data, setData] = useState<Data>({});
  const [slug, setSlug] = useState("");
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/api/entries", { body: { type: type.key, data, ...(slug ? { slug } : {}) } })),
    onSuccess: (e) => {
      qc.invalidateQueries({ queryKey: ["entries"] });
      navigate(`/entries/${e.id}`, true);
    },
  });
  const errors = fieldErrors(create.error);
  return (
    <section>
      <h1>New {type.name.toLowerCase()}</h1>
      <form
        className="editor"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Fields type={type} data={data} setData={setData} errors={errors} readOnly={false} />
        <div className="field">
          <label htmlFor="slug">Slug</label>
          <input id="slug" value={slug} onChange={(e) => setSlug(e.target.value)} aria-describedby="slug-help" placeholder={`made from the ${type.slug_field || "title"}`} />
          <p className="help" id="slug-help">
            Leave empty to make it from the {type.slug_field || "title"}.
          </p>
          {errors.slug && <p className="field-error">{errors.slug}</p>}
        </div>
        {!Object.keys(errors).length && <ErrorNote error={create.error} />}
        <div className="actions">
          <button type="submit" disabled={create.isPending}>
            Create
          </button>
        </div>
      </form>
    </section>
  );
}

function ExistingEntry({ id, types }: { id: string; types: ContentType[] }) {
  const { user } = useAuth();
  const qc = useQueryClient();
  const instance = useInstance();
  const entry = useQuery({ queryKey: ["entry", id], queryFn: () => unwrap(api.GET("/api/entries/{id}", { params: { path: { id } } })) });
  const [data, setData] = useState<Data>({});
  const [slug, setSlug] = useState("");
  const [base, setBase] = useState<Entry | null>(null); // the version the next save claims to edit
  const [origin, setOrigin] = useState<Data>({}); // the data this user's edits started from
  const [dirty, setDirty] = useState(false);
  const [conflict, setConflict] = useState<Entry | null>(null);
  const [saved, setSaved] = useState("");

  // Follow the server while nothing is typed; once it is, keep the edit and its base version.
  useEffect(() => {
    if (entry.data && (!dirty || !base)) {
      setBase(entry.data);
      setOrigin(entry.data.data);
      setData(entry.data.data);
      setSlug(entry.data.slug);
    }
  }, [entry.data, dirty, base]);

  // What is on screen now, for telling whether the user typed during a save.
  const current = useRef({ data, slug });
  current.current = { data, slug };

  const save = useMutation({
    mutationFn: (sent: { data: Data; slug: string; base: Entry; origin: Data }) => {
      const type = types.find((t) => t.key === sent.base.type)!;
      // Send only what this user changed (a removed value as null): a field
      // they never touched keeps whatever is saved, even someone else's edit.
      const body: Data = {};
      for (const f of type.fields) {
        if (JSON.stringify(sent.data[f.name] ?? null) !== JSON.stringify(sent.origin[f.name] ?? null)) body[f.name] = sent.data[f.name] ?? null;
      }
      return unwrap(
        api.PATCH("/api/entries/{id}", {
          params: { path: { id } },
          body: { version: sent.base.version, data: body, ...(sent.slug !== sent.base.slug ? { slug: sent.slug } : {}) },
        }),
      );
    },
    onSuccess: (e, sent) => {
      qc.setQueryData(["entry", id], e);
      qc.invalidateQueries({ queryKey: ["entries"] });
      qc.invalidateQueries({ queryKey: ["history", id] });
      setBase(e);
      setOrigin(e.data);
      setSaved(`Saved revision ${e.revision}.`);
      // Typing that went on during the save stays, on top of the new version.
      if (current.current.data === sent.data && current.current.slug === sent.slug) {
        setData(e.data);
        setSlug(e.slug);
        setDirty(false);
      }
    },
    onError: async (err) => {
      setSaved("");
      if (err instanceof ApiError && err.code === "version_conflict") {
        setConflict(await unwrap(api.GET("/api/entries/{id}", { params: { path: { id } } })));
      }
    },
  });

  if (entry.isPending) return <Loading />;
  if (entry.error) return <ErrorNote error={entry.error} />;
  if (!base) return <Loading />;
  const type = types.find((t) => t.key === base.type);
  if (!type) return <ErrorNote error={new Error(`Unknown content type ${base.type}`)} />;
  const live = entry.data;
  const editable = canEdit(user!, live);
  const errors = fieldErrors(save.error);
  const edit = (d: Data) => {
    setData(d);
    setDirty(true);
    setSaved("");
  };

  return (
    <section className="entry">
      <div className="page-head">
        <h1>{entryTitle(data, slug)}</h1>
        <StatusBadge status={live.status} live={live.live} />
      </div>
      <p className="muted">
        {type.name} · by {live.author.name} · version {live.version}, revision {live.revision} · updated {when(live.updated_at)}
        {live.status === "scheduled" && ` · goes live ${when(live.publish_at)}`}
        {live.live && live.published_at && ` · live since ${when(live.published_at)}`}
      </p>

      <Workflow entry={live} selfApproval={instance.data?.self_approval ?? false} dirty={dirty} />

      {conflict && (
        <div className="conflict" role="alertdialog" aria-labelledby="conflict-title" aria-describedby="conflict-text">
          <h2 id="conflict-title" tabIndex={-1} ref={(h) => h?.focus()}>
            Someone else changed this entry
          </h2>
          <p id="conflict-text">
            {conflict.revision_author?.name ?? "Someone"} saved version {conflict.version} while you were editing version {base.version}. Your changes are not saved yet.
          </p>
          <ConflictCompare type={type} mine={{ data, slug }} theirs={conflict} />
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                qc.setQueryData(["entry", id], conflict);
                setBase(conflict);
                setOrigin(conflict.data);
                setData(conflict.data);
                setSlug(conflict.slug);
                setDirty(false);
                setConflict(null);
                save.reset();
              }}
            >
              Reload their version
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                // Keep my edits on top of their version: saving sends only the
                // fields I changed, so theirs stay wherever I did not touch.
                setBase(conflict);
                setConflict(null);
                save.reset();
              }}
            >
              Keep my changes
            </button>
          </div>
        </div>
      )}

      <form
        className="editor"
        noValidate
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (!save.isPending && dirty) save.mutate({ data, slug, base, origin });
        }}
      >
        {!editable && <p className="notice">You cannot edit this entry while it is {live.status.replace("_", " ")}{live.author.id === user!.id ? "" : " or as it is not yours"}.</p>}
        <Fields type={type} data={data} setData={edit} errors={errors} readOnly={!editable} />
        <div className="field">
          <label htmlFor="slug">Slug</label>
          <input id="slug" value={slug} disabled={!editable} onChange={(e) => { setSlug(e.target.value); setDirty(true); }} />
          {errors.slug && <p className="field-error">{errors.slug}</p>}
        </div>
        {!Object.keys(errors).length && save.error && !(save.error instanceof ApiError && save.error.code === "version_conflict") && <ErrorNote error={save.error} />}
        {editable && (
          <div className="actions">
            <button type="submit" aria-disabled={save.isPending || !dirty}>
              Save
            </button>
            <span role="status" className="muted">
              {save.isPending ? "Saving…" : saved || (dirty ? "Unsaved changes" : "")}
            </span>
          </div>
        )}
      </form>

      <Comments id={id} />
      <Revisions entry={live} type={type} editable={editable} />
      <History id={id} />
      <Preview entry={live} type={type} />
    </section>
  );
}

function ConflictCompare({ type, mine, theirs }: { type: ContentType; mine: { data: Data; slug: string }; theirs: Entry }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        Compare
      </button>
      {open && <DiffTable caption="Your changes and theirs" left="Yours" right="Theirs" rows={diff(type.fields, mine.data, theirs.data, { slug: [mine.slug, theirs.slug] })} />}
    </>
  );
}

function Workflow({ entry, selfApproval, dirty }: { entry: Entry; selfApproval: boolean; dirty: boolean }) {
  const { user } = useAuth();
  const qc = useQueryClient();
  const [asking, setAsking] = useState<"changes" | "schedule" | null>(null);
  const act = useMutation({
    mutationFn: ({ path, body }: { path: string; body: Record<string, unknown> }) =>
      unwrap(api.POST(path as "/api/entries/{id}/submit", { params: { path: { id: entry.id } }, body: { version: entry.version, ...body } })),
    onSuccess: (e) => {
      qc.setQueryData(["entry", entry.id], e);
      qc.invalidateQueries({ queryKey: ["entries"] });
      qc.invalidateQueries({ queryKey: ["comments", entry.id] });
      qc.invalidateQueries({ queryKey: ["history", entry.id] });
      setAsking(null);
    },
  });
  const available = actions(user!, entry, selfApproval);
  if (!available.length) return null;
  const paths: Record<Action, string> = {
    "Submit for review": "/api/entries/{id}/submit",
    Withdraw: "/api/entries/{id}/withdraw",
    Approve: "/api/entries/{id}/approve",
    "Request changes": "/api/entries/{id}/request-changes",
    Publish: "/api/entries/{id}/publish",
    Schedule: "/api/entries/{id}/publish",
    Unpublish: "/api/entries/{id}/unpublish",
  };
  const run = (a: Action) => {
    if (a === "Request changes") return setAsking("changes");
    if (a === "Schedule") return setAsking("schedule");
    act.mutate({ path: paths[a], body: {} });
  };
  return (
    <div className="workflow" role="group" aria-label="Workflow">
      {available.map((a) => (
        <button key={a} type="button" className={a === "Unpublish" || a === "Withdraw" ? "secondary" : undefined} aria-disabled={act.isPending || dirty} onClick={() => !act.isPending && !dirty && run(a)}>
          {a}
        </button>
      ))}
      {dirty && <span className="muted">Save your changes first: these act on the saved version.</span>}
      {asking === "changes" && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const comment = String(new FormData(e.currentTarget).get("comment") ?? "");
            act.mutate({ path: paths["Request changes"], body: { comment } });
          }}
        >
          <label htmlFor="changes-comment">What should change?</label>
          <textarea id="changes-comment" name="comment" rows={3} required autoFocus />
          {fieldErrors(act.error).comment && <p className="field-error">{fieldErrors(act.error).comment}</p>}
          <div className="actions">
            <button type="submit">Send request</button>
            <button type="button" className="secondary" onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {asking === "schedule" && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const local = String(new FormData(e.currentTarget).get("at") ?? "");
            act.mutate({ path: paths.Schedule, body: { at: new Date(local).toISOString() } });
          }}
        >
          <label htmlFor="schedule-at">Publish at (your time zone: {Intl.DateTimeFormat().resolvedOptions().timeZone})</label>
          <input id="schedule-at" name="at" type="datetime-local" required autoFocus min={toLocalInput(new Date().toISOString())} defaultValue={toLocalInput(new Date(Date.now() + 3600_000).toISOString())} />
          <div className="actions">
            <button type="submit">Confirm schedule</button>
            <button type="button" className="secondary" onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {!fieldErrors(act.error).comment && <ErrorNote error={act.error} />}
    </div>
  );
}

function Comments({ id }: { id: string }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["comments", id], queryFn: () => unwrap(api.GET("/api/entries/{id}/comments", { params: { path: { id } } })) });
  const add = useMutation({
    mutationFn: (body: string) => unwrap(api.POST("/api/entries/{id}/comments", { params: { path: { id } }, body: { body } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["comments", id] }),
  });
  const kinds: Record<string, string> = { approve: "approved", request_changes: "requested changes", comment: "commented" };
  return (
    <section className="panel" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments</h2>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <ErrorNote error={q.error} />
      ) : q.data.length === 0 ? (
        <Empty>No comments yet.</Empty>
      ) : (
        <ol className="thread">
          {q.data.map((c) => (
            <li key={c.id} className={`comment kind-${c.kind}`}>
              <p className="meta">
                <strong>{c.author.name}</strong> {kinds[c.kind] ?? c.kind} on revision {c.revision} · {when(c.created_at)}
              </p>
              <p className="body">{c.body}</p>
            </li>
          ))}
        </ol>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const body = String(new FormData(form).get("body") ?? "");
          add.mutate(body, { onSuccess: () => form.reset() });
        }}
      >
        <label htmlFor="new-comment">Add a comment</label>
        <textarea id="new-comment" name="body" rows={3} required />
        <ErrorNote error={add.error} />
        <button type="submit" className="secondary" disabled={add.isPending}>
          Comment
        </button>
      </form>
    </section>
  );
}

function History({ id }: { id: string }) {
  const q = useQuery({ queryKey: ["history", id], queryFn: () => unwrap(api.GET("/api/entries/{id}/history", { params: { path: { id } } })) });
  const words: Record<string, string> = {
    create: "created it",
    edit: "saved a revision",
    submit: "submitted it for review",
    withdraw: "withdrew it",
    approve: "approved it",
    request_changes: "requested changes",
    publish: "published it",
    schedule: "scheduled it",
    publish_due: "published it as scheduled",
    unpublish: "unpublished it",
  };
  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <ErrorNote error={q.error} />
      ) : (
        <ol className="timeline">
          {q.data.map((h, i) => (
            <li key={i}>
              <time dateTime={h.at}>{when(h.at)}</time> <strong>{h.actor.name}</strong> {words[h.action] ?? h.action}
              {h.revision ? ` (revision ${h.revision})` : ""}
              {h.comment && <q>{h.comment}</q>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Revisions({ entry, type, editable }: { entry: Entry; type: ContentType; editable: boolean }) {
  const qc = useQueryClient();
  const id = entry.id;
  const list = useQuery({ queryKey: ["revisions", id, entry.revision], queryFn: () => unwrap(api.GET("/api/entries/{id}/revisions", { params: { path: { id } } })) });
  const newest = entry.revision;
  const [left, setLeft] = useState(Math.max(1, newest - 1));
  const [right, setRight] = useState(newest);
  const one = (n: number) => ({
    queryKey: ["revision", id, n],
    queryFn: () => unwrap(api.GET("/api/entries/{id}/revisions/{n}", { params: { path: { id, n } } })),
    staleTime: Infinity,
  });
  const a = useQuery(one(left));
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
  const choose = (value: number, set: (n: number) => void, label: string, htmlId: string) => (
    <div>
      <label htmlFor={htmlId}>{label}</label>
      <select id={htmlId} value={value} onChange={(e) => set(Number(e.target.value))}>
        {list.data.map((r) => (
          <option key={r.number} value={r.number}>
            Revision {r.number} · {r.author.name} · {when(r.created_at)}
            {r.current ? " (current)" : ""}
            {r.published ? " (published)" : ""}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <section className="panel" aria-labelledby="revisions-title">
      <h2 id="revisions-title">Revisions</h2>
      {list.data.length < 2 ? (
        <Empty>Only one revision so far: each save makes another, and you can compare any two here.</Empty>
      ) : (
        <div className="compare">
          {choose(left, setLeft, "Compare revision", "rev-left")}
          {choose(right, setRight, "with revision", "rev-right")}
        </div>
      )}
      {list.data.length < 2 ? null : a.data && b.data ? (
        <DiffTable
          caption={`Revision ${left} and revision ${right}`}
          left={`Revision ${left}`}
          right={`Revision ${right}`}
          rows={diff(type.fields, a.data.data ?? {}, b.data.data ?? {}, { slug: [a.data.slug, b.data.slug] })}
        />
      ) : (
        <Loading />
      )}
      {editable && left !== newest && (
        <button type="button" className="secondary" disabled={restore.isPending} onClick={() => restore.mutate(left)}>
          Restore revision {left}
        </button>
      )}
      <ErrorNote error={restore.error} />
    </section>
  );
}

function Preview({ entry, type }: { entry: Entry; type: ContentType }) {
  const [open, setOpen] = useState(false);
  const link = `/api/content/${entry.type}/${entry.slug}?preview=1${entry.locale !== "en" ? `&locale=${entry.locale}` : ""}`;
  return (
    <section className="panel" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <p className="muted">
        Sites preview drafts at <code>{link}</code> with a preview token.
      </p>
      <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "Hide preview" : "Show preview"}
      </button>
      {open && (
        <article className="preview">
          {type.fields.map((f) => {
            const v = entry.data[f.name];
            if (v === undefined || v === null || v === "") return null;
            if (f.type === "richtext") return <div key={f.name} dangerouslySetInnerHTML={{ __html: String(v) }} />;
            if (f.type === "media" && typeof v === "string")
              return (
                <figure key={f.name} className="preview-media">
                  <MediaPreview id={v} />
                  <figcaption className="muted">{f.label || f.name}</figcaption>
                </figure>
              );
            return (
              <p key={f.name}>
                <strong>{f.label || f.name}:</strong> {typeof v === "string" ? v : JSON.stringify(v)}
              </p>
            );
          })}
        </article>
      )}
    </section>
  );
}
