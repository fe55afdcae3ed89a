/**
 * Unsaved work is kept in localStorage, per person and entry, as it is typed,
 * so that a crash, a closed tab or a reload does not lose it. It is dropped
 * once saved or discarded.
 */
export type Draft = {
  data: Record<string, unknown>;
  slug: string;
  /** The data and slug the edits started from, and the version they edit. */
  origin: Record<string, unknown>;
  originSlug: string;
  version: number;
  at: string;
};

const key = (user: string, entry: string) => `cms.draft.${user}.${entry}`;

export function loadDraft(user: string, entry: string): Draft | null {
  try {
    const raw = localStorage.getItem(key(user, entry));
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    return d && typeof d === "object" && d.data && typeof d.version === "number" ? d : null;
  } catch {
    return null;
  }
}

export function saveDraft(user: string, entry: string, d: Omit<Draft, "at">, at = new Date()) {
  try {
    localStorage.setItem(key(user, entry), JSON.stringify({ ...d, at: at.toISOString() }));
  } catch {
    /* storage full or disabled: the leave guard still protects the work */
  }
}

export function clearDraft(user: string, entry: string) {
  try {
    localStorage.removeItem(key(user, entry));
  } catch {
    /* nothing kept */
  }
}

/**
 * sameHTML tells whether two rich-text values are the same document: the
 * server may order attributes differently from the editor.
 */
export function sameHTML(a: string, b: string): boolean {
  if (a === b) return true;
  if (typeof DOMParser === "undefined") return false;
  const p = new DOMParser();
  const x = p.parseFromString(`<body>${a}</body>`, "text/html").body;
  const y = p.parseFromString(`<body>${b}</body>`, "text/html").body;
  return x.isEqualNode(y);
}

/** sameValue compares two field values, rich text as documents. */
export function sameValue(a: unknown, b: unknown, richtext = false): boolean {
  const na = a === undefined || a === "" ? null : a;
  const nb = b === undefined || b === "" ? null : b;
  if (richtext && typeof na === "string" && typeof nb === "string") return sameHTML(na, nb);
  return JSON.stringify(na) === JSON.stringify(nb);
}
