-- +goose Up
-- The outbox: one row per event of a committed change, written in the
-- change's own transaction together with the River job that dispatches it.
CREATE TABLE outbox_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    data        JSONB NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_events_occurred ON outbox_events (occurred_at);

-- Webhook subscriptions. events and types are JSON arrays of strings.
CREATE TABLE webhooks (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    url                   TEXT NOT NULL,
    events                JSONB NOT NULL,
    types                 JSONB NOT NULL,
    enabled               BOOLEAN NOT NULL,
    disabled_reason       TEXT NOT NULL,
    secret                TEXT NOT NULL,
    previous_secret       TEXT NOT NULL,
    previous_secret_until TIMESTAMPTZ,
    failing_since         TIMESTAMPTZ,
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);

-- One row per delivery attempt.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event           TEXT NOT NULL,
    status_code     INTEGER NOT NULL,
    duration_ms     BIGINT NOT NULL,
    attempt         INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    error           TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE outbox_events;
