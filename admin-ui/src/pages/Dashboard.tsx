import { useState } from "react";
import type { Entry, Status } from "../api/client";
import { useAuth } from "../auth";
import { Link } from "../router";
import { useEntries } from "../queries";
import { statuses, statusLabels } from "../workflow";
import { Empty, entryTitle, ErrorNote, Loading, StatusBadge, when } from "../components/ui";

export function Dashboard() {
  const { user } = useAuth();
  const [view, setView] = useState<"lists" | "board">("lists");
  const reviewer = user!.roles.some((r) => r === "reviewer" || r === "admin");
  return (
    <section>
      <div className="page-head">
        <h1>Dashboard</h1>
        <div role="group" aria-label="View" className="toggle">
          <button type="button" aria-pressed={view === "lists"} onClick={() => setView("lists")}>
            Lists
          </button>
          <button type="button" aria-pressed={view === "board"} onClick={() => setView("board")}>
            Board
          </button>
        </div>
      </div>
      {view === "board" ? (
        <Board />
      ) : (
        <div className="cards">
          <EntryCard title="My drafts" filter={{ author: "me", status: "draft" }} empty="No drafts. Start one from Entries." />
          <EntryCard title="Changes requested" filter={{ author: "me", status: "changes_requested" }} empty="Nothing sent back to you." />
          {reviewer && <EntryCard title="Review queue" filter={{ status: "in_review", sort: "updated_at" }} empty="Nothing waits for review." />}
          {reviewer && <EntryCard title="Ready to publish" filter={{ status: "approved", sort: "updated_at" }} empty="Nothing approved waits to go live." />}
          <EntryCard title="Scheduled" filter={{ status: "scheduled", sort: "publish_at" }} empty="Nothing is scheduled." />
        </div>
      )}
    </section>
  );
}

function EntryCard({ title, filter, empty }: { title: string; filter: { author?: string; status: Status; sort?: string }; empty: string }) {
  const q = useEntries({ ...filter, limit: 10 });
  const id = title.toLowerCase().replace(/\W+/g, "-");
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>
        {title} {q.data && <span className="count">{q.data.meta.total}</span>}
      </h2>
      {q.isPending ? <Loading /> : q.error ? <ErrorNote error={q.error} /> : <EntryList entries={q.data.data} empty={empty} />}
      {q.data && q.data.meta.total > q.data.data.length && (
        <p className="card-more">
          <Link to={`/entries?${new URLSearchParams({ status: filter.status, ...(filter.author ? { author: filter.author } : {}), ...(filter.sort ? { sort: filter.sort } : {}) })}`}>
            All {q.data.meta.total}
            <span className="sr-only"> {title.toLowerCase()}</span> in Entries
          </Link>
        </p>
      )}
    </section>
  );
}

export function EntryList({ entries, empty }: { entries: Entry[]; empty: string }) {
  if (!entries.length) return <Empty>{empty}</Empty>;
  return (
    <ul className="entry-list">
      {entries.map((e) => (
        <li key={e.id}>
          <Link to={`/entries/${e.id}`}>{entryTitle(e.data, e.slug)}</Link>
          <span className="muted">
            {" "}
            {e.type} · {e.author.name} · {e.status === "scheduled" ? `goes live ${when(e.publish_at)}` : when(e.updated_at)}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Board() {
  return (
    <div className="board" role="list" aria-label="Entries by status">
      {statuses.map((s) => (
        <BoardColumn key={s} status={s} />
      ))}
    </div>
  );
}

function BoardColumn({ status }: { status: Status }) {
  const q = useEntries({ status, limit: 50 });
  return (
    <section className="column" role="listitem" aria-label={statusLabels[status]}>
      <h2>
        <StatusBadge status={status} /> {q.data && <span className="count">{q.data.meta.total}</span>}
      </h2>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <ErrorNote error={q.error} />
      ) : q.data.data.length === 0 ? (
        <Empty>None</Empty>
      ) : (
        <ul>
          {q.data.data.map((e) => (
            <li key={e.id} className="tile">
              <Link to={`/entries/${e.id}`}>{entryTitle(e.data, e.slug)}</Link>
              <span className="muted">
                {e.type} · {e.author.name}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
