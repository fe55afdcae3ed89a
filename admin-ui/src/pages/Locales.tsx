import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import { setLeaveGuard } from "../router";
import { Dialog } from "../components/Dialog";
import { ErrorNote, Loading } from "../components/ui";
import {
  addRow,
  changes,
  codeHint,
  COMMON,
  cycle,
  fromSettings,
  inUse,
  localeLabel,
  localeName,
  MAX_CODE,
  moveRow,
  placeErrors,
  removeRow,
  renameRow,
  restoreRow,
  same,
  spellingFix,
  spellingProblem,
  toSettings,
  type Draft,
  type LocaleSettings,
  type Problems,
  type Row,
} from "../locales";

export const localesKey = ["locales"];

/** The ids of a row's controls, to give the focus back after a move or a removal. */
const ids = (key: number) => ({
  up: `locale-${key}-up`,
  down: `locale-${key}-down`,
  remove: `locale-${key}-remove`,
  fallback: `locale-${key}-fallback`,
  def: `locale-${key}-default`,
  name: `locale-${key}-name`,
  codeNote: `locale-${key}-code-note`,
  fallbackNote: `locale-${key}-fallback-note`,
  restore: `locale-${key}-restore`,
});

const focusSoon = (...candidates: string[]) =>
  requestAnimationFrame(() => {
    for (const id of candidates) {
      const el = document.getElementById(id);
      if (el && !(el as HTMLButtonElement).disabled) return el.focus();
    }
  });

/** A 409 of the PUT: the server's message and the locales it names, with how many entries use each. */
type Conflict = { message: string; codes: Record<string, string> };

/**
 * Locales is the admin's page of the locales content is written in: their
 * order, each one's fallback, the default; added, removed and reordered here
 * and saved at once with PUT /api/locales.
 */
export function Locales() {
  const qc = useQueryClient();
  const saved = useQuery({ queryKey: localesKey, queryFn: () => unwrap(api.GET("/api/locales")) });
  const [origin, setOrigin] = useState<LocaleSettings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problems, setProblems] = useState<Problems>({ rows: {}, other: {} });
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [said, setSaid] = useState("");
  const [justSaved, setJustSaved] = useState(false);
  const [defaultNote, setDefaultNote] = useState<number | null>(null);
  const [leaving, setLeaving] = useState<(() => void) | null>(null);

  const dirty = !!draft && !!origin && !same(toSettings(draft), origin);

  // The saved settings fill the draft; a refetch replaces it only while nothing is changed.
  useEffect(() => {
    if (!saved.data) return;
    if (!draft || !origin || same(toSettings(draft), origin)) {
      setOrigin(saved.data);
      setDraft(fromSettings(saved.data, draft?.rows));
    }
  }, [saved.data]);

  const save = useMutation({
    mutationFn: (d: Draft) => unwrap(api.PUT("/api/locales", { body: toSettings(d) })),
    onMutate: () => {
      setSaid("");
      setJustSaved(false);
    },
    onSuccess: (s) => {
      qc.setQueryData(localesKey, s);
      setOrigin(s);
      setDraft((d) => fromSettings(s, d?.rows));
      setProblems({ rows: {}, other: {} });
      setConflict(null);
      setJustSaved(true);
      setSaid("Saved.");
    },
    onError: (err, sent) => {
      if (err instanceof ApiError && err.code === "validation_failed") {
        setProblems(placeErrors(err.fields, sent.rows));
        setConflict(null);
      } else if (err instanceof ApiError && err.status === 409) {
        setProblems({ rows: {}, other: {} });
        setConflict({ message: err.message, codes: inUse(err.message) });
      }
    },
  });

  useLeaveGuard(dirty, (proceed) => setLeaving(() => proceed));
  useSaveKey(() => {
    if (draft && dirty && !save.isPending) save.mutate(draft);
  });

  if (saved.isPending) return <Loading label="Loading the locales" />;
  if (saved.error) return <ErrorNote error={saved.error} />;
  if (!draft || !origin) return <Loading label="Loading the locales" />;

  const savedCodes = new Set(origin.locales.map((l) => l.code));
  const savedFallback = new Map(origin.locales.map((l) => [l.code, l.fallback ?? ""]));
  const summary = changes(origin, draft);
  const rowProblems = Object.values(problems.rows).reduce((n, p) => n + (p.code ? 1 : 0) + (p.fallback ? 1 : 0), 0);
  const otherProblems = Object.entries(problems.other);
  // A 409 naming a locale that is not among this page's removals (someone else added it meanwhile) is said at Save.
  const conflictHere = !!conflict && draft.removed.length > 0 && Object.keys(conflict.codes).length > 0 && Object.keys(conflict.codes).every((c) => draft.removed.some((r) => r.row.code === c));

  /** change applies an edit to the draft; the messages it makes stale go with it. */
  const change = (next: Draft, clear: { fallbacks?: boolean; code?: number; def?: boolean } = {}) => {
    setDraft(next);
    setJustSaved(false);
    if (save.isError && !(save.error instanceof ApiError && (save.error.code === "validation_failed" || save.error.status === 409))) save.reset();
    if (clear.fallbacks || clear.code !== undefined) {
      setProblems((p) => {
        const rows: Problems["rows"] = {};
        for (const [k, v] of Object.entries(p.rows)) {
          const left = { ...v };
          if (clear.fallbacks) delete left.fallback;
          if (clear.code === Number(k)) delete left.code;
          if (left.code || left.fallback) rows[Number(k)] = left;
        }
        return { ...p, rows };
      });
    }
    if (clear.def) setProblems((p) => ({ ...p, other: Object.fromEntries(Object.entries(p.other).filter(([k]) => k !== "default")) }));
  };

  const move = (i: number, by: number, key: number) => {
    change(moveRow(draft, i, by));
    const row = draft.rows[i]!;
    setSaid(`${row.code} moved to position ${i + by + 1} of ${draft.rows.length}.`);
    const id = ids(key);
    focusSoon(by < 0 ? id.up : id.down, by < 0 ? id.down : id.up);
  };

  const remove = (i: number, row: Row) => {
    if (row.code === draft.def) {
      setDefaultNote(row.key);
      return;
    }
    const dependants = draft.rows.filter((r) => r.fallback === row.code).map((r) => r.key);
    const next = removeRow(draft, row.key, savedCodes);
    change(next, { fallbacks: true });
    const moved = next.rows.filter((r) => dependants.includes(r.key)).map((r) => `${r.code} now falls back to ${r.fallback || "none"}`);
    setSaid(`${row.code} ${savedCodes.has(row.code) ? "is removed when you save" : "removed"}.${moved.length ? ` ${moved.join("; ")}.` : ""}`);
    const after = next.rows[i] ?? next.rows[i - 1];
    focusSoon(...(after ? [ids(after.key).remove] : []), "locale-code");
  };

  const restore = (key: number) => {
    const code = draft.removed.find((r) => r.row.key === key)?.row.code;
    change(restoreRow(draft, key), { fallbacks: true });
    if (conflict && code && code in conflict.codes) {
      const codes = { ...conflict.codes };
      delete codes[code];
      setConflict(Object.keys(codes).length ? { ...conflict, codes } : null);
    }
    setSaid(`${code} kept.`);
    focusSoon(ids(key).remove);
  };

  return (
    <section className="locales">
      <div className="page-head">
        <div>
          <h1>Locales</h1>
          <p className="muted">The languages content is written in, in the order editors see them. When an entry has no published translation in a locale, the delivery API serves its fallback; entries made without a locale are in the default.</p>
        </div>
      </div>

      <div className="card locale-card">
        <h2 id="locales-title">Locales, in order</h2>
        {otherProblems.some(([k]) => k === "locales") && <p className="field-error">{problems.other.locales}</p>}
        <ol className="locale-list" aria-labelledby="locales-title">
          {draft.rows.map((r, i) => {
            const id = ids(r.key);
            const name = localeName(r.code);
            const isNew = !savedCodes.has(r.code);
            const fallbackChanged = !isNew && savedFallback.get(r.code) !== r.fallback;
            const err = problems.rows[r.key] ?? {};
            const spelling = isNew && !err.code ? spellingProblem(r.code) : null;
            const fix = err.code ? spellingFix(err.code) : (spelling?.suggestion ?? null);
            const circle = !err.fallback && r.fallback && r.fallback !== savedFallback.get(r.code) ? cycle(draft.rows, r.code) : null;
            const rewiredFrom = draft.removed.flatMap((x) => x.rewired).find((w) => w.key === r.key && w.to === r.fallback)?.from;
            const fallbackNote = err.fallback ?? (circle ? `The fallbacks go round in a circle: ${circle.join(" → ")}. The server refuses a circle.` : null);
            return (
              <li key={r.key} className={`locale-row${isNew ? " is-new" : ""}${err.code || err.fallback ? " is-invalid" : ""}`}>
                <span className="locale-pos" aria-hidden="true">
                  {i + 1}
                </span>
                <div className="locale-id">
                  <span id={id.name} className="locale-code">
                    <code>{r.code}</code>
                    {name && <span className="locale-label"> — {name}</span>}
                  </span>
                  {isNew && <span className="badge badge-new">New</span>}
                  {fallbackChanged && <span className="badge badge-changed">Changed</span>}
                </div>
                <div className="locale-fallback">
                  <label htmlFor={id.fallback}>
                    Fallback<span className="sr-only"> for {r.code}</span>
                  </label>
                  <select
                    id={id.fallback}
                    value={r.fallback}
                    aria-invalid={!!err.fallback || undefined}
                    aria-describedby={fallbackNote ? id.fallbackNote : undefined}
                    onChange={(e) => {
                      const to = e.target.value;
                      change({ ...draft, rows: draft.rows.map((x) => (x.key === r.key ? { ...x, fallback: to } : x)) }, { fallbacks: true });
                    }}
                  >
                    <option value="">None</option>
                    {draft.rows
                      .filter((o) => o.key !== r.key)
                      .map((o) => (
                        <option key={o.key} value={o.code}>
                          {localeLabel(o.code)}
                        </option>
                      ))}
                  </select>
                </div>
                <div className="check locale-default">
                  <input
                    id={id.def}
                    type="radio"
                    name="default-locale"
                    checked={draft.def === r.code}
                    onChange={() => {
                      change({ ...draft, def: r.code }, { def: true });
                      setDefaultNote(null);
                    }}
                  />
                  <label htmlFor={id.def}>
                    Default<span className="sr-only"> locale: {r.code}</span>
                  </label>
                </div>
                <div className="row-tools locale-tools">
                  <button type="button" id={id.up} className="tool" aria-label={`Move ${r.code} up`} title="Move up" disabled={i === 0} onClick={() => move(i, -1, r.key)}>
                    ↑
                  </button>
                  <button type="button" id={id.down} className="tool" aria-label={`Move ${r.code} down`} title="Move down" disabled={i === draft.rows.length - 1} onClick={() => move(i, 1, r.key)}>
                    ↓
                  </button>
                  <button type="button" id={id.remove} className="tool tool-danger" aria-describedby={defaultNote === r.key ? id.codeNote : undefined} onClick={() => remove(i, r)}>
                    Remove<span className="sr-only"> {r.code}</span>
                  </button>
                </div>
                {(err.code || spelling || (defaultNote === r.key && draft.def === r.code)) && (
                  <div className="locale-notes" id={id.codeNote}>
                    {err.code ? (
                      <p className="field-error">{err.code}</p>
                    ) : spelling ? (
                      <p className="warn-note">{spelling.text}</p>
                    ) : (
                      <p className="warn-note" role="alert">
                        {r.code} is the default: make another locale the default before removing it.
                      </p>
                    )}
                    {fix && !draft.rows.some((x) => x.code === fix) && (
                      <button
                        type="button"
                        className="secondary small"
                        onClick={() => {
                          change(renameRow(draft, r.key, fix), { code: r.key, fallbacks: true });
                          setSaid(`${r.code} is now written ${fix}.`);
                          focusSoon(id.fallback);
                        }}
                      >
                        Write it {fix}
                        <span className="sr-only"> instead of {r.code}</span>
                      </button>
                    )}
                  </div>
                )}
                {(fallbackNote || rewiredFrom) && (
                  <div className="locale-notes" id={id.fallbackNote}>
                    {fallbackNote ? <p className={err.fallback ? "field-error" : "warn-note"}>{fallbackNote}</p> : <p className="help">Fell back to {rewiredFrom}, which is removed when you save.</p>}
                  </div>
                )}
              </li>
            );
          })}
        </ol>
        {otherProblems.some(([k]) => k === "default") && <p className="field-error">Default: {problems.other.default}</p>}

        {draft.removed.length > 0 && (
          <section className="locale-removed" aria-labelledby="removed-title">
            <h3 id="removed-title">Removed when you save</h3>
            {conflict && conflictHere && (
              <p className="error" role="alert">
                Not saved: {conflict.message}. Keep it, or move or delete those entries first.
              </p>
            )}
            <ul>
              {draft.removed.map((x) => {
                const uses = conflict?.codes[x.row.code];
                return (
                  <li key={x.row.key} className={uses ? "is-used" : undefined}>
                    <span className="locale-code">
                      <del>
                        <code>{x.row.code}</code>
                        {localeName(x.row.code) && <span className="locale-label"> — {localeName(x.row.code)}</span>}
                      </del>
                    </span>
                    {uses && <span className="badge badge-warn">In use by {uses}</span>}
                    <button type="button" id={ids(x.row.key).restore} className="secondary small" onClick={() => restore(x.row.key)}>
                      Keep<span className="sr-only"> {x.row.code}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          </section>
        )}
      </div>

      <AddLocale
        draft={draft}
        onAdd={(code) => {
          const back = draft.removed.some((r) => r.row.code === code);
          const next = addRow(draft, code);
          change(next, back ? { fallbacks: true } : {});
          const row = next.rows.find((r) => r.code === code);
          setSaid(back ? `${code} kept.` : `${localeLabel(code)} added${row?.fallback ? `, falling back to ${row.fallback}` : ""}.`);
        }}
      />

      <div className={`locale-bar${dirty ? " is-dirty" : ""}`}>
        <div className="locale-bar-text">
          <p className={`save-state${dirty ? " unsaved" : ""}`}>{save.isPending ? "Saving…" : dirty ? `Unsaved changes: ${summary.join("; ") || "order"}` : justSaved ? "Saved" : "No unsaved changes"}</p>
          {(rowProblems > 0 || otherProblems.length > 0) && (
            <p className="error" role="alert">
              Not saved: {rowProblems > 0 ? `the server refused ${rowProblems === 1 ? "a field" : `${rowProblems} fields`}, shown at ${rowProblems === 1 ? "its locale" : "their locales"}` : Object.values(problems.other).join("; ")}.
            </p>
          )}
          {conflict && !conflictHere && (
            <p className="error" role="alert">
              Not saved: {conflict.message}. Someone may have changed the locales meanwhile: reload the page to see them.
            </p>
          )}
          {!(save.error instanceof ApiError && (save.error.code === "validation_failed" || save.error.status === 409)) && <ErrorNote error={save.error} />}
        </div>
        <div className="actions">
          <button
            type="button"
            className="secondary"
            disabled={!dirty || save.isPending}
            onClick={() => {
              setDraft(fromSettings(origin, draft.rows));
              setProblems({ rows: {}, other: {} });
              setConflict(null);
              setDefaultNote(null);
              save.reset();
              setSaid("Changes discarded.");
            }}
          >
            Discard changes
          </button>
          <button type="button" disabled={!dirty || save.isPending} aria-keyshortcuts="Control+S Meta+S" title="Save (Ctrl+S)" onClick={() => save.mutate(draft)}>
            {save.isPending ? "Saving…" : "Save locales"}
          </button>
        </div>
      </div>
      <p role="status" className="sr-only">
        {said}
      </p>

      {leaving && (
        <Dialog labelledBy="leave-title" describedBy="leave-text" onClose={() => setLeaving(null)} className="alt-dialog confirm">
          <h2 id="leave-title">Leave without saving?</h2>
          <p id="leave-text">Your changes to the locales are not saved ({summary.join("; ")}). If you leave now, they are lost.</p>
          <ErrorNote error={save.error} />
          <div className="actions">
            <button
              type="button"
              disabled={save.isPending}
              onClick={() =>
                save.mutate(draft, {
                  onSuccess: () => {
                    const go = leaving;
                    setLeaving(null);
                    setLeaveGuard(null);
                    go();
                  },
                  onError: () => setLeaving(null),
                })
              }
            >
              {save.isPending ? "Saving…" : "Save and leave"}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                const go = leaving;
                setLeaving(null);
                go();
              }}
            >
              Leave without saving
            </button>
            <button type="button" className="secondary" autoFocus onClick={() => setLeaving(null)}>
              Stay
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

/** AddLocale is the code input, with a hint as it is typed and common codes to pick from. */
function AddLocale({ draft, onAdd }: { draft: Draft; onAdd: (code: string) => void }) {
  const [code, setCode] = useState("");
  const [tried, setTried] = useState(false);
  const listed = draft.rows.map((r) => r.code);
  const hint = codeHint(code, listed);
  const empty = tried && !code.trim();
  const blocked = hint?.tone === "error";
  return (
    <form
      className="card locale-add"
      aria-labelledby="add-locale-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const c = code.trim();
        setTried(true);
        if (!c || blocked) return;
        onAdd(c);
        setCode("");
        setTried(false);
      }}
    >
      <h2 id="add-locale-title">Add a locale</h2>
      <label htmlFor="locale-code">Locale code</label>
      <div className="locale-add-line">
        <input
          id="locale-code"
          list="locale-codes"
          value={code}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          maxLength={MAX_CODE + 20}
          placeholder="e.g. fr-CA"
          aria-invalid={empty || (tried && blocked) || undefined}
          aria-describedby="locale-code-help locale-code-hint"
          onChange={(e) => {
            setCode(e.target.value);
            setTried(false);
          }}
        />
        <button type="submit">Add locale</button>
      </div>
      <p className="help" id="locale-code-help">
        A BCP 47 language tag: a language (<code>fr</code>), with a region (<code>fr-CA</code>) or a script (<code>zh-Hant</code>). It starts with a fallback you can change in its row.
      </p>
      <div id="locale-code-hint" className="locale-hint" aria-live="polite">
        {empty ? (
          <p className="field-error">Type a locale code, such as fr or fr-CA.</p>
        ) : hint ? (
          <p className={hint.tone === "error" ? "field-error" : hint.tone === "warn" ? "warn-note" : "ok-note"}>{hint.text}</p>
        ) : null}
      </div>
      {hint?.suggestion && !listed.includes(hint.suggestion) && (
        <button type="button" className="secondary small" onClick={() => setCode(hint.suggestion!)}>
          Use {hint.suggestion}
        </button>
      )}
      <datalist id="locale-codes">
        {COMMON.filter((c) => !listed.includes(c)).map((c) => (
          <option key={c} value={c} label={localeName(c) || undefined} />
        ))}
      </datalist>
    </form>
  );
}

/**
 * useLeaveGuard asks before leaving with unsaved changes: in-app links and
 * the back button open the leave dialog, closing or reloading the tab gets
 * the browser's own question.
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

/** useSaveKey makes Ctrl+S (Cmd+S on a Mac) save the locales. */
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
