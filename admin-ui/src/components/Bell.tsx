import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { navigate } from "../router";

type Notification = Schemas["Notification"];

/** sentence says a notification in words. */
export function sentence(n: Notification): string {
  const who = n.actor.name || "Someone";
  const title = `“${n.entry.title || "Untitled"}”`;
  switch (n.kind) {
    case "comment":
      return `${who} commented on ${title}`;
    case "mention":
      return `${who} mentioned you on ${title}`;
    case "submitted":
      return `${who} submitted ${title} for review`;
    case "changes_requested":
      return `${who} requested changes on ${title}`;
    case "approved":
      return `${who} approved ${title}`;
    case "published":
      return `${who} published ${title}`;
    case "schedule_failed":
      return `The scheduled publish of ${title} failed`;
    default:
      return `${who}: ${title}`;
  }
}

function ago(iso: string): string {
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 7) return `${d} d ago`;
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });
}

const KEY = ["notifications"];

/**
 * Bell is the notifications button of the top bar: the unread count, polled
 * every 30 s and when the window gets the focus back, and a list that opens
 * under it.
 */
export function Bell() {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const list = useQuery({
    queryKey: KEY,
    queryFn: () => unwrap(api.GET("/api/notifications", { params: { query: { limit: 20 } } })),
    refetchInterval: 30_000,
    refetchOnWindowFocus: "always",
  });
  const read = useMutation({
    mutationFn: (ids?: string[]) => unwrap(api.POST("/api/notifications/read", ids ? { body: { ids } } : {})),
    onMutate: (ids) => {
      // Show it read at once; the refetch after confirms it.
      qc.setQueryData(KEY, (old: typeof list.data) => {
        if (!old) return old;
        const data = old.data.map((n) => (!ids || ids.includes(n.id) ? { ...n, read: true } : n));
        const cleared = old.data.filter((n) => !n.read && (!ids || ids.includes(n.id))).length;
        return { ...old, data, meta: { ...old.meta, unread: ids ? Math.max(0, old.meta.unread - cleared) : 0 } };
      });
    },
    onSettled: () => qc.invalidateQueries({ queryKey: KEY }),
  });

  const unread = list.data?.meta.unread ?? 0;
  const items = list.data?.data ?? [];
  const close = (focus = true) => {
    setOpen(false);
    if (focus) button.current?.focus();
  };

  // A click anywhere else closes it.
  useEffect(() => {
    if (!open) return;
    const on = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener("mousedown", on);
    return () => document.removeEventListener("mousedown", on);
  }, [open]);

  // Opening moves the focus to the first notification (or the panel).
  useEffect(() => {
    if (!open) return;
    const first = panel.current?.querySelector<HTMLElement>(".bell-item");
    (first ?? panel.current)?.focus();
  }, [open]);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(e.key)) return;
    const all = [...(panel.current?.querySelectorAll<HTMLElement>(".bell-item, .bell-foot button") ?? [])];
    if (!all.length) return;
    e.preventDefault();
    const i = all.indexOf(document.activeElement as HTMLElement);
    const next = e.key === "Home" ? 0 : e.key === "End" ? all.length - 1 : e.key === "ArrowDown" ? (i + 1) % all.length : (i - 1 + all.length) % all.length;
    all[next]?.focus();
  };

  const label = unread ? `Notifications, ${unread} unread` : "Notifications";
  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="icon-button bell-button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={open ? "bell-panel" : undefined}
        aria-haspopup="true"
        title={label}
        onClick={() => {
          if (!open) list.refetch();
          setOpen(!open);
        }}
      >
        <svg className="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path
            fill="none"
            stroke="currentColor"
            strokeWidth="1.8"
            strokeLinecap="round"
            strokeLinejoin="round"
            d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0"
          />
        </svg>
        {unread > 0 && (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && (
        <div ref={panel} id="bell-panel" className="bell-panel" role="dialog" aria-labelledby="bell-title" tabIndex={-1} onKeyDown={onKey}>
          <div className="bell-head">
            <h2 id="bell-title">Notifications</h2>
            <span className="muted">{unread ? `${unread} unread` : "All caught up"}</span>
          </div>
          {list.error ? (
            <p className="error" role="alert">
              Couldn't load the notifications.
            </p>
          ) : items.length === 0 ? (
            <p className="bell-empty">{list.isPending ? "Loading…" : "Nothing yet. You'll hear here when someone comments on, reviews or publishes your entries."}</p>
          ) : (
            <ul className="bell-list" aria-label="Notifications">
              {items.map((n) => (
                <li key={n.id}>
                  <a
                    href={`/admin/entries/${n.entry.id}`}
                    className={`bell-item kind-${n.kind} ${n.read ? "" : "unread"}`}
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) {
                        if (!n.read) read.mutate([n.id]);
                        return;
                      }
                      e.preventDefault();
                      if (!n.read) read.mutate([n.id]);
                      close(false);
                      navigate(`/entries/${n.entry.id}`);
                    }}
                  >
                    <span className="bell-dot" aria-hidden="true" />
                    <span className="bell-text">
                      <span>{sentence(n)}</span>
                      {!n.read && <span className="sr-only"> (unread)</span>}
                      <span className="muted bell-when">
                        <time dateTime={n.at}>{ago(n.at)}</time>
                      </span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
          <div className="bell-foot">
            <button type="button" className="link" disabled={!unread || read.isPending} onClick={() => read.mutate(undefined)}>
              Mark all read
            </button>
            <button type="button" className="link" onClick={() => close()}>
              Close
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
