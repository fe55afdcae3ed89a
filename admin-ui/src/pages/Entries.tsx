import { useEffect, useMemo, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type Entry, type Status } from "../api/client";
import { hasRole, useAuth } from "../auth";
import { Link, navigate, setQuery } from "../router";
import { useContentTypes, useEntries, useLocales } from "../queries";
import { LanguageBadges } from "./entry/Languages";
import { localeName } from "../locales";
import { actionLabels, statuses, statusLabels, type Action } from "../workflow";
import { Dialog } from "../components/Dialog";
import { Empty, entryTitle, ErrorNote, Loading, StatusBadge, when } from "../components/ui";

const SIZES = [10, 20, 50, 100];
type Bulk = Extract<Action, "submit" | "publish" | "unpublish" | "delete">;
const BULK: Bulk[] = ["submit", "publish", "unpublish", "delete"];
const done: Record<Bulk, string> = { submit: "Submitted", publish: "Published", unpublish: "Unpublished", delete: "Deleted" };
const notDone: Record<Bulk, string> = { submit: "Not submitted", publish: "Not published", unpublish: "Not unpublished", delete: "Not deleted" };

/** Filters, sort and page live in the address, so a reload or a shared link keeps them. */
function readParams() {
  const p = new URLSearchParams(window.location.search);
  const size = Number(p.get("size"));
  return {
    type: p.get("type") ?? "",
    status: (p.get("status") ?? "") as Status | "",
    author: p.get("author") ?? "",
    locale: p.get("locale") ?? "",
    search: p.get("q") ?? "",
    sort: p.get("sort") ?? "-updated_at",
    page: Math.max(1, Number(p.get("page")) || 1),
    size: SIZES.includes(size) ? size : 20,
  };
}

/** why says in words why the server would refuse an action on an entry. */
function why(e: Entry, a: Bulk): string {
  if (a === "delete" && e.live) return "it is live: unpublish it first";
  if (a === "unpublish" && !e.live) return "it is not on the site";
  if (a === "publish" && e.status !== "approved") return `it is ${statusLabels[e.status].toLowerCase()}, not approved`;
  if (a === "submit" && !["draft", "changes_requested"].includes(e.status)) return `it is ${statusLabels[e.status].toLowerCase()}`;
  return "you may not do this to it";
}

async function runOne(e: Entry, a: Bulk) {
  if (a === "delete") return unwrap(api.DELETE("/api/entries/{id}", { params: { path: { id: e.id } } }));
  const path = { submit: "/api/entries/{id}/submit", publish: "/api/entries/{id}/publish", unpublish: "/api/entries/{id}/unpublish" }[a] as "/api/entries/{id}/submit";
  return unwrap(api.POST(path, { params: { path: { id: e.id } }, body: { version: e.version } }));
}

export function Entries() {
  const { user } = useAuth();
  const qc = useQueryClient();
  const types = useContentTypes();
  const [f, setF] = useState(readParams);
  const [searchText, setSearchText] = useState(f.search);
  const [selected, setSelected] = useState<Map<string, Entry>>(new Map());
  const [confirm, setConfirm] = useState<{ a: Bulk; entries: Entry[] } | null>(null);
  const [running, setRunning] = useState(false);
  const [summary, setSummary] = useState<{ ok: string; refused: string[] } | null>(null);
  const canCreate = hasRole(user, "editor", "admin");

  // The search waits for typing to pause.
  useEffect(() => {
    if (searchText === f.search) return;
    const t = setTimeout(() => setF((x) => ({ ...x, search: searchText, page: 1 })), 300);
    return () => clearTimeout(t);
  }, [searchText, f.search]);
  useEffect(() => {
    setQuery({ type: f.type, status: f.status, author: f.author, locale: f.locale, q: f.search, sort: f.sort === "-updated_at" ? "" : f.sort, page: f.page > 1 ? f.page : "", size: f.size === 20 ? "" : f.size });
  }, [f]);
  // Back and forward between filtered lists.
  useEffect(() => {
    const on = () => {
      const p = readParams();
      setF(p);
      setSearchText(p.search);
    };
    window.addEventListener("popstate", on);
    return () => window.removeEventListener("popstate", on);
  }, []);

  const locales = useLocales();
  const codes = locales.data?.locales.map((l) => l.code) ?? [];
  const q = useEntries({ type: f.type, status: f.status, author: f.author, locale: f.locale, search: f.search, sort: f.sort, limit: f.size, offset: (f.page - 1) * f.size });
  // Only admins may list users; everyone else picks between anyone and themselves.
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => unwrap(api.GET("/api/users", { params: { query: { limit: 100 } } })),
    enabled: hasRole(user, "admin"),
  });
  const set = (patch: Partial<typeof f>) => setF((x) => ({ ...x, ...patch, page: "page" in patch ? (patch.page ?? 1) : 1 }));
  const rows = q.data?.data ?? [];
  const total = q.data?.meta.total ?? 0;
  const capped = q.data?.meta.capped ?? false; // the server counts up to 10,000
  const pages = Math.max(1, Math.ceil(total / f.size));
  // One language and no translations: the column would say "en" on every row.
  const showLanguages = codes.length > 1 || rows.some((e) => e.translations.length > 0);
  const allOnPage = rows.length > 0 && rows.every((e) => selected.has(e.id));
  const chosen = useMemo(() => [...selected.values()], [selected]);

  const toggle = (e: Entry, on: boolean) =>
    setSelected((s) => {
      const n = new Map(s);
      if (on) n.set(e.id, e);
      else n.delete(e.id);
      return n;
    });

  const run = async (a: Bulk, entries: Entry[]) => {
    setRunning(true);
    setSummary(null);
    const refused: string[] = [];
    let ok = 0;
    for (const e of entries) {
      const title = entryTitle(e.data, e.slug);
      if (!(e.allowed_actions ?? []).includes(a)) {
        refused.push(`${title} (${why(e, a)})`);
        continue;
      }
      try {
        await runOne(e, a);
        ok++;
      } catch (err) {
        refused.push(`${title} (${err instanceof ApiError ? err.message.replace(/\.$/, "") : "failed"})`);
      }
    }
    setRunning(false);
    setConfirm(null);
    setSelected(new Map());
    setSummary({ ok: `${done[a]} ${ok} ${ok === 1 ? "entry" : "entries"}.`, refused: refused.length ? [`${notDone[a]}: ${refused.join(", ")}.`] : [] });
    qc.invalidateQueries({ queryKey: ["entries"] });
    for (const e of entries) qc.invalidateQueries({ queryKey: ["entry", e.id] });
  };
  const ask = (a: Bulk, entries: Entry[]) => (a === "delete" || a === "unpublish" ? setConfirm({ a, entries }) : void run(a, entries));

  const sortHeader = (label: string, col: string) => {
    const dir = f.sort === col ? "ascending" : f.sort === `-${col}` ? "descending" : "none";
    return (
      <th scope="col" aria-sort={dir}>
        <button type="button" className="sort" onClick={() => set({ sort: dir === "ascending" ? `-${col}` : col })}>
          {label}
          <span aria-hidden="true" className="sort-mark">
            {dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : " ↕"}
          </span>
        </button>
      </th>
    );
  };

  return (
    <section>
      <div className="page-head">
        <h1>Entries</h1>
        {canCreate && types.data && (
          <div className="new-entry">
            <label htmlFor="new-type" className="sr-only">
              Type of the new entry
            </label>
            <select id="new-type" defaultValue={f.type || lastNewType(types.data.map((t) => t.key)) || types.data[0]?.key}>
              {types.data.map((t) => (
                <option key={t.key} value={t.key}>
                  {t.name}
                </option>
              ))}
            </select>
            <button
              type="button"
              onClick={() => {
                const sel = document.getElementById("new-type") as HTMLSelectElement;
                try {
                  localStorage.setItem(NEW_TYPE_KEY, sel.value);
                } catch {
                  /* storage off: the first type next time */
                }
                navigate(`/entries/new?type=${encodeURIComponent(sel.value)}`);
              }}
            >
              New entry
            </button>
          </div>
        )}
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="f-type">Type</label>
          <select id="f-type" value={f.type} onChange={(e) => set({ type: e.target.value })}>
            <option value="">All types</option>
            {types.data?.map((t) => (
              <option key={t.key} value={t.key}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={f.status} onChange={(e) => set({ status: e.target.value as Status | "" })}>
            <option value="">Any status</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {statusLabels[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-author">Author</label>
          <select id="f-author" value={f.author} onChange={(e) => set({ author: e.target.value })}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            {users.data?.data
              .filter((u) => u.id !== user!.id)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
          </select>
        </div>
        {(codes.length > 1 || f.locale) && (
          <div>
            <label htmlFor="f-locale">Language</label>
            <select id="f-locale" value={f.locale} onChange={(e) => set({ locale: e.target.value })}>
              <option value="">Any language</option>
              {codes.map((c) => (
                <option key={c} value={c}>
                  {localeName(c) ? `${localeName(c)} (${c})` : c}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="grow">
          <label htmlFor="f-search">Search</label>
          <input id="f-search" type="search" value={searchText} onChange={(e) => setSearchText(e.target.value)} placeholder="Words in the title or text" />
        </div>
        <div>
          <label htmlFor="f-size">Per page</label>
          <select id="f-size" value={f.size} onChange={(e) => set({ size: Number(e.target.value) })}>
            {SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </form>

      {(chosen.length > 0 || summary) && (
        <div className="bulk-bar" role="region" aria-label="Selected entries">
          {chosen.length > 0 && (
            <div className="bulk-line">
              <strong>{chosen.length} selected</strong>
              {BULK.map((a) => (
                <button key={a} type="button" className={a === "delete" || a === "unpublish" ? "danger" : "secondary"} disabled={running} onClick={() => ask(a, chosen)}>
                  {actionLabels[a]}
                </button>
              ))}
              <button type="button" className="link" onClick={() => setSelected(new Map())}>
                Clear selection
              </button>
            </div>
          )}
          <div role="status">
            {running && <p>Working…</p>}
            {summary && (
              <p>
                {summary.ok} {summary.refused.join(" ")}
              </p>
            )}
          </div>
        </div>
      )}

      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <ErrorNote error={q.error} />
      ) : rows.length === 0 ? (
        <Empty>No entries match. {canCreate && "Create one with New entry."}</Empty>
      ) : (
        <>
          <table className="table entries-table">
            <caption className="sr-only">Entries</caption>
            <thead>
              <tr>
                <th scope="col" className="cell-check">
                  <input type="checkbox" aria-label="Select all on this page" checked={allOnPage} onChange={(e) => rows.forEach((r) => toggle(r, e.target.checked))} />
                </th>
                {sortHeader("Title", "slug")}
                {sortHeader("Type", "type")}
                {sortHeader("Status", "status")}
                {showLanguages && <th scope="col">Languages</th>}
                <th scope="col">Author</th>
                {sortHeader("Updated", "updated_at")}
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => {
                const title = entryTitle(e.data, e.slug);
                return (
                  <tr key={e.id} className={selected.has(e.id) ? "selected" : undefined}>
                    <td className="cell-check">
                      <input type="checkbox" aria-label={`Select ${title}`} checked={selected.has(e.id)} onChange={(ev) => toggle(e, ev.target.checked)} />
                    </td>
                    <td>
                      <Link to={`/entries/${e.id}`}>{title}</Link>
                    </td>
                    <td>{types.data?.find((t) => t.key === e.type)?.name ?? e.type}</td>
                    <td>
                      <StatusBadge status={e.status} live={e.live} />
                    </td>
                    {showLanguages && (
                      <td>
                        <LanguageBadges entry={e} codes={codes} />
                      </td>
                    )}
                    <td>{e.author.name}</td>
                    <td>{when(e.updated_at)}</td>
                    <td>
                      {(e.allowed_actions ?? []).includes("delete") && (
                        <button type="button" className="link danger-link" onClick={() => setConfirm({ a: "delete", entries: [e] })} aria-label={`Delete ${title}`}>
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <button type="button" className="secondary" disabled={f.page <= 1} onClick={() => set({ page: f.page - 1 })}>
              Previous
            </button>
            <span>
              {(f.page - 1) * f.size + 1}–{(f.page - 1) * f.size + rows.length} of {capped ? `more than ${total.toLocaleString()}` : total} · page {f.page} of {pages}
              {capped ? "+" : ""}
            </span>
            <button type="button" className="secondary" disabled={f.page >= pages} onClick={() => set({ page: f.page + 1 })}>
              Next
            </button>
          </nav>
        </>
      )}
      {confirm && (
        <Dialog labelledBy="bulk-title" describedBy="bulk-text" onClose={() => !running && setConfirm(null)}>
          <div className="dialog-body">
            <h2 id="bulk-title">
              {confirm.a === "delete" ? "Delete" : "Unpublish"} {confirm.entries.length === 1 ? `“${entryTitle(confirm.entries[0]!.data, confirm.entries[0]!.slug)}”` : `${confirm.entries.length} entries`}?
            </h2>
            <p id="bulk-text">
              {confirm.a === "delete"
                ? "Their text, revisions, comments and history are deleted for good; this cannot be undone. Live entries are not deleted: unpublish them first."
                : "The site loses them: the delivery API stops serving them, so their pages and every link to them stop working. Their text stays here as drafts."}
            </p>
            <div className="actions">
              <button type="button" className="danger" disabled={running} onClick={() => void run(confirm.a, confirm.entries)}>
                {confirm.a === "delete" ? "Delete for good" : "Unpublish"}
              </button>
              <button type="button" className="secondary" autoFocus disabled={running} onClick={() => setConfirm(null)}>
                Cancel
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </section>
  );
}

const NEW_TYPE_KEY = "cms.newEntryType";

/** lastNewType is the type of the last entry started here, so "New entry" offers it again. */
function lastNewType(keys: string[]): string | undefined {
  try {
    const k = localStorage.getItem(NEW_TYPE_KEY);
    return k && keys.includes(k) ? k : undefined;
  } catch {
    return undefined;
  }
}
