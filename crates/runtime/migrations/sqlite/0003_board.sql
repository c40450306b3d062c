-- sopflow runtime schema, version 3 (SQLite): the board's index.
-- Written in the same transaction as every state change (start, command,
-- timer round), so the board and the access checks read them, never the
-- event logs. Instants are Unix seconds (UTC).

-- The whole-process deadline in force (from instance_started or a revision), if any.
ALTER TABLE instances ADD COLUMN process_due INTEGER;
-- The earliest deadline of an open instance: of its active steps and of the
-- process; NULL when it has none or is closed.
ALTER TABLE instances ADD COLUMN due INTEGER;
-- `due`, or 4611686018427387904 (2^62) when NULL: "late first, no deadline
-- last" sorts the same on both databases and a keyset cursor compares plainly.
ALTER TABLE instances ADD COLUMN due_order INTEGER NOT NULL DEFAULT 4611686018427387904;
-- 1 once process_due, due and the parties were derived from the whole log;
-- 0 for rows written before version 3 (Runtime::connect fills them in batches).
ALTER TABLE instances ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;

CREATE INDEX instances_board ON instances (due_order, id);
CREATE INDEX instances_board_by_status ON instances (status, due_order, id);
CREATE INDEX instances_board_by_process ON instances (process, status, due_order, id);
CREATE INDEX instances_to_index ON instances (id) WHERE indexed = 0;
-- The scorecard reads the instances whose life overlaps a period.
CREATE INDEX instances_by_update ON instances (updated_at);

-- Everyone who is a party to an instance: the owners and co-owners of every
-- step of its version, the delegates steps were handed to (step_reassigned)
-- and the recipients of its escalations. Who may read an instance, and which
-- department's board shows it.
CREATE TABLE instance_parties (
    instance_id TEXT NOT NULL,
    party       TEXT NOT NULL,
    PRIMARY KEY (instance_id, party)
);
CREATE INDEX instance_parties_by_party ON instance_parties (party, instance_id);
