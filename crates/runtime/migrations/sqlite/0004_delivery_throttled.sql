-- sopflow runtime schema, version 4 (sqlite): throttled attempts, and when a
-- message last changed.
--
-- throttled: how many of a message's attempts were answered 429 (or 503
-- with Retry-After). They are not failures, so they do not count toward
-- max_attempts (see src/delivery/throttle.rs); reset with attempts when a
-- dead letter is retried. delivery_attempts.outcome may now also be
-- 'throttled'.
-- updated_at: set when the message is claimed, finished or retried; NULL
-- (read as created_at) for messages older than this migration.
ALTER TABLE deliveries ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN updated_at INTEGER;
