import { useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Comment } from "../../api/client";
import { hasRole, useAuth } from "../../auth";
import { Empty, ErrorNote, Loading, when } from "../../components/ui";

type Person = { id: string; name: string };

export function useComments(id: string) {
  return useQuery({ queryKey: ["comments", id], queryFn: () => unwrap(api.GET("/api/entries/{id}/comments", { params: { path: { id } } })) });
}

function usePeople() {
  return useQuery({ queryKey: ["people"], queryFn: async () => (await unwrap(api.GET("/api/people"))).data as Person[], staleTime: 60_000 });
}

/**
 * MentionBox is a textarea where typing @ offers the people to mention: arrow
 * keys move in the list, Enter or Tab takes one. The ids of the people still
 * named in the text are sent with it.
 */
function MentionBox({ id, name, label, defaultValue = "", onMentions, autoFocus }: { id: string; name: string; label: string; defaultValue?: string; onMentions: (m: Person[]) => void; autoFocus?: boolean }) {
  const people = usePeople();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [query, setQuery] = useState<{ at: number; text: string } | null>(null);
  const [active, setActive] = useState(0);
  const chosen = useRef<Person[]>([]);
  const matches = query ? (people.data ?? []).filter((p) => p.name.toLowerCase().includes(query.text.toLowerCase())).slice(0, 6) : [];
  const open = query !== null && matches.length > 0;
  const update = (el: HTMLTextAreaElement) => {
    const upto = el.value.slice(0, el.selectionStart);
    const m = /(^|\s)@([\p{L}\p{N}._-]{0,30})$/u.exec(upto);
    setQuery(m ? { at: upto.length - m[2]!.length - 1, text: m[2]! } : null);
    setActive(0);
    onMentions(chosen.current.filter((p) => el.value.includes(`@${p.name}`)));
  };
  const take = (p: Person) => {
    const el = ref.current!;
    const before = el.value.slice(0, query!.at);
    const after = el.value.slice(el.selectionStart);
    el.value = `${before}@${p.name} ${after}`;
    const caret = before.length + p.name.length + 2;
    el.setSelectionRange(caret, caret);
    if (!chosen.current.some((c) => c.id === p.id)) chosen.current.push(p);
    setQuery(null);
    onMentions(chosen.current.filter((c) => el.value.includes(`@${c.name}`)));
    el.focus();
  };
  return (
    <div className="mention-box">
      <label htmlFor={id}>{label}</label>
      <textarea
        ref={ref}
        id={id}
        name={name}
        rows={3}
        required
        autoFocus={autoFocus}
        defaultValue={defaultValue}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={`${id}-people`}
        aria-activedescendant={open ? `${id}-person-${active}` : undefined}
        aria-describedby={`${id}-hint`}
        onInput={(e) => update(e.currentTarget)}
        onKeyDown={(e) => {
          if (!open) return;
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => (a + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
          } else if (e.key === "Enter" || e.key === "Tab") {
            e.preventDefault();
            take(matches[active]!);
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            setQuery(null);
          }
        }}
      />
      <p className="help" id={`${id}-hint`}>
        Type @ to mention someone; they are told.
      </p>
      <ul id={`${id}-people`} role="listbox" aria-label="People to mention" className="mention-list" hidden={!open}>
        {matches.map((p, i) => (
          <li
            key={p.id}
            id={`${id}-person-${i}`}
            role="option"
            aria-selected={i === active}
            onMouseDown={(e) => {
              e.preventDefault();
              take(p);
            }}
          >
            {p.name}
          </li>
        ))}
      </ul>
    </div>
  );
}

function CommentItem({ c, entryId }: { c: Comment; entryId: string }) {
  const { user } = useAuth();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const mine = c.author.id === user!.id;
  const mayResolve = mine || hasRole(user, "admin");
  const patch = useMutation({
    mutationFn: (body: { body?: string; resolved?: boolean }) => unwrap(api.PATCH("/api/entries/{id}/comments/{comment}", { params: { path: { id: entryId, comment: c.id } }, body })),
    onSuccess: () => {
      setEditing(false);
      qc.invalidateQueries({ queryKey: ["comments", entryId] });
    },
  });
  const kinds: Record<string, string> = { approve: "approved", request_changes: "requested changes", comment: "commented" };
  return (
    <li className={`comment kind-${c.kind}${c.resolved ? " resolved" : ""}`}>
      <p className="meta">
        <strong>{c.author.name}</strong> {kinds[c.kind] ?? c.kind} on revision {c.revision} · {when(c.created_at)}
        {c.edited_at && <> · edited</>}
        {c.resolved && <span className="badge resolved-badge">resolved</span>}
      </p>
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            patch.mutate({ body: String(new FormData(e.currentTarget).get("body") ?? "") });
          }}
        >
          <label htmlFor={`edit-${c.id}`}>Edit your comment</label>
          <textarea id={`edit-${c.id}`} name="body" rows={3} required defaultValue={c.body} autoFocus />
          <div className="actions">
            <button type="submit" disabled={patch.isPending}>
              Save comment
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p className="body">{c.body}</p>
      )}
      {!editing && (mine || mayResolve) && (
        <div className="comment-actions">
          {mine && c.kind === "comment" && (
            <button type="button" className="link" onClick={() => setEditing(true)} aria-label={`Edit your comment from ${when(c.created_at)}`}>
              Edit
            </button>
          )}
          {mayResolve && (
            <button type="button" className="link" disabled={patch.isPending} onClick={() => patch.mutate({ resolved: !c.resolved })} aria-label={`${c.resolved ? "Reopen" : "Resolve"} the comment by ${c.author.name} from ${when(c.created_at)}`}>
              {c.resolved ? "Reopen" : "Resolve"}
            </button>
          )}
        </div>
      )}
      <ErrorNote error={patch.error} />
    </li>
  );
}

export function Comments({ id }: { id: string }) {
  const qc = useQueryClient();
  const q = useComments(id);
  const [showResolved, setShowResolved] = useState(false);
  const mentions = useRef<Person[]>([]);
  const [formKey, setFormKey] = useState(0);
  const add = useMutation({
    mutationFn: (body: string) => unwrap(api.POST("/api/entries/{id}/comments", { params: { path: { id } }, body: { body, mentions: mentions.current.map((p) => p.id) } })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["comments", id] });
      mentions.current = [];
      setFormKey((k) => k + 1);
    },
  });
  const all = q.data ?? [];
  const resolved = all.filter((c) => c.resolved).length;
  const shown = showResolved ? all : all.filter((c) => !c.resolved);
  return (
    <section className="panel" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments</h2>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <ErrorNote error={q.error} />
      ) : all.length === 0 ? (
        <Empty>No comments yet.</Empty>
      ) : (
        <>
          {resolved > 0 && (
            <div className="check">
              <input id="show-resolved" type="checkbox" checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} />
              <label htmlFor="show-resolved">Show {resolved} resolved</label>
            </div>
          )}
          <ol className="thread">
            {shown.map((c) => (
              <CommentItem key={c.id} c={c} entryId={id} />
            ))}
          </ol>
        </>
      )}
      <form
        key={formKey}
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate(String(new FormData(e.currentTarget).get("body") ?? ""));
        }}
      >
        <MentionBox id="new-comment" name="body" label="Add a comment" onMentions={(m) => (mentions.current = m)} />
        <ErrorNote error={add.error} />
        <button type="submit" className="secondary" disabled={add.isPending}>
          Comment
        </button>
      </form>
    </section>
  );
}

export function History({ id }: { id: string }) {
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
    cancel_schedule: "cancelled the schedule",
    publish_due: "published it as scheduled",
    unpublish: "unpublished it",
    restore: "restored a revision",
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
              <time dateTime={h.at}>{when(h.at)}</time> <strong>{h.actor.name}</strong> {words[h.action] ?? h.action.replace(/_/g, " ")}
              {h.revision ? ` (revision ${h.revision})` : ""}
              {h.comment && <q>{h.comment}</q>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
