-- sopflow runtime schema, version 2 (SQLite): delivery of the outbox.
-- Pending outbox rows are folded into messages (one per recipient and
-- window: a digest when several fall close together); a message is tried
-- until it is sent or dead. Instants are Unix seconds (UTC).

-- The message that carries an outbox row, once folded. Outbox status moves
-- pending -> queued -> sent | dead with the message.
ALTER TABLE outbox ADD COLUMN delivery_id INTEGER;
ALTER TABLE outbox ADD COLUMN last_error TEXT;

-- One message to one channel: its text is rendered once, when folded, so
-- every attempt sends the same words under the same idempotency key.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL,          -- the channel's name in [notify.channels]
    recipient       TEXT    NOT NULL,
    items           INTEGER NOT NULL,          -- how many outbox rows it carries
    title           TEXT    NOT NULL,
    message         TEXT    NOT NULL,          -- the rendered message as JSON
    status          TEXT    NOT NULL DEFAULT 'pending',  -- pending | sent | dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,          -- when it may be tried (or its lease ends)
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_status ON deliveries (status, id);

-- Every request made to a channel: the record the rate limit counts.
CREATE TABLE delivery_attempts (
    delivery_id INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,              -- 1, 2, 3, ... per delivery (again from 1 after a retried dead letter)
    channel     TEXT    NOT NULL,
    at          INTEGER NOT NULL,              -- when the request was started
    outcome     TEXT,                          -- sent | failed; NULL while under way (or lost)
    error       TEXT
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, attempt);
CREATE INDEX delivery_attempts_by_channel ON delivery_attempts (channel, at);
