import type { Field } from "./api/client";

/** readable turns a stored value into text a person can compare; rich text loses its markup. */
export function readable(field: Field | undefined, v: unknown): string {
  if (v === undefined || v === null || v === "") return "";
  if (field?.type === "richtext" && typeof v === "string") {
    const doc = new DOMParser().parseFromString(v, "text/html");
    // Images have no text of their own: name them, so adding or changing one shows.
    for (const img of Array.from(doc.querySelectorAll("img"))) {
      const name = decodeURIComponent((img.getAttribute("src") ?? "").split("?")[0]!.split("/").pop() ?? "");
      img.replaceWith(` [image${name ? ` ${name}` : ""}${img.getAttribute("alt") ? `: ${img.getAttribute("alt")}` : ""}] `);
    }
    // Blocks end with a space, so that two paragraphs do not read as one run-on word ("end.Next").
    for (const el of Array.from(doc.body.querySelectorAll("p, h1, h2, h3, h4, h5, h6, li, td, th, pre, blockquote, br"))) el.after(" ");
    return (doc.body.textContent ?? "").replace(/\s+/g, " ").trim();
  }
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

export type DiffRow = { name: string; label: string; left: string; right: string; changed: boolean; type?: Field["type"] };

/** diff compares two versions of an entry's data field by field, in the type's order. */
export function diff(fields: Field[], left: Record<string, unknown>, right: Record<string, unknown>, extra: Record<string, [string, string]> = {}): DiffRow[] {
  const rows: DiffRow[] = Object.entries(extra).map(([name, [l, r]]) => ({ name, label: name, left: l, right: r, changed: l !== r }));
  for (const f of fields) {
    const l = readable(f, left[f.name]);
    const r = readable(f, right[f.name]);
    rows.push({ name: f.name, label: f.label || f.name, left: l, right: r, changed: l !== r, type: f.type });
  }
  return rows;
}
