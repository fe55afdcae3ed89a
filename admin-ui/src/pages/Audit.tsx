import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, ApiError, unwrap, type Schemas } from "../api/client";
import { Link, setQuery } from "../router";
import { Empty, ErrorNote, Loading } from "../components/ui";

type Page = { data: Schemas["AuditRecord"][]; meta: Schemas["ListMeta"] & { capped: boolean } };

const SIZES = [25, 50, 100];
const PREFIXES: [string, string][] = [
  ["entry.", "Entries"],
  ["user.", "Users and sign-ins"],
  ["media.", "Media"],
  ["content_type.", "Content types"],
  ["webhook.", "Webhooks"],
  ["token.", "API tokens"],
  ["role.", "Roles"],
];

type Filter = { action: string; actor: string; object: string; from: string; to: string; page: number; size: number };

/** Filters and page live in the address, as on the Entries list. */
function readParams(): Filter {
  const p = new URLSearchParams(window.location.search);
  const size = Number(p.get("size"));
  return {
    action: p.get("action") ?? "",
    actor: p.get("actor") ?? "",
    object: p.get("object") ?? "",
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
    page: Math.max(1, Number(p.get("page")) || 1),
    size: SIZES.includes(size) ? size : 50,
  };
}

/** A date picked here is a local day: from its start, up to the end of the "to" day. */
function dayStart(d: string, plusDays = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
  const [y, m, day] = d.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, day + plusDays).toISOString();
}

function serverQuery(f: Filter) {
  const q: Record<string, string | number> = {};
  if (f.action.trim()) q.action = f.action.trim();
  if (f.actor) q.actor = f.actor;
  if (f.object.trim()) q.object_id = f.object.trim();
  const from = dayStart(f.from);
  const to = dayStart(f.to, 1);
  if (from) q.from = from;
  if (to) q.to = to;
  return q as { action?: string; actor?: string; object_id?: string; from?: string; to?: string };
}

function stamp(iso: string) {
  const d = new Date(iso);
  return { date: d.toLocaleDateString(undefined, { dateStyle: "medium" }), time: d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" }) };
}

/** The area of an action ("entry" of entry.published), for its colour. */
function area(action: string) {
  return action.split(".")[0]?.replace(/[^a-z_]/g, "") ?? "";
}

/** objectLink links to the object of a record when the admin UI has a page for it. */
function ObjectCell({ type, id }: { type: string; id: string }) {
  if (!id) return <span className="muted">{type || "—"}</span>;
  let to = "";
  if (type.startsWith("entries")) to = `/entries/${id}`;
  else if (type === "webhooks") to = `/webhooks/${id}`;
  else if (type === "content_types") to = `/content-types/${id}`;
  return (
    <>
      <span className="muted">{type}</span>
      <div className="mono id" title={id}>
        {to ? <Link to={to}>{id}</Link> : id}
      </div>
    </>
  );
}

export function Audit() {
  const [f, setF] = useState(readParams);
  const [actionText, setActionText] = useState(f.action);
  const [objectText, setObjectText] = useState(f.object);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);

  // Typed filters wait for typing to pause.
  useEffect(() => {
    if (actionText === f.action && objectText === f.object) return;
    const t = setTimeout(() => setF((x) => ({ ...x, action: actionText, object: objectText, page: 1 })), 300);
    return () => clearTimeout(t);
  }, [actionText, objectText, f.action, f.object]);
  useEffect(() => {
    setQuery({ action: f.action, actor: f.actor, object: f.object, from: f.from, to: f.to, page: f.page > 1 ? f.page : "", size: f.size === 50 ? "" : f.size });
  }, [f]);
  useEffect(() => {
    const on = () => {
      const p = readParams();
      setF(p);
      setActionText(p.action);
      setObjectText(p.object);
    };
    window.addEventListener("popstate", on);
    return () => window.removeEventListener("popstate", on);
  }, []);

  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => unwrap(api.GET("/api/users", { params: { query: { limit: 100 } } })),
    staleTime: 60_000,
  });
  const query = serverQuery(f);
  const records = useQuery({
    queryKey: ["audit", query, f.page, f.size],
    // JSON here (the CSV answer is the export's).
    queryFn: async () => (await unwrap(api.GET("/api/audit", { params: { query: { ...query, limit: f.size, offset: (f.page - 1) * f.size } } }))) as Page,
    placeholderData: keepPreviousData,
  });

  const set = (x: Partial<Filter>) => setF((old) => ({ ...old, ...x, page: 1 }));
  const prefix = PREFIXES.some(([p]) => p === f.action) ? f.action : f.action ? "custom" : "";
  const filtered = !!(f.action || f.actor || f.object || f.from || f.to);
  const total = records.data?.meta.total ?? 0;
  // Past 10,000 matches the server stops counting: say "more than".
  const capped = records.data?.meta.capped ?? false;
  const first = total ? (f.page - 1) * f.size + 1 : 0;
  const last = Math.min(total, f.page * f.size);
  const pages = Math.max(1, Math.ceil(total / f.size));

  async function exportCSV() {
    setExporting(true);
    setExportError(null);
    try {
      const { data, response } = await api.GET("/api/audit", { params: { query: { ...query, format: "csv" } }, parseAs: "blob" });
      if (!response.ok || !(data instanceof Blob)) throw new ApiError(response.status, "internal", `The export failed (${response.status} ${response.statusText}).`);
      const url = URL.createObjectURL(data);
      const a = document.createElement("a");
      a.href = url;
      a.download = `audit-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setExportError(err);
    } finally {
      setExporting(false);
    }
  }

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="muted">Who did what, and when: every sign-in, change and workflow step. Records can't be edited or deleted.</p>
        </div>
        <button type="button" className="secondary" onClick={exportCSV} disabled={exporting}>
          {exporting ? "Exporting…" : filtered ? "Export CSV (filtered)" : "Export CSV"}
        </button>
      </div>
      <ErrorNote error={exportError} />
      <form className="filters audit-filters card" role="search" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="audit-area">Area</label>
          <select
            id="audit-area"
            value={prefix}
            onChange={(e) => {
              const v = e.target.value === "custom" ? "" : e.target.value;
              setActionText(v);
              set({ action: v });
            }}
          >
            <option value="">All actions</option>
            {PREFIXES.map(([p, label]) => (
              <option key={p} value={p}>
                {label} ({p}…)
              </option>
            ))}
            {prefix === "custom" && <option value="custom">Custom</option>}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="audit-action">Action</label>
          <input id="audit-action" value={actionText} placeholder="entry.published, user.sign_in_failed" onChange={(e) => setActionText(e.target.value)} aria-describedby="audit-action-help" spellCheck={false} />
          <p className="help" id="audit-action-help">
            One action, several separated by commas, or a prefix ending in a dot.
          </p>
        </div>
        <div className="field f-actor">
          <label htmlFor="audit-actor">Actor</label>
          <select id="audit-actor" value={f.actor} onChange={(e) => set({ actor: e.target.value })}>
            <option value="">Anyone</option>
            {users.data?.data.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field f-object">
          <label htmlFor="audit-object">Object id</label>
          <input id="audit-object" value={objectText} onChange={(e) => setObjectText(e.target.value)} spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="date" value={f.from} max={f.to || undefined} onChange={(e) => set({ from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input id="audit-to" type="date" value={f.to} min={f.from || undefined} onChange={(e) => set({ to: e.target.value })} />
        </div>
        {filtered && (
          <button
            type="button"
            className="link clear-filters"
            onClick={() => {
              setActionText("");
              setObjectText("");
              setF({ ...f, action: "", actor: "", object: "", from: "", to: "", page: 1 });
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <p className="muted result-count" role="status">
        {records.data ? (total ? `${first}–${last} of ${capped ? `more than ${total.toLocaleString()}` : total} record${total === 1 ? "" : "s"}` : "") : ""}
      </p>
      {records.isPending ? (
        <Loading label="Loading the audit log" />
      ) : records.error ? (
        <ErrorNote error={records.error} />
      ) : records.data.data.length === 0 ? (
        <Empty>{filtered ? "No records match these filters." : "Nothing has happened yet."}</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table audit-table" aria-busy={records.isFetching || undefined}>
            <caption className="sr-only">Audit records</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Object</th>
                <th scope="col">Summary</th>
                <th scope="col">Origin</th>
              </tr>
            </thead>
            <tbody>
              {records.data.data.map((r) => {
                const s = stamp(r.at);
                return (
                  <tr key={r.id}>
                    <td className="nowrap a-when">
                      {s.date}
                      <div className="muted">{s.time}</div>
                    </td>
                    <td className="a-actor">{r.actor.name || <span className="muted">System</span>}</td>
                    <td className="a-action">
                      <code className={`action area-${area(r.action)}`}>{r.action}</code>
                    </td>
                    <td className="object">
                      <ObjectCell type={r.object_type} id={r.object_id} />
                    </td>
                    <td className="summary">{r.summary}</td>
                    <td className="origin">
                      <span className="mono">{r.ip || "—"}</span>
                      {r.request_id && (
                        <div className="muted mono id" title={`request id ${r.request_id}`}>
                          {r.request_id}
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {total > 0 && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="secondary" disabled={f.page <= 1} onClick={() => setF({ ...f, page: f.page - 1 })}>
            Previous
          </button>
          <span>
            Page {f.page} of {pages}
          </span>
          <button type="button" className="secondary" disabled={f.page >= pages} onClick={() => setF({ ...f, page: f.page + 1 })}>
            Next
          </button>
          <span className="pager-size">
            <label htmlFor="audit-size">Per page</label>
            <select id="audit-size" className="auto" value={f.size} onChange={(e) => setF({ ...f, size: Number(e.target.value), page: 1 })}>
              {SIZES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </span>
        </nav>
      )}
    </section>
  );
}
