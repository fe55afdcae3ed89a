-- +goose Up
-- One counter of changes that the delivery API's caches depend on. Writers
-- bump it in the transaction that makes the change; every instance polls it,
-- so no cache outlives a change made by another process.
CREATE TABLE change_counter (
    id  INTEGER PRIMARY KEY,
    gen BIGINT NOT NULL
);
INSERT INTO change_counter (id, gen) VALUES (1, 0);

-- +goose Down
DROP TABLE change_counter;
