-- +goose Up
-- Full-text search. Each entry's working copy and each published snapshot
-- keep the plain text of their text, markdown and rich-text fields (rich
-- text as its words, not its markup) in search_text, written by the
-- services in the same transaction as the data; a tsvector of it, stemmed
-- by the text-search configuration of the entry's language ("simple"
-- where PostgreSQL has none), is kept by the database and GIN-indexed.
-- The delivery API searches only the published one, so a draft's words
-- are never found there.
-- +goose StatementBegin
CREATE FUNCTION cms_search_config(locale TEXT) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE split_part(lower(locale), '-', 1)
        WHEN 'ar' THEN 'arabic' WHEN 'hy' THEN 'armenian' WHEN 'eu' THEN 'basque' WHEN 'ca' THEN 'catalan'
        WHEN 'da' THEN 'danish' WHEN 'nl' THEN 'dutch' WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish'
        WHEN 'fr' THEN 'french' WHEN 'de' THEN 'german' WHEN 'el' THEN 'greek' WHEN 'hi' THEN 'hindi'
        WHEN 'hu' THEN 'hungarian' WHEN 'id' THEN 'indonesian' WHEN 'ga' THEN 'irish' WHEN 'it' THEN 'italian'
        WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali' WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
        WHEN 'no' THEN 'norwegian' WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian' WHEN 'ru' THEN 'russian'
        WHEN 'sr' THEN 'serbian' WHEN 'es' THEN 'spanish' WHEN 'sv' THEN 'swedish' WHEN 'ta' THEN 'tamil'
        WHEN 'tr' THEN 'turkish' WHEN 'yi' THEN 'yiddish'
        ELSE 'simple' END)::regconfig
$$;
-- +goose StatementEnd
ALTER TABLE entries ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector(cms_search_config(locale), search_text)) STORED;
CREATE INDEX entries_search ON entries USING GIN (search_tsv);
ALTER TABLE published_entries ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector(cms_search_config(locale), search_text)) STORED;
CREATE INDEX published_entries_search ON published_entries USING GIN (search_tsv);

-- +goose Down
DROP INDEX published_entries_search;
ALTER TABLE published_entries DROP COLUMN search_tsv;
DROP INDEX entries_search;
ALTER TABLE entries DROP COLUMN search_tsv;
ALTER TABLE entries DROP COLUMN search_text;
DROP FUNCTION cms_search_config(TEXT);
