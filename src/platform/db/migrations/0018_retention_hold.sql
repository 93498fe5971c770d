-- Holds (第十一、十二条): while a hold is active nothing it covers may be disposed of, whatever its keep-until
-- date. Placed by a long-term preservation mark (第十二条, legal hold in the object store), by a case that is
-- reopened, or by a leader for another legal reason. A hold is released by writing released_at/released_by
-- once; the row itself stays (the history of holds is evidence too).
CREATE TABLE retention_hold (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- What is held: a recording (its original and derived files) or a case file.
  subject_type text NOT NULL CHECK (subject_type IN ('recording', 'case_file')),
  subject_id   uuid NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('preservation', 'case_reopened', 'legal')),
  -- The row that placed it (a preservation mark, a case), when there is one.
  source_id    uuid,
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  placed_at    timestamptz NOT NULL DEFAULT now(),
  placed_by    uuid REFERENCES app_user(id),
  released_at  timestamptz,
  released_by  uuid REFERENCES app_user(id),
  -- released_by may be null when the system releases it (a case closed again).
  CHECK (released_at IS NOT NULL OR released_by IS NULL)
);
CREATE INDEX retention_hold_active ON retention_hold (subject_type, subject_id) WHERE released_at IS NULL;
CREATE UNIQUE INDEX retention_hold_one_per_source ON retention_hold (kind, source_id, subject_id) WHERE released_at IS NULL AND source_id IS NOT NULL;
-- Only the release may change a row, and only once; no row is ever deleted.
CREATE FUNCTION retention_hold_release_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'retention_hold rows are never deleted' USING ERRCODE = 'insufficient_privilege'; END IF;
  IF OLD.released_at IS NOT NULL
     OR NEW.id <> OLD.id OR NEW.subject_type <> OLD.subject_type OR NEW.subject_id <> OLD.subject_id
     OR NEW.kind <> OLD.kind OR NEW.source_id IS DISTINCT FROM OLD.source_id OR NEW.reason <> OLD.reason
     OR NEW.placed_at <> OLD.placed_at OR NEW.placed_by IS DISTINCT FROM OLD.placed_by THEN
    RAISE EXCEPTION 'a hold may only be released, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER retention_hold_release_only BEFORE UPDATE OR DELETE ON retention_hold
  FOR EACH ROW EXECUTE FUNCTION retention_hold_release_only();
CREATE TRIGGER retention_hold_no_truncate BEFORE TRUNCATE ON retention_hold
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
