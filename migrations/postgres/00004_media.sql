-- +goose Up
-- Uploaded files. The bytes live in the media store under storage_key;
-- filename is display metadata only.
CREATE TABLE media (
    id          TEXT PRIMARY KEY,
    filename    TEXT NOT NULL,
    mime        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    width       INTEGER,
    height      INTEGER,
    alt         TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    focal_x     DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    focal_y     DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    placeholder TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_media_created_at ON media (created_at);
CREATE INDEX idx_media_kind ON media (kind, created_at);

-- Which entries use which media: their working copy, their live revision.
-- RESTRICT makes "no deleting media in use" hold even against a racing save.
CREATE TABLE media_refs (
    entry_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    media_id TEXT NOT NULL REFERENCES media (id) ON DELETE RESTRICT,
    scope    TEXT NOT NULL,
    PRIMARY KEY (entry_id, media_id, scope)
);
CREATE INDEX idx_media_refs_media_id ON media_refs (media_id);

-- The built-in post type gains a hero image, unless someone made one already.
UPDATE content_types
SET fields = (fields::jsonb || '[{"name":"hero","type":"media","label":"Hero image"}]'::jsonb)::text
WHERE key = 'post' AND NOT (fields::jsonb @> '[{"name":"hero"}]'::jsonb);

-- +goose Down
DROP TABLE media_refs;
DROP TABLE media;
