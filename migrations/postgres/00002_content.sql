-- +goose Up
CREATE TABLE content_types (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    public     BOOLEAN NOT NULL DEFAULT FALSE,
    slug_field TEXT NOT NULL,
    fields     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE entries (
    id                  TEXT PRIMARY KEY,
    type                TEXT NOT NULL REFERENCES content_types (key),
    slug                TEXT NOT NULL,
    locale              TEXT NOT NULL,
    status              TEXT NOT NULL,
    version             INTEGER NOT NULL,
    revision            INTEGER NOT NULL,
    data                JSONB NOT NULL,
    author_id           TEXT NOT NULL REFERENCES users (id),
    revision_author_id  TEXT NOT NULL REFERENCES users (id),
    published_revision  INTEGER,
    published_at        TIMESTAMPTZ,
    publish_at          TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX idx_entries_type_locale_slug ON entries (type, locale, slug);
CREATE INDEX idx_entries_status_publish_at ON entries (status, publish_at);
CREATE INDEX idx_entries_author_id ON entries (author_id);
CREATE INDEX idx_entries_updated_at ON entries (updated_at);

CREATE TABLE revisions (
    id         TEXT PRIMARY KEY,
    entry_id   TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    slug       TEXT NOT NULL,
    data       JSONB NOT NULL,
    author_id  TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX idx_revisions_entry_number ON revisions (entry_id, number);

CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    entry_id   TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_comments_entry_id ON comments (entry_id, created_at);

-- actor_id is '' for the scheduler, so it has no foreign key.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    entry_id    TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    comment     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_events_entry_id ON events (entry_id, at);

-- attrs holds the filterable fields only (no rich text, markdown or JSON),
-- so filters and sorts read a few hundred bytes a row instead of the article.
CREATE TABLE published_entries (
    entry_id     TEXT PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    slug         TEXT NOT NULL,
    locale       TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    data         JSONB NOT NULL,
    attrs        JSONB NOT NULL,
    search_text  TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX idx_published_type_locale_slug ON published_entries (type, locale, slug);
CREATE INDEX idx_published_type_published_at ON published_entries (type, published_at);

-- created_by is NULL for tokens the system made (the demo) or whose maker was deleted.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX idx_api_tokens_token_hash ON api_tokens (token_hash);

-- The built-in types of a fresh database.
INSERT INTO content_types (key, name, public, slug_field, fields, created_at, updated_at) VALUES
('category', 'Category', FALSE, 'name',
 '[{"name":"name","type":"text","label":"Name","required":true,"max":100},{"name":"description","type":"text","label":"Description","max":1000}]',
 CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('post', 'Post', FALSE, 'title',
 '[{"name":"title","type":"text","label":"Title","required":true,"max":200},{"name":"summary","type":"text","label":"Summary","max":500},{"name":"body","type":"richtext","label":"Body"},{"name":"category","type":"relation","label":"Category","to":"category"}]',
 CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE published_entries;
DROP TABLE events;
DROP TABLE comments;
DROP TABLE revisions;
DROP TABLE entries;
DROP TABLE content_types;
