// An entry's languages: which locale it is written in, its translations and
// how they stand (outdated when the original was revised after them), the
// configured locales it still lacks, and the way to translate into one.
import { useState } from "react";
import type { Entry } from "../../api/client";
import { Link, navigate } from "../../router";
import { localeName } from "../../locales";
import { statusLabels } from "../../workflow";

const named = (code: string) => localeName(code) || code;

/** missingLocales are the configured locales (in order) the entry's document has no entry in. */
export function missingLocales(e: Entry, codes: string[]): string[] {
  const have = new Set([e.locale, ...e.translations.map((t) => t.locale)]);
  return codes.filter((c) => !have.has(c));
}

/** translateURL opens a new translation of e into locale, prefilled from e. */
export const translateURL = (e: Entry, locale: string) => `/entries/new?${new URLSearchParams({ type: e.type, translation_of: e.id, locale })}`;

/** sourceOf is the document's original when e is a translation of it. */
export const sourceOf = (e: Entry) => e.translations.find((t) => t.source);

const OUTDATED = "source changed since translated";

/**
 * LanguageBadges, in a list row: the entry's own locale, then each
 * translation (a link; flagged when the source changed since it was
 * translated) and each configured locale still missing.
 */
export function LanguageBadges({ entry, codes }: { entry: Entry; codes: string[] }) {
  return (
    <ul className="langs">
      <li>
        <span className={`lang own${entry.outdated ? " lang-outdated" : ""}`}>
          {entry.locale}
          {entry.outdated && `: ${OUTDATED}`}
          <span className="sr-only"> ({named(entry.locale)}, this entry)</span>
        </span>
      </li>
      {entry.translations.map((t) => (
        <li key={t.id}>
          <Link to={`/entries/${t.id}`} className={`lang${t.outdated ? " lang-outdated" : ""}`} title={`${named(t.locale)}: ${statusLabels[t.status]}${t.live ? ", live" : ""}`}>
            {t.locale}
            {t.outdated && `: ${OUTDATED}`}
            <span className="sr-only">
              {" "}
              ({named(t.locale)}, {statusLabels[t.status].toLowerCase()})
            </span>
          </Link>
        </li>
      ))}
      {missingLocales(entry, codes).map((c) => (
        <li key={c}>
          <span className="lang lang-missing" title={`No ${named(c)} translation yet`}>
            {c}: missing
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * LanguageSwitcher, in the entry's head: its locale, links to its
 * translations, and "Translate" into a configured locale it lacks.
 */
export function LanguageSwitcher({ entry, codes, canTranslate }: { entry: Entry; codes: string[]; canTranslate: boolean }) {
  const missing = missingLocales(entry, codes);
  const [into, setInto] = useState("");
  const target = missing.includes(into) ? into : missing[0];
  if (!entry.translations.length && !(canTranslate && missing.length)) return null;
  const all = [{ id: entry.id, locale: entry.locale, status: entry.status, outdated: entry.outdated, self: true }, ...entry.translations.map((t) => ({ ...t, self: false }))].sort((a, b) => {
    const i = (c: string) => (codes.indexOf(c) < 0 ? codes.length : codes.indexOf(c));
    return i(a.locale) - i(b.locale) || a.locale.localeCompare(b.locale);
  });
  return (
    <nav className="lang-switch" aria-label="Languages">
      <ul>
        {all.map((t) => (
          <li key={t.id}>
            {t.self ? (
              <span className="lang current" aria-current="page" title={named(t.locale)}>
                {t.locale}
                <span className="sr-only"> ({named(t.locale)}, this entry)</span>
              </span>
            ) : (
              <Link to={`/entries/${t.id}`} className={`lang${t.outdated ? " lang-outdated" : ""}`} title={`${named(t.locale)}: ${statusLabels[t.status]}`}>
                {t.locale}
                {t.outdated && `: ${OUTDATED}`}
                <span className="sr-only"> ({named(t.locale)})</span>
              </Link>
            )}
          </li>
        ))}
      </ul>
      {canTranslate && target && (
        <div className="translate">
          {missing.length > 1 && (
            <>
              <label htmlFor="translate-into" className="sr-only">
                Translate into
              </label>
              <select id="translate-into" value={target} onChange={(e) => setInto(e.target.value)}>
                {missing.map((c) => (
                  <option key={c} value={c}>
                    {named(c)} ({c})
                  </option>
                ))}
              </select>
            </>
          )}
          <button type="button" className="secondary" onClick={() => navigate(translateURL(entry, target))}>
            {missing.length > 1 ? "Translate" : `Translate into ${named(target)}`}
          </button>
        </div>
      )}
    </nav>
  );
}
