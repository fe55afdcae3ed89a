-- +goose Up
-- The bell's count of a person's unread notifications reads this index
-- alone: it holds only the unread ones, so the count stays small however
-- many notifications someone has read. (With notifications_user alone, the
-- count read every one of theirs, and for a busy person PostgreSQL's planner
-- read the whole table instead: server/explain_test.go.)
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- +goose Down
DROP INDEX notifications_unread;
