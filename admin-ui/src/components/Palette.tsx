import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { navigate } from "../router";
import { Dialog } from "./Dialog";
import { entryTitle } from "./ui";
import { statusLabels } from "../workflow";

type Item = { key: string; label: string; hint: string; to: string; snippet?: string };

/**
 * Palette (Ctrl+K, Cmd+K on a Mac) jumps to any page or entry: type to
 * filter, arrow keys to move, Enter to go, Escape to close. Words search
 * the text of every entry the user may read (GET /api/search), best match
 * first, with the words around the match; nothing typed lists the entries
 * changed last.
 */
export function Palette({ pages, onClose }: { pages: { to: string; label: string }[]; onClose: () => void }) {
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const [active, setActive] = useState(0);
  useEffect(() => {
    const t = setTimeout(() => setSearch(text.trim()), 200);
    return () => clearTimeout(t);
  }, [text]);
  const entries = useQuery({
    queryKey: ["palette", search],
    queryFn: async () =>
      search
        ? (await unwrap(api.GET("/api/search", { params: { query: { q: search, limit: 8 } } }))).data
        : (await unwrap(api.GET("/api/entries", { params: { query: { limit: 8, sort: "-updated_at" } } }))).data.map((entry) => ({ entry, snippet: "" })),
    placeholderData: (prev) => prev,
  });
  const q = text.trim().toLowerCase();
  const items: Item[] = [
    ...pages.filter((p) => !q || p.label.toLowerCase().includes(q)).map((p) => ({ key: `page:${p.to}`, label: p.label, hint: "Page", to: p.to })),
    ...(entries.data ?? []).map(({ entry: e, snippet }) => ({
      key: e.id,
      label: entryTitle(e.data, e.slug),
      hint: `${e.type} · ${e.locale} · ${statusLabels[e.status]}`,
      to: `/entries/${e.id}`,
      snippet,
    })),
  ];
  const at = Math.min(active, Math.max(0, items.length - 1));
  const go = (it: Item | undefined) => {
    if (!it) return;
    onClose();
    navigate(it.to);
  };
  return (
    <Dialog labelledBy="palette-title" onClose={onClose} className="palette">
      <div className="dialog-body">
        <h2 id="palette-title" className="sr-only">
          Go to a page or an entry
        </h2>
        <label htmlFor="palette-input">Go to</label>
        <input
          id="palette-input"
          autoFocus
          value={text}
          placeholder="A page, or words from any entry"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-autocomplete="list"
          aria-activedescendant={items[at] ? `palette-${at}` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              if (items.length) setActive((at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
            } else if (e.key === "Enter") {
              e.preventDefault();
              go(items[at]);
            }
          }}
        />
        <ul id="palette-list" role="listbox" aria-label="Pages and entries" className="palette-list">
          {items.map((it, i) => (
            <li key={it.key} id={`palette-${i}`} role="option" aria-selected={i === at} onMouseDown={(e) => e.preventDefault()} onClick={() => go(it)}>
              <span>{it.label}</span>
              <span className="muted">{it.hint}</span>
              {/* the server escapes the text and marks the matched words with <mark> only */}
              {it.snippet && <span className="palette-snippet" dangerouslySetInnerHTML={{ __html: it.snippet }} />}
            </li>
          ))}
        </ul>
        {items.length === 0 && <p className="empty">{entries.isFetching ? "Looking…" : "Nothing matches."}</p>}
      </div>
    </Dialog>
  );
}
