import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type ContentType, type Entry } from "../api/client";
import { hasRole, useAuth } from "../auth";
import { Link, navigate, setLeaveGuard } from "../router";
import { useContentTypes, useLocales } from "../queries";
import { may, statusLabels } from "../workflow";
import { diff } from "../diff";
import { clearDraft, loadDraft, sameValue, saveDraft, type Draft } from "../drafts";
import { FieldInput } from "../components/FieldInput";
import { DiffTable } from "../components/DiffTable";
import { Dialog } from "../components/Dialog";
import { entryTitle, ErrorNote, fieldErrors, Loading, StatusBadge, when } from "../components/ui";
import { Workflow } from "./entry/Workflow";
import { Changes, lastReview } from "./entry/Changes";
import { Comments, History, useComments } from "./entry/Panels";
import { Preview, Rendered } from "./entry/Preview";
import { LanguageSwitcher, sourceOf } from "./entry/Languages";
import { localeName } from "../locales";

type Data = Record<string, unknown>;

export default function EntryEditor({ id }: { id: string }) {
  const types = useContentTypes();
  if (types.isPending) return <Loading />;
  if (types.error) return <ErrorNote error={types.error} />;
  if (id === "new") {
    const params = new URLSearchParams(window.location.search);
    const key = params.get("type") ?? "";
    const type = types.data.find((t) => t.key === key);
    if (!type) return <ErrorNote error={new Error(`There is no content type "${key}".`)} />;
    const of = params.get("translation_of");
    return of ? <NewTranslation key={of} type={type} of={of} locale={params.get("locale") ?? ""} /> : <NewEntry type={type} />;
  }
  return <ExistingEntry key={id} id={id} types={types.data} />;
}

const time = (iso: string | Date) => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

/** useHeadHeight keeps --head-h on the head's parent: the toolbar and the side panel stick just under the head, whatever its height. */
function useHeadHeight() {
  const headRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const h = headRef.current;
    if (!h || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => h.parentElement?.style.setProperty("--head-h", `${h.offsetHeight}px`));
    ro.observe(h);
    return () => ro.disconnect();
  });
  return headRef;
}

/**
 * useFocusFirstError takes a refused save to the first field it names: on a long article the
 * field may be far above or below the button that was pressed.
 */
function useFocusFirstError(error: unknown) {
  useEffect(() => {
    if (!error) return;
    requestAnimationFrame(() => {
      const bad = document.querySelector<HTMLElement>(".editor .field-error");
      const field = bad?.closest(".field")?.querySelector<HTMLElement>("input, select, textarea, [contenteditable=true], button");
      (field ?? bad)?.focus();
      bad?.scrollIntoView({ block: "center" });
    });
  }, [error]);
}

/** changedFields tells which fields of data differ from origin (rich text compared as documents). */
function isDirty(type: ContentType, data: Data, origin: Data, slug: string, originSlug: string) {
  return slug !== originSlug || type.fields.some((f) => !sameValue(data[f.name], origin[f.name], f.type === "richtext"));
}

/**
 * useLeaveGuard asks before leaving a page with unsaved work: in-app links and
 * the back button open the leave dialog, closing or reloading the tab gets the
 * browser's own question.
 */
function useLeaveGuard(dirty: boolean, ask: (proceed: () => void) => void) {
  const askRef = useRef(ask);
  askRef.current = ask;
  useEffect(() => {
    if (!dirty) return;
    setLeaveGuard((proceed) => askRef.current(proceed));
    const onUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", onUnload);
    return () => {
      setLeaveGuard(null);
      window.removeEventListener("beforeunload", onUnload);
    };
  }, [dirty]);
}

/** useSaveKey makes Ctrl+S (Cmd+S on a Mac) save instead of the browser saving the page. */
function useSaveKey(save: () => void) {
  const ref = useRef(save);
  ref.current = save;
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
        e.preventDefault();
        ref.current();
      }
    };
    window.addEventListener("keydown", on);
    return () => window.removeEventListener("keydown", on);
  }, []);
}

function LeaveDialog({ title, canSave, saving, error, onSave, onLeave, onStay }: { title: string; canSave: boolean; saving: boolean; error: unknown; onSave: () => void; onLeave: () => void; onStay: () => void }) {
  return (
    <Dialog labelledBy="leave-title" describedBy="leave-text" onClose={onStay} className="alt-dialog confirm">
      <h2 id="leave-title">Leave without saving?</h2>
      <p id="leave-text">Your changes to “{title}” are not saved. If you leave now, they are lost.</p>
      <ErrorNote error={error} />
      <div className="actions">
        {canSave && (
          <button type="button" disabled={saving} onClick={onSave}>
            {saving ? "Saving…" : "Save and leave"}
          </button>
        )}
        <button type="button" className="danger" onClick={onLeave}>
          Leave without saving
        </button>
        <button type="button" className="secondary" autoFocus onClick={onStay}>
          Stay
        </button>
      </div>
    </Dialog>
  );
}

/** Fields is the form generated from a content type, with errors shown at their fields. */
function Fields({ type, data, setData, errors, readOnly }: { type: ContentType; data: Data; setData: (d: Data) => void; errors: Record<string, string>; readOnly: boolean }) {
  const latest = useRef(data);
  latest.current = data;
  return (
    <>
      {type.fields.map((f) => (
        <FieldInput key={f.name} field={f} value={data[f.name]} error={errors[f.name]} readOnly={readOnly} onChange={(v) => setData({ ...latest.current, [f.name]: v })} />
      ))}
    </>
  );
}

const named = (code: string) => localeName(code) || code;

/** strayErrors are a refusal's messages about no field on the form (the locale, the source), said above the form's end. */
function strayErrors(type: ContentType, errors: Record<string, string>): string[] {
  return Object.entries(errors)
    .filter(([k]) => k !== "slug" && !type.fields.some((f) => f.name === k))
    .map(([k, m]) => `${k === "translation_of" ? "Original" : k === "locale" ? "Language" : k}: ${m}`);
}

/** NewTranslation starts a translation of the entry of into locale, prefilled from it and shown beside it. */
function NewTranslation({ type, of, locale }: { type: ContentType; of: string; locale: string }) {
  const source = useQuery({ queryKey: ["entry", of], queryFn: () => unwrap(api.GET("/api/entries/{id}", { params: { path: { id: of } } })) });
  if (source.isPending) return <Loading />;
  if (source.error) return <ErrorNote error={source.error} />;
  return <NewEntry type={type} source={source.data} locale={locale} />;
}

function NewEntry({ type, source, locale }: { type: ContentType; source?: Entry; locale?: string }) {
  const [prefill] = useState<Data>(() => ({ ...(source?.data ?? {}) }));
  const [data, setData] = useState<Data>(prefill);
  const [slug, setSlug] = useState("");
  const [leaving, setLeaving] = useState<(() => void) | null>(null);
  const qc = useQueryClient();
  const dirty = isDirty(type, data, prefill, slug, "");
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/api/entries", { body: { type: type.key, data, ...(slug ? { slug } : {}), ...(source ? { translation_of: source.id, locale } : {}) } })),
    onSuccess: (e) => {
      qc.invalidateQueries({ queryKey: ["entries"] });
      if (source) qc.invalidateQueries({ queryKey: ["entry", source.id] });
      setLeaveGuard(null);
      navigate(`/entries/${e.id}`, true);
    },
  });
  useLeaveGuard(dirty && !create.isSuccess, (proceed) => setLeaving(() => proceed));
  useSaveKey(() => !create.isPending && create.mutate());
  const headRef = useHeadHeight();
  const errors = fieldErrors(create.error);
  const stray = strayErrors(type, errors);
  useFocusFirstError(create.error);
  const form = (
    <form
      id="new-entry-form"
      className="editor"
      noValidate
      aria-label={source ? `${named(locale ?? "")} translation` : undefined}
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
          Leave empty to make it from the {type.slug_field || "title"}.{source && " Each language has a slug of its own."}
        </p>
        {errors.slug && <p className="field-error">{errors.slug}</p>}
      </div>
      {stray.map((m) => (
        <p key={m} className="error" role="alert">
          {m}
        </p>
      ))}
      {!Object.keys(errors).length && <ErrorNote error={create.error} />}
    </form>
  );
  return (
    <section className="entry entry-new">
      <div className="entry-head" ref={headRef}>
        <div className="entry-title">
          <h1>{source ? `Translate “${entryTitle(source.data, source.slug)}” into ${named(locale ?? "")}` : `New ${type.name.toLowerCase()}`}</h1>
        </div>
        <div className="entry-actions">
          <span className={`save-state${dirty ? " unsaved" : ""}`} role="status">
            {create.isPending ? "Creating…" : dirty ? "Not created yet" : source ? `Prefilled from the ${named(source.locale)} original` : "Nothing written yet"}
          </span>
          <button type="submit" form="new-entry-form" disabled={create.isPending} aria-keyshortcuts="Control+S Meta+S" title="Create (Ctrl+S)">
            Create
          </button>
        </div>
      </div>
      {source ? (
        <div className="translate-layout">
          {/* it scrolls on its own beside the form: focusable, so a keyboard can scroll it */}
          <section className="panel translate-source" aria-labelledby="source-title" tabIndex={0}>
            <h2 id="source-title">
              The original, in {named(source.locale)} ({source.locale})
            </h2>
            <Rendered type={type} data={source.data} />
          </section>
          {form}
        </div>
      ) : (
        form
      )}
      {leaving && (
        <LeaveDialog
          title={entryTitle(data, slug) || (source ? `the ${named(locale ?? "")} translation` : `new ${type.name.toLowerCase()}`)}
          canSave={false}
          saving={false}
          error={null}
          onSave={() => {}}
          onLeave={() => {
            const go = leaving;
            setLeaving(null);
            go();
          }}
          onStay={() => setLeaving(null)}
        />
      )}
    </section>
  );
}

/** A reviewer coming back to a resubmitted entry starts with what changed since their review. */
function initialView(editable: boolean, live: Entry, review: ReturnType<typeof lastReview>): "edit" | "changes" {
  return !editable && live.status === "in_review" && review && review.revision < live.revision ? "changes" : "edit";
}

function ExistingEntry({ id, types }: { id: string; types: ContentType[] }) {
  const { user } = useAuth();
  const uid = user!.id;
  const qc = useQueryClient();
  const [data, setData] = useState<Data>({});
  const [slug, setSlug] = useState("");
  const [base, setBase] = useState<Entry | null>(null); // the version the next save claims to edit
  const [origin, setOrigin] = useState<Data>({}); // the data this user's edits started from
  const [originSlug, setOriginSlug] = useState("");
  const [conflict, setConflict] = useState<Entry | null>(null);
  const [saved, setSaved] = useState("");
  const [offer, setOffer] = useState<Draft | null>(() => loadDraft(uid, id));
  const [leaving, setLeaving] = useState<(() => void) | null>(null);
  const [announce, setAnnounce] = useState("");
  const [view, setView] = useState<"edit" | "changes" | "preview" | "original" | null>(null);
  const locales = useLocales();
  const statusRef = useRef<HTMLSpanElement>(null);
  const headRef = useHeadHeight();
  const type = base ? types.find((t) => t.key === base.type) : undefined;
  const dirty = !!(base && type && isDirty(type, data, origin, slug, originSlug));
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  // The open entry follows the server: polled, and fetched again when the tab comes back.
  // A revision that arrives by a fetch, not from this page's own save, restore or action
  // (those put theirs in the cache first), was saved elsewhere: the page says so.
  const remote = useRef<number | null>(null);
  const entry = useQuery({
    queryKey: ["entry", id],
    queryFn: async () => {
      const prev = qc.getQueryData<Entry>(["entry", id]);
      const e = await unwrap(api.GET("/api/entries/{id}", { params: { path: { id } } }));
      if (prev && e.revision !== prev.revision) remote.current = e.revision;
      return e;
    },
    refetchInterval: dirty ? 30_000 : 10_000,
    refetchOnWindowFocus: "always",
  });
  const comments = useComments(id);
  // Coming back to the window (not only the tab) looks again too.
  const refetch = entry.refetch;
  useEffect(() => {
    const on = () => void refetch();
    window.addEventListener("focus", on);
    return () => window.removeEventListener("focus", on);
  }, [refetch]);
  // A new version from elsewhere (a save, a scheduled publish) brings its history and comments.
  const seenVersion = useRef(0);
  useEffect(() => {
    const v = entry.data?.version ?? 0;
    if (seenVersion.current && v !== seenVersion.current) {
      qc.invalidateQueries({ queryKey: ["history", id] });
      qc.invalidateQueries({ queryKey: ["comments", id] });
    }
    seenVersion.current = v;
  }, [entry.data?.version, qc, id]);

  // Follow the server while nothing is typed; once it is, keep the edit and its base version.
  const [updated, setUpdated] = useState<Entry | null>(null);
  useEffect(() => {
    const e = entry.data;
    if (!e || (base && dirtyRef.current)) return;
    if (base && remote.current === e.revision && e.revision !== base.revision) setUpdated(e);
    setBase(e);
    setOrigin(e.data);
    setOriginSlug(e.slug);
    setData(e.data);
    setSlug(e.slug);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [entry.data]);

  // Unsaved work is kept locally as it is typed, and dropped once saved or discarded.
  useEffect(() => {
    if (!base) return;
    if (dirty) saveDraft(uid, id, { data, slug, origin, originSlug, version: base.version });
    else if (!offer) clearDraft(uid, id);
  }, [uid, id, data, slug, dirty, base, origin, originSlug, offer]);

  // A kept draft that says nothing the server does not already have is not worth offering.
  const offerDiffers = !!(offer && base && type && isDirty(type, offer.data, base.data, offer.slug, base.slug));
  useEffect(() => {
    if (offer && base && type && !offerDiffers) {
      setOffer(null);
      if (!dirtyRef.current) clearDraft(uid, id);
    }
  }, [offer, base, type, offerDiffers, uid, id]);

  // What is on screen now, for telling whether the user typed during a save.
  const current = useRef({ data, slug });
  current.current = { data, slug };

  const save = useMutation({
    mutationFn: (sent: { data: Data; slug: string; base: Entry; origin: Data; originSlug: string }) => {
      const t = types.find((x) => x.key === sent.base.type)!;
      // Send only what this user changed (a removed value as null): a field
      // they never touched keeps whatever is saved, even someone else's edit.
      const body: Data = {};
      for (const f of t.fields) if (!sameValue(sent.data[f.name], sent.origin[f.name], f.type === "richtext")) body[f.name] = sent.data[f.name] ?? null;
      return unwrap(
        api.PATCH("/api/entries/{id}", {
          params: { path: { id } },
          body: { version: sent.base.version, data: body, ...(sent.slug !== sent.originSlug ? { slug: sent.slug } : {}) },
        }),
      );
    },
    onSuccess: (e, sent) => {
      qc.setQueryData(["entry", id], e);
      qc.invalidateQueries({ queryKey: ["entries"] });
      qc.invalidateQueries({ queryKey: ["history", id] });
      setBase(e);
      setOrigin(e.data);
      setOriginSlug(e.slug);
      setOffer(null);
      setUpdated(null);
      setSaved(`Saved revision ${e.revision}.`);
      // Typing that went on during the save stays, on top of the new version.
      if (current.current.data === sent.data && current.current.slug === sent.slug) {
        setData(e.data);
        setSlug(e.slug);
        clearDraft(uid, id);
      }
      if (leaving) {
        const go = leaving;
        setLeaving(null);
        setLeaveGuard(null);
        go();
      }
    },
    onError: async (err) => {
      setSaved("");
      if (err instanceof ApiError && err.code === "version_conflict") {
        setLeaving(null);
        setConflict(await unwrap(api.GET("/api/entries/{id}", { params: { path: { id } } })));
      }
    },
  });

  const live = entry.data;
  const editable = !!live && may(live, "edit");
  const doSave = useCallback(() => {
    if (base && editable && dirty && !save.isPending && !conflict) save.mutate({ data, slug, base, origin, originSlug });
  }, [base, editable, dirty, save, conflict, data, slug, origin, originSlug]);
  useSaveKey(doSave);
  // The view is chosen once, when the entry and its comments are in; it does not jump when the status changes.
  useEffect(() => {
    if (view === null && live && comments.data) setView(initialView(editable, live, lastReview(comments.data)));
  }, [view, live, comments.data, editable]);
  useLeaveGuard(dirty, (proceed) => setLeaving(() => proceed));
  useFocusFirstError(save.error);

  if (entry.isPending) return <Loading />;
  if (entry.error) return <ErrorNote error={entry.error} />;
  if (!base || !live) return <Loading />;
  if (!type) return <ErrorNote error={new Error(`Unknown content type ${base.type}`)} />;
  const errors = fieldErrors(save.error);
  const title = entryTitle(data, slug);
  const review = lastReview(comments.data);
  const shownView = view ?? initialView(editable, live, review);
  const moved = dirty && live.version !== base.version && !conflict;
  const source = sourceOf(live);
  const saveState = save.isPending ? "Saving…" : dirty ? "Unsaved changes" : saved || "All changes saved";

  return (
    <section className="entry">
      <div className="entry-head" ref={headRef}>
        <div className="entry-title">
          <h1>{title}</h1>
          <span ref={statusRef} tabIndex={-1} className="status-focus" aria-label={`Status: ${statusLabels[live.status]}${live.live && live.status !== "published" ? ", live" : ""}`}>
            <StatusBadge status={live.status} live={live.live} />
          </span>
          <LanguageSwitcher entry={live} codes={locales.data?.locales.map((l) => l.code) ?? []} canTranslate={hasRole(user, "editor", "admin")} />
        </div>
        <div className="entry-actions">
          {editable && (
            <>
              <span className={`save-state${dirty ? " unsaved" : ""}`} role="status">
                {saveState}
              </span>
              <button type="button" aria-disabled={save.isPending || !dirty} onClick={doSave} aria-keyshortcuts="Control+S Meta+S" title="Save (Ctrl+S)">
                Save
              </button>
            </>
          )}
          <Workflow
            entry={live}
            type={type}
            dirty={dirty}
            onDone={(e) => {
              setAnnounce(`Status is now ${statusLabels[e.status]}${e.live && e.status !== "published" ? ", still live" : ""}.`);
              requestAnimationFrame(() => statusRef.current?.focus());
            }}
            onDeleted={() => {
              setLeaveGuard(null);
              clearDraft(uid, id);
              navigate("/entries");
            }}
          />
        </div>
      </div>
      <p className="sr-only" role="status" aria-live="polite">
        {announce}
      </p>

      {review && live.status === "changes_requested" && review.kind === "request_changes" && (
        <div className="banner banner-warn" role="note" aria-label="Review request">
          <strong>Changes requested by {review.author.name}</strong> on revision {review.revision} · {when(review.created_at)}: <q>{review.body}</q>
        </div>
      )}
      {review && live.status === "approved" && review.kind === "approve" && (
        <div className="banner banner-ok" role="note" aria-label="Review">
          <strong>Approved by {review.author.name}</strong> (revision {review.revision}){review.body ? <>: <q>{review.body}</q></> : "."}
        </div>
      )}

      {live.outdated && source && (
        <div className="banner banner-warn" role="note" aria-label="Translation">
          <p>
            <strong>The {named(source.locale)} original changed since this was translated</strong> (it was revised at {when(source.revised_at)}; this translation at {when(live.revised_at)}).
          </p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setView("original")}>
              Read the original
            </button>
          </div>
        </div>
      )}

      {offer && offerDiffers && (
        <div className="banner" role="region" aria-label="Unsaved changes kept in this browser">
          <p>
            <strong>Restore your unsaved changes from {time(offer.at)}?</strong> They were kept in this browser{offer.version !== live.version ? `; the entry has been saved since (version ${live.version}), so saving will show you both` : ""}.
          </p>
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                setBase({ ...live, version: offer.version, slug: offer.originSlug });
                setOrigin(offer.origin);
                setOriginSlug(offer.originSlug);
                setData(offer.data);
                setSlug(offer.slug);
                setOffer(null);
                setView("edit");
              }}
            >
              Restore
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setOffer(null);
                if (!dirty) clearDraft(uid, id);
              }}
            >
              Discard them
            </button>
          </div>
        </div>
      )}

      {moved && (
        <div className="banner banner-warn" role="alert">
          <p>
            {live.revision_author?.name ?? "Someone"} saved a newer version (version {live.version}) while you were editing. Your changes are kept; saving shows you both.
          </p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setConflict(live)}>
              Compare now
            </button>
          </div>
        </div>
      )}
      {updated && !moved && !conflict && updated.revision === live.revision && (
        <div className="banner" role="status" aria-label="Updated from the server">
          <p>
            <strong>
              {updated.revision_author?.name ?? "Someone"} saved revision {updated.revision} at {time(updated.updated_at)}.
            </strong>{" "}
            It is shown now; you had nothing unsaved.
          </p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setUpdated(null)}>
              OK
            </button>
          </div>
        </div>
      )}

      {conflict && (
        <div className="conflict" role="alertdialog" aria-labelledby="conflict-title" aria-describedby="conflict-text">
          <h2 id="conflict-title" tabIndex={-1} ref={(h) => h?.focus()}>
            Someone else changed this entry
          </h2>
          <p id="conflict-text">
            {conflict.revision_author?.name ?? "Someone"} saved version {conflict.version} while you were editing version {base.version}. Your changes are not saved yet.
          </p>
          <ConflictCompare type={type} mine={{ data, slug }} theirs={conflict} />
          <p className="muted">
            Keeping yours puts them on top of version {conflict.version}: fields you did not touch keep their changes, and their text stays in the history. Reloading theirs drops your unsaved changes.
          </p>
          <div className="actions">
            <button
              type="button"
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
            <button
              type="button"
              className="secondary"
              onClick={() => {
                qc.setQueryData(["entry", id], conflict);
                setBase(conflict);
                setOrigin(conflict.data);
                setOriginSlug(conflict.slug);
                setData(conflict.data);
                setSlug(conflict.slug);
                setConflict(null);
                clearDraft(uid, id);
                save.reset();
              }}
            >
              Reload their version
            </button>
          </div>
        </div>
      )}

      <div className="entry-layout">
        <div className="entry-main">
          <div className="toggle view-switch" role="group" aria-label="View">
            {(["edit", "changes", "preview", ...(source ? (["original"] as const) : [])] as const).map((v) => (
              <button key={v} type="button" aria-pressed={shownView === v} onClick={() => setView(v)}>
                {v === "edit" ? (editable ? "Write" : "Read") : v === "changes" ? "Changes" : v === "preview" ? "Preview" : `Original (${source?.locale})`}
              </button>
            ))}
          </div>
          {shownView === "edit" && (
            <form
              id="entry-form"
              className="editor"
              noValidate
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                doSave();
              }}
            >
              {!editable && <p className="notice">You cannot edit this entry now ({statusLabels[live.status].toLowerCase()}{live.author.id === uid ? "" : ", and it is not yours"}).</p>}
              <Fields type={type} data={data} setData={setData} errors={errors} readOnly={!editable} />
              <div className="field">
                <label htmlFor="slug">Slug</label>
                <input id="slug" value={slug} disabled={!editable} onChange={(e) => setSlug(e.target.value)} />
                {errors.slug && <p className="field-error">{errors.slug}</p>}
              </div>
              {!Object.keys(errors).length && save.error && !(save.error instanceof ApiError && save.error.code === "version_conflict") && <ErrorNote error={save.error} />}
            </form>
          )}
          {shownView === "changes" && <Changes entry={live} type={type} comments={comments.data} editable={editable} />}
          {shownView === "preview" && <Preview entry={live} type={type} data={data} />}
          {shownView === "original" && source && <Original id={source.id} type={type} />}
        </div>
        <aside className="entry-side" aria-label="About this entry">
          <section className="panel details" aria-labelledby="details-title">
            <h2 id="details-title">Details</h2>
            <dl>
              <dt>Type</dt>
              <dd>{type.name}</dd>
              <dt>Language</dt>
              <dd>
                {named(live.locale)} ({live.locale})
              </dd>
              <dt>Author</dt>
              <dd>{live.author.name}</dd>
              <dt>Version</dt>
              <dd>
                {live.version} (revision {live.revision})
              </dd>
              <dt>Updated</dt>
              <dd>{when(live.updated_at)}</dd>
              <dt>On the site</dt>
              <dd>{live.live ? `yes${live.published_at ? `, since ${when(live.published_at)}` : ""}` : "no"}</dd>
              {live.status === "scheduled" && (
                <>
                  <dt>Goes live</dt>
                  <dd>{when(live.publish_at)}</dd>
                </>
              )}
            </dl>
          </section>
          <Comments id={id} />
          <History id={id} />
        </aside>
      </div>

      {leaving && (
        <LeaveDialog
          title={title}
          canSave={editable}
          saving={save.isPending}
          error={save.error && !(save.error instanceof ApiError && save.error.code === "version_conflict") ? save.error : null}
          onSave={doSave}
          onLeave={() => {
            const go = leaving;
            setLeaving(null);
            clearDraft(uid, id);
            setOffer(null);
            go();
          }}
          onStay={() => setLeaving(null)}
        />
      )}
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

/** Original shows the document's original beside nothing else: what a translator reads from. */
function Original({ id, type }: { id: string; type: ContentType }) {
  const q = useQuery({ queryKey: ["entry", id], queryFn: () => unwrap(api.GET("/api/entries/{id}", { params: { path: { id } } })) });
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorNote error={q.error} />;
  return (
    <section className="panel" aria-labelledby="original-title">
      <div className="page-head">
        <h2 id="original-title">
          The original, in {named(q.data.locale)} ({q.data.locale})
        </h2>
        <Link to={`/entries/${id}`}>Open it</Link>
      </div>
      <p className="muted">
        Revision {q.data.revision}, {when(q.data.revised_at)} · {statusLabels[q.data.status]}
      </p>
      <Rendered type={type} data={q.data.data} />
    </section>
  );
}
