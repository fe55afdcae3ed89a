-- +goose Up
-- What each change touched ("entry:<id> type:post"), under the counter
-- value it took: instances read the rows after the last one they applied
-- and drop only the cached answers those tags name. The counter row's lock
-- gives the values in commit order, so a reader that sees the counter at N
-- sees every row up to N. Rows older than a few minutes are deleted; an
-- instance that finds a gap drops everything.
CREATE TABLE change_log (
    gen        BIGINT PRIMARY KEY,
    tags       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE change_log;
