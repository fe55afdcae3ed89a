import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { Status } from "../api/client";
import { hasRole, useAuth } from "../auth";
import { Link, navigate } from "../router";
import { useContentTypes, useEntries } from "../queries";
import { statuses, statusLabels } from "../workflow";
import { Empty, entryTitle, ErrorNote, Loading, StatusBadge, when } from "../components/ui";

const PAGE = 20;

export function Entries() {
  const { user } = useAuth();
  const types = useContentTypes();
  const params = new URLSearchParams(window.location.search);
  const [type, setType] = useState(params.get("type") ?? "");
  const [status, setStatus] = useState<Status | "">((params.get("status") as Status) ?? "");
  const [author, setAuthor] = useState("");
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const q = useEntries({ type, status, author, search, limit: PAGE, offset });
  const canCreate = hasRole(user, "editor", "admin");
  // Only admins may list users; everyone else picks between anyone and themselves.
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => unwrap(api.GET("/api/users", { params: { query: { limit: 100 } } })),
    enabled: hasRole(user, "admin"),
  });
  const reset = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setOffset(0);
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
            <select id="new-type" defaultValue={types.data[0]?.key}>
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
          <select id="f-type" value={type} onChange={(e) => reset(setType)(e.target.value)}>
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
          <select id="f-status" value={status} onChange={(e) => reset(setStatus)(e.target.value as Status | "")}>
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
          <select id="f-author" value={author} onChange={(e) => reset(setAuthor)(e.target.value)}>
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
        <div className="grow">
          <label htmlFor="f-search">Search</label>
          <input id="f-search" type="search" value={search} onChange={(e) => reset(setSearch)(e.target.value)} placeholder="Words in the title or text" />
        </div>
      </form>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <ErrorNote error={q.error} />
      ) : q.data.data.length === 0 ? (
        <Empty>No entries match. {canCreate && "Create one with New entry."}</Empty>
      ) : (
        <>
          <table className="table">
            <caption className="sr-only">Entries</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Author</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {q.data.data.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`/entries/${e.id}`}>{entryTitle(e.data, e.slug)}</Link>
                  </td>
                  <td>{e.type}</td>
                  <td>
                    <StatusBadge status={e.status} live={e.live} />
                  </td>
                  <td>{e.author.name}</td>
                  <td>{when(e.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>
            <span>
              {offset + 1}–{offset + q.data.data.length} of {q.data.meta.total}
            </span>
            <button type="button" className="secondary" disabled={offset + PAGE >= q.data.meta.total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
