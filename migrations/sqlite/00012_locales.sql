-- +goose Up
-- The locales content is written in, in the admin's order, each with the
-- one the delivery API falls back to. A fresh database has "en"; one that
-- already has entries keeps every locale they use.
CREATE TABLE locales (
    code       TEXT PRIMARY KEY,
    fallback   TEXT,
    position   INTEGER NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO locales (code, fallback, position, is_default) VALUES ('en', NULL, 0, TRUE);
INSERT INTO locales (code, fallback, position, is_default)
SELECT DISTINCT locale, 'en', 1, FALSE FROM entries WHERE locale <> 'en';

-- +goose Down
DROP TABLE locales;
