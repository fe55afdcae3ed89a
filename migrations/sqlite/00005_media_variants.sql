-- +goose Up
-- How many variants were made of an item's current file. Files are public,
-- so anyone may ask for any size; this bounds what one item can cost.
ALTER TABLE media ADD COLUMN variants INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE media DROP COLUMN variants;
