-- Fixity (完整性巡检): every stored object — originals and derived files — is re-hashed on a schedule,
-- each check is recorded, and a mismatch or a missing object becomes an alert (民事证据规定 第93–94条:
-- integrity is judged by the system's checks and complete preservation).

-- One row per stored object: when it was last checked and how that ended. The scheduler takes the
-- least recently checked first (index below), so a slice costs O(slice), not O(all objects).
CREATE TABLE fixity_object (
  sha256            text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  kind              text NOT NULL CHECK (kind IN ('original', 'derived')),
  last_checked_at   timestamptz,
  last_result       text CHECK (last_result IN ('ok', 'missing', 'sha256-mismatch', 'sm3-mismatch', 'size-mismatch', 'unreadable')),
  last_duration_ms  integer,
  -- When the object started failing (NULL while it is intact): the alert's "since".
  failing_since     timestamptz
);
CREATE INDEX fixity_object_due ON fixity_object (last_checked_at NULLS FIRST, sha256);
CREATE INDEX fixity_object_failing ON fixity_object (failing_since) WHERE failing_since IS NOT NULL;

-- Every check ever made (time, result, duration), kept as history.
CREATE TABLE fixity_check (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sha256       text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('original', 'derived')),
  checked_at   timestamptz NOT NULL DEFAULT now(),
  result       text NOT NULL CHECK (result IN ('ok', 'missing', 'sha256-mismatch', 'sm3-mismatch', 'size-mismatch', 'unreadable')),
  duration_ms  integer NOT NULL CHECK (duration_ms >= 0),
  detail       text,
  -- What asked for it: the schedule, a person (CLI/API pass), or the workstation before clearing a card.
  reason       text NOT NULL CHECK (reason IN ('schedule', 'manual', 'workstation')),
  run_id       uuid
);
CREATE INDEX fixity_check_object ON fixity_check (sha256, checked_at DESC);
-- A check that happened stays on record: no rewriting the history of what was found.
CREATE TRIGGER fixity_check_no_update BEFORE UPDATE OR DELETE ON fixity_check
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fixity_check_no_truncate BEFORE TRUNCATE ON fixity_check
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- One pass: a scheduled slice, or a pass a person started (all objects, or one recording's).
CREATE TABLE fixity_run (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reason        text NOT NULL CHECK (reason IN ('schedule', 'manual')),
  scope         jsonb NOT NULL,
  requested_by  uuid REFERENCES app_user(id),
  state         text NOT NULL DEFAULT 'running' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  total         integer NOT NULL DEFAULT 0,
  checked       integer NOT NULL DEFAULT 0,
  failed        integer NOT NULL DEFAULT 0,
  bytes         bigint NOT NULL DEFAULT 0,
  -- The failing objects and the orphans found (store files without rows), as the pass reports them.
  failures      jsonb NOT NULL DEFAULT '[]',
  orphans       jsonb,
  error         text
);
CREATE INDEX fixity_run_started ON fixity_run (started_at DESC);

-- Every new original and derived file enters the rotation at once, never checked yet (first in line).
CREATE FUNCTION fixity_enrol_object() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fixity_object (sha256, kind) VALUES (NEW.sha256, TG_ARGV[0]) ON CONFLICT (sha256) DO NOTHING;
  RETURN NEW;
END;
$$;
CREATE TRIGGER original_fixity_enrol AFTER INSERT ON original
  FOR EACH ROW EXECUTE FUNCTION fixity_enrol_object('original');
CREATE TRIGGER derived_object_fixity_enrol AFTER INSERT ON derived_object
  FOR EACH ROW EXECUTE FUNCTION fixity_enrol_object('derived');

INSERT INTO fixity_object (sha256, kind) SELECT sha256, 'original' FROM original ON CONFLICT DO NOTHING;
INSERT INTO fixity_object (sha256, kind) SELECT sha256, 'derived' FROM derived_object ON CONFLICT DO NOTHING;
