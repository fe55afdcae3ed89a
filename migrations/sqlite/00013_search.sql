-- +goose Up
-- Full-text search. Each entry's working copy and each published snapshot
-- keep the plain text of their text, markdown and rich-text fields (rich
-- text as its words, not its markup) in search_text, written by the
-- services in the same transaction as the data; an FTS5 index of each
-- follows it through triggers. The delivery API searches only the
-- published one, so a draft's words are never found there. Porter stems
-- English words; every script is tokenized by unicode61, accents folded.
ALTER TABLE entries ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE VIRTUAL TABLE entries_fts USING fts5(search_text, content='entries', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2');
-- +goose StatementBegin
CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER entries_fts_update AFTER UPDATE OF search_text ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO entries_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE published_fts USING fts5(search_text, content='published_entries', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2');
-- +goose StatementBegin
CREATE TRIGGER published_fts_insert AFTER INSERT ON published_entries BEGIN
    INSERT INTO published_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER published_fts_delete AFTER DELETE ON published_entries BEGIN
    INSERT INTO published_fts (published_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER published_fts_update AFTER UPDATE OF search_text ON published_entries BEGIN
    INSERT INTO published_fts (published_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO published_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
-- +goose StatementEnd
INSERT INTO published_fts (published_fts) VALUES ('rebuild');

-- +goose Down
DROP TABLE published_fts;
DROP TABLE entries_fts;
ALTER TABLE entries DROP COLUMN search_text;
