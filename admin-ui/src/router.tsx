import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

// A small router over the History API: the UI lives under /admin/, and the
// Go server answers every such path with index.html.
const BASE = "/admin";

function current(): string {
  const p = window.location.pathname;
  return p.startsWith(BASE) ? p.slice(BASE.length) || "/" : "/";
}

/**
 * A page with unsaved work sets a leave guard: in-app navigation (links, the
 * back button) asks it first, and it calls proceed once the person agrees.
 */
type Guard = (proceed: () => void) => void;
let guard: Guard | null = null;
let here = typeof window !== "undefined" ? window.location.pathname + window.location.search : "/";

export function setLeaveGuard(g: Guard | null) {
  guard = g;
}

function go(url: string, replace: boolean) {
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  here = url;
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function navigate(to: string, replace = false) {
  const url = BASE + to;
  if (guard && url !== here) {
    const g = guard;
    g(() => {
      if (guard === g) guard = null;
      go(url, replace);
    });
    return;
  }
  go(url, replace);
}

/** setQuery replaces the address's query string without a new history entry or a guard. */
export function setQuery(params: Record<string, string | number | undefined>) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "" && v !== 0) q.set(k, String(v));
  const s = q.toString();
  const url = window.location.pathname + (s ? `?${s}` : "");
  if (url !== window.location.pathname + window.location.search) window.history.replaceState(null, "", url);
  here = url;
}

if (typeof window !== "undefined") {
  // The back and forward buttons: with unsaved work, stay and ask first.
  window.addEventListener(
    "popstate",
    (e) => {
      const url = window.location.pathname + window.location.search;
      if (url === here) return;
      if (guard && e.isTrusted) {
        e.stopImmediatePropagation();
        window.history.pushState(null, "", here);
        const g = guard;
        g(() => {
          if (guard === g) guard = null;
          go(url, true);
        });
        return;
      }
      here = url;
    },
    true,
  );
}

export function usePath(): string {
  const [path, setPath] = useState(current);
  useEffect(() => {
    const on = () => setPath(current());
    window.addEventListener("popstate", on);
    return () => window.removeEventListener("popstate", on);
  }, []);
  return path;
}

/** match returns the parameters of a pattern like "/entries/:id", or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const g = got[i] ?? "";
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return (
    <a
      href={BASE + to}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(to);
      }}
      {...rest}
    />
  );
}
