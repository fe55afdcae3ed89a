-- +goose Up
-- Comments can be edited and resolved by their author, and mention people.
ALTER TABLE comments ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE comments ADD COLUMN resolved BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE comments ADD COLUMN edited_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE comments DROP COLUMN edited_at;
ALTER TABLE comments DROP COLUMN resolved;
ALTER TABLE comments DROP COLUMN mentions;
