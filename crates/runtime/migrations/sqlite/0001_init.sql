-- sopflow runtime schema, version 1 (SQLite). Instants are Unix seconds (UTC);
-- states and events are the executor's JSON, stored as text.

-- Every deployed version of every process. A version is never changed or deleted.
CREATE TABLE definitions (
    process     TEXT    NOT NULL,
    version     INTEGER NOT NULL,          -- 1, 2, 3, ... per process
    fingerprint TEXT    NOT NULL,          -- Definition::fingerprint, 16 hex digits
    origin      TEXT    NOT NULL,          -- the main file's name
    source      TEXT    NOT NULL,          -- the main file's text
    imports     TEXT    NOT NULL,          -- JSON object: name -> text of each file it uses
    deployed_at INTEGER NOT NULL,
    PRIMARY KEY (process, version)
);

-- One row per instance: the executor's state after the last committed step of work.
CREATE TABLE instances (
    id           TEXT    NOT NULL PRIMARY KEY,
    process      TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT    NOT NULL,         -- open | completed | cancelled
    state        TEXT    NOT NULL,         -- sopflow::exec::Instance as JSON
    next_wakeup  INTEGER,                  -- when a tick is due; NULL when none is
    revision     INTEGER NOT NULL,         -- +1 per committed change (optimistic check)
    event_count  INTEGER NOT NULL,         -- the seq of the last event
    request      TEXT    NOT NULL,         -- the start request: {"process", "attributes"}
    start_events INTEGER NOT NULL,         -- how many events the start emitted (seq 1..=n)
    error        TEXT,                     -- why the last timer round failed, if it did
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    FOREIGN KEY (process, version) REFERENCES definitions (process, version)
);
CREATE INDEX instances_due ON instances (next_wakeup) WHERE next_wakeup IS NOT NULL;
CREATE INDEX instances_by_process ON instances (process, version, status);

-- The append-only event log (追溯): every event of every instance, in order.
CREATE TABLE events (
    instance_id TEXT    NOT NULL,
    seq         INTEGER NOT NULL,          -- 1, 2, 3, ... per instance
    at          INTEGER NOT NULL,          -- the event's instant
    type        TEXT    NOT NULL,          -- the event's "type"
    command_id  TEXT,                      -- the command that caused it
    event       TEXT    NOT NULL,          -- the event as JSON, as the executor emitted it
    PRIMARY KEY (instance_id, seq)
);

-- Handled command ids: a retried id is answered with the same events.
CREATE TABLE commands (
    instance_id TEXT    NOT NULL,
    command_id  TEXT    NOT NULL,
    request     TEXT    NOT NULL,          -- the command as JSON
    first_seq   INTEGER NOT NULL,          -- its events are seq first_seq .. first_seq + event_count - 1
    event_count INTEGER NOT NULL,
    handled_at  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, command_id)
);

-- Notifications to send, written with the events that cause them. Delivery
-- (a later part of the runtime) moves them out of 'pending'.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT    NOT NULL,
    seq         INTEGER NOT NULL,          -- the event that caused it
    recipient   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,          -- warning_raised | deadline_missed | escalated
    step        TEXT,                      -- NULL for the whole process
    level       INTEGER,                   -- the escalation level
    at          INTEGER NOT NULL,          -- the event's instant
    event       TEXT    NOT NULL,          -- the event as JSON
    status      TEXT    NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (instance_id, seq, recipient)
);
CREATE INDEX outbox_by_status ON outbox (status, id);
