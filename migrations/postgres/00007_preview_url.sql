-- +goose Up
-- Where the site shows a draft of an entry of this type (a URL template).
ALTER TABLE content_types ADD COLUMN preview_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE content_types DROP COLUMN preview_url;
