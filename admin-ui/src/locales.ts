// The locales settings page's model (src/pages/Locales.tsx): the list being
// edited, its readable names, hints for a code being typed, and where the
// server's refusals belong. The server (content/locales.go) is the judge of a
// code: the browser's Intl and Go's x/text disagree on a few tags, so the
// hints here advise and never refuse a code the server might accept.
import type { Schemas } from "./api/client";

export type LocaleSettings = Schemas["LocaleSettings"];

/** Row is one locale in the list; its key stays with it while it moves. */
export type Row = { key: number; code: string; fallback: string };

/** Removed is a saved locale taken out of the list, kept until Save so it can be put back. */
export type Removed = {
  row: Row;
  index: number;
  /** the rows that fell back to it and now fall back to its own fallback (or to none) */
  rewired: { key: number; from: string; to: string }[];
};

export type Draft = { rows: Row[]; def: string; removed: Removed[] };

let lastKey = 0;
export const newKey = () => ++lastKey;

/** fromSettings makes a draft of saved settings; rows of keep with the same code keep their keys (and focus). */
export function fromSettings(s: LocaleSettings, keep: Row[] = []): Draft {
  return {
    rows: s.locales.map((l) => ({ key: keep.find((r) => r.code === l.code)?.key ?? newKey(), code: l.code, fallback: l.fallback ?? "" })),
    def: s.default,
    removed: [],
  };
}

/** toSettings is the body of PUT /api/locales for a draft. */
export function toSettings(d: Draft): LocaleSettings {
  return { default: d.def, locales: d.rows.map((r) => (r.fallback ? { code: r.code, fallback: r.fallback } : { code: r.code })) };
}

export function same(a: LocaleSettings, b: LocaleSettings): boolean {
  const flat = (s: LocaleSettings) => JSON.stringify([s.default, s.locales.map((l) => [l.code, l.fallback ?? ""])]);
  return flat(a) === flat(b);
}

const names = (() => {
  try {
    return new Intl.DisplayNames(["en"], { type: "language", languageDisplay: "standard", fallback: "none" });
  } catch {
    return null;
  }
})();

/** localeName is the English name of a code ("French (Canada)"), or "" when the browser knows none. */
export function localeName(code: string): string {
  try {
    return names?.of(code) ?? "";
  } catch {
    return "";
  }
}

/** localeLabel is "fr-CA — French (Canada)", or the code alone. */
export function localeLabel(code: string): string {
  const n = localeName(code);
  return n ? `${code} — ${n}` : code;
}

/** canonical is the browser's canonical spelling of a tag, or null when it is not one. */
export function canonical(code: string): string | null {
  try {
    return Intl.getCanonicalLocales(code)[0] ?? null;
  } catch {
    return null;
  }
}

/** The locales most sites start with, offered while typing a code. */
export const COMMON = [
  "en", "en-US", "en-GB", "en-AU", "en-CA", "en-IN", "fr", "fr-FR", "fr-CA", "fr-BE", "fr-CH", "de", "de-DE", "de-AT", "de-CH",
  "es", "es-ES", "es-MX", "es-419", "it", "pt", "pt-BR", "pt-PT", "nl", "nl-BE", "sv", "da", "nb", "fi", "is", "pl", "cs", "sk",
  "hu", "ro", "bg", "el", "hr", "sr", "sl", "uk", "ru", "tr", "ar", "he", "fa", "hi", "bn", "ur", "th", "vi", "id", "ms", "fil",
  "ja", "ko", "zh", "zh-Hans", "zh-Hant", "zh-CN", "zh-TW", "zh-HK", "sw", "ca", "eu", "gl", "cy", "ga", "et", "lv", "lt",
];

export const MAX_CODE = 35;

export type Hint = { tone: "ok" | "warn" | "error"; text: string; suggestion?: string };

/**
 * codeHint tells what the server will likely say of a code being added.
 * "error" (empty, already listed) blocks adding it; "warn" only advises.
 */
export function codeHint(raw: string, listed: string[]): Hint | null {
  const code = raw.trim();
  if (!code) return null;
  if (listed.includes(code)) return { tone: "error", text: `${code} is already listed.` };
  if (code.length > MAX_CODE) return { tone: "warn", text: `A locale code has at most ${MAX_CODE} characters.` };
  const c = canonical(code) ?? canonical(code.replace(/_/g, "-"));
  if (!c) return { tone: "warn", text: "This does not look like a BCP 47 language tag, such as en, fr-CA or zh-Hant." };
  if (c !== code) {
    if (listed.includes(c)) return { tone: "error", text: `${c} is already listed (codes are written ${c}).` };
    const n = localeName(c);
    return { tone: "warn", text: `Codes are written in their canonical spelling: ${c}${n ? ` — ${n}` : ""}.`, suggestion: c };
  }
  const n = localeName(code);
  return n ? { tone: "ok", text: n } : { tone: "warn", text: `This browser knows no language written ${code}: check it.` };
}

/** spellingProblem advises on a code already in the list (an added one the server has not seen). */
export function spellingProblem(code: string): Hint | null {
  const h = codeHint(code, []);
  return h && h.tone !== "ok" ? h : null;
}

/** parents are the shorter tags a code falls back to naturally: zh-Hant-TW → zh-Hant, zh. */
export function parents(code: string): string[] {
  const parts = (canonical(code) ?? code).split("-");
  const out: string[] = [];
  for (let n = parts.length - 1; n > 0; n--) out.push(parts.slice(0, n).join("-"));
  return out;
}

/** suggestFallback is the fallback a new locale starts with: its nearest listed parent, else the default. */
export function suggestFallback(code: string, rows: Row[], def: string): string {
  const listed = new Set(rows.map((r) => r.code));
  const parent = parents(code).find((p) => listed.has(p) && p !== code);
  if (parent) return parent;
  return def && def !== code && listed.has(def) ? def : "";
}

/** cycle is the circle a row's fallbacks go round, starting and ending at it, or null. */
export function cycle(rows: Row[], code: string): string[] | null {
  const next = new Map(rows.map((r) => [r.code, r.fallback]));
  const chain = [code];
  for (let c = next.get(code); c; c = next.get(c)) {
    if (chain.includes(c)) return c === code ? [...chain, c] : null;
    chain.push(c);
  }
  return null;
}

export function addRow(d: Draft, code: string): Draft {
  const back = d.removed.find((x) => x.row.code === code);
  if (back) return restoreRow(d, back.row.key);
  return { ...d, rows: [...d.rows, { key: newKey(), code, fallback: suggestFallback(code, d.rows, d.def) }] };
}

export function moveRow(d: Draft, index: number, by: number): Draft {
  const to = index + by;
  if (index < 0 || index >= d.rows.length || to < 0 || to >= d.rows.length) return d;
  const rows = [...d.rows];
  const [r] = rows.splice(index, 1);
  rows.splice(to, 0, r!);
  return { ...d, rows };
}

/**
 * removeRow takes a row out. The rows that fell back to it fall back to its
 * own fallback instead (fr-CA → fr → en: removing fr leaves fr-CA → en). A
 * saved locale is kept aside until Save, to be put back; a new one just goes.
 */
export function removeRow(d: Draft, key: number, saved: Set<string>): Draft {
  const index = d.rows.findIndex((r) => r.key === key);
  const row = d.rows[index];
  if (!row) return d;
  const rest = d.rows.filter((r) => r.key !== key);
  const to = row.fallback && rest.some((r) => r.code === row.fallback) ? row.fallback : "";
  const rewired: Removed["rewired"] = [];
  const rows = rest.map((r) => {
    if (r.fallback !== row.code) return r;
    const t = to === r.code ? "" : to;
    rewired.push({ key: r.key, from: row.code, to: t });
    return { ...r, fallback: t };
  });
  return { ...d, rows, removed: saved.has(row.code) ? [...d.removed, { row, index, rewired }] : d.removed };
}

/** restoreRow puts a removed locale back where it was, and the fallbacks its removal changed. */
export function restoreRow(d: Draft, key: number): Draft {
  const x = d.removed.find((r) => r.row.key === key);
  if (!x || d.rows.some((r) => r.code === x.row.code)) return d;
  const rows = [...d.rows];
  rows.splice(Math.min(x.index, rows.length), 0, x.row);
  return {
    ...d,
    rows: rows.map((r) => {
      const w = x.rewired.find((w) => w.key === r.key);
      return w && r.fallback === w.to ? { ...r, fallback: w.from } : r;
    }),
    removed: d.removed.filter((r) => r !== x),
  };
}

/** renameRow changes a row's code (the spelling fix of an added one), and the fallbacks naming it. */
export function renameRow(d: Draft, key: number, code: string): Draft {
  const old = d.rows.find((r) => r.key === key)?.code;
  if (old === undefined || d.rows.some((r) => r.code === code && r.key !== key)) return d;
  return {
    ...d,
    def: d.def === old ? code : d.def,
    rows: d.rows.map((r) => (r.key === key ? { ...r, code } : r.fallback === old ? { ...r, fallback: code } : r)),
  };
}

/** changes says in a few words what Save would change. */
export function changes(origin: LocaleSettings, d: Draft): string[] {
  const before = new Map(origin.locales.map((l) => [l.code, l.fallback ?? ""]));
  const now = new Set(d.rows.map((r) => r.code));
  const out: string[] = [];
  const added = d.rows.filter((r) => !before.has(r.code)).map((r) => r.code);
  const removed = origin.locales.filter((l) => !now.has(l.code)).map((l) => l.code);
  const fallbacks = d.rows.filter((r) => before.has(r.code) && before.get(r.code) !== r.fallback).map((r) => r.code);
  if (added.length) out.push(`${added.join(", ")} added`);
  if (removed.length) out.push(`${removed.join(", ")} removed`);
  if (fallbacks.length) out.push(`fallback of ${fallbacks.join(", ")} changed`);
  if (d.def !== origin.default) out.push(`${d.def} made the default`);
  const kept = (codes: string[]) => codes.filter((c) => before.has(c) && now.has(c)).join(" ");
  if (kept(d.rows.map((r) => r.code)) !== kept(origin.locales.map((l) => l.code))) out.push("new order");
  return out;
}

export type Problems = {
  /** per row key: the server's message for its code and for its fallback */
  rows: Record<number, { code?: string; fallback?: string }>;
  /** messages that belong to no row (default, locales, anything unknown) */
  other: Record<string, string>;
};

/** placeErrors puts the fields of a 422 (locales[1].code, …) at the rows that were sent. */
export function placeErrors(fields: Record<string, string>, sent: Row[]): Problems {
  const out: Problems = { rows: {}, other: {} };
  for (const [field, message] of Object.entries(fields)) {
    const m = /^locales\[(\d+)\]\.(code|fallback)$/.exec(field);
    const row = m ? sent[Number(m[1])] : undefined;
    if (m && row) (out.rows[row.key] ??= {})[m[2] as "code" | "fallback"] = message;
    else out.other[field] = message;
  }
  return out;
}

/** spellingFix is the code the server asks for in `write "en-us" as en-US`, or null. */
export function spellingFix(message: string): string | null {
  return /^write ".*" as (\S+)$/.exec(message)?.[1] ?? null;
}

/** inUse reads the codes of a 409 "a locale in use cannot be removed: fr by 1 entry, de by 3 entries". */
export function inUse(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  const at = message.indexOf(": ");
  if (at < 0) return out;
  for (const part of message.slice(at + 2).split(", ")) {
    const m = /^(\S+) by (\d+ entr(?:y|ies))\.?$/.exec(part.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
