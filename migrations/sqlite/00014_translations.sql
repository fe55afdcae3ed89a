-- +goose Up
-- Translations: entries of one document (an article and its translations)
-- share document_id, the id of the first of them; each has its own locale
-- (one per locale), slug, workflow and revisions. Relations point at a
-- document, and the delivery API answers each document in the first
-- published locale of the reader's fallback chain.
ALTER TABLE entries ADD COLUMN document_id TEXT NOT NULL DEFAULT '';
UPDATE entries SET document_id = id;
CREATE UNIQUE INDEX entries_document_locale ON entries (document_id, locale);
ALTER TABLE published_entries ADD COLUMN document_id TEXT NOT NULL DEFAULT '';
UPDATE published_entries SET document_id = entry_id;
CREATE INDEX published_entries_document ON published_entries (type, document_id, locale);

-- +goose Down
DROP INDEX published_entries_document;
ALTER TABLE published_entries DROP COLUMN document_id;
DROP INDEX entries_document_locale;
ALTER TABLE entries DROP COLUMN document_id;
