-- Issue 11, the parts still missing. Builds on 0019 (retention, disposal) and 0020 (preservation media).
-- (1) 第十一、二十条: case files (案卷) are disposed of by the same batches as recordings — proposed when past
--     their date and not held, approved by a leader who is not the proposer, a grace period, then their stored
--     bytes (documents, built PDFs) deleted and a tombstone kept forever. Nothing else brings a case file to
--     destruction: the database admits the tombstone only under the same conditions, checked from the sources.
-- (2) 档案法实施条例 art. 41, GB/T 18894: scheduled check rounds of the physical media register, each a sample
--     of at least 10 % (at least one) of the registered media, frozen when the round opens.

-- (1) Case files in disposal batches ---------------------------------------------------------------------

-- A case file's computed row keeps its disposal mark (set only after its tombstone, then final).
ALTER TABLE case_retention ADD COLUMN disposed_at timestamptz;

-- An item is a recording or a case file, never both.
ALTER TABLE disposal_item ALTER COLUMN recording_id DROP NOT NULL;
ALTER TABLE disposal_item ADD COLUMN case_id uuid REFERENCES enforcement_case(id);
ALTER TABLE disposal_item ADD CONSTRAINT disposal_item_one_subject CHECK ((recording_id IS NULL) <> (case_id IS NULL));
-- A case file is in at most one batch at a time (a restored item frees it).
CREATE UNIQUE INDEX disposal_item_live_case ON disposal_item (case_id) WHERE state <> 'restored' AND case_id IS NOT NULL;

-- 案卷销毁记录: what was destroyed with a case file, kept forever (metadata, every file's hashes, rule,
-- approvals, times). The case's rows (enforcement_case, case_document, case_file_build) stay too.
CREATE TABLE case_file_tombstone (
  case_id       uuid PRIMARY KEY REFERENCES enforcement_case(id),
  item_id       uuid NOT NULL UNIQUE REFERENCES disposal_item(id),
  batch_id      uuid NOT NULL REFERENCES disposal_batch(id),
  case_number   text NOT NULL,
  -- 归档号 and 档号 of the archived file.
  archive_number text NOT NULL,
  dossier_code  text NOT NULL,
  metadata      jsonb NOT NULL,
  -- [{ kind: document | case_file_pdf, id, sha256, sm3, sizeBytes, …, destroy }]: destroy is false
  -- when the same bytes still serve another record (content-addressed store) and were therefore kept.
  files         jsonb NOT NULL,
  keep_until    date NOT NULL,
  basis         text NOT NULL,
  rule_version  integer NOT NULL,
  proposed_by   uuid REFERENCES app_user(id),
  proposed_at   timestamptz NOT NULL,
  approved_by   uuid NOT NULL REFERENCES app_user(id),
  approved_at   timestamptz NOT NULL,
  grace_until   timestamptz NOT NULL,
  executed_by   text NOT NULL,
  executed_at   timestamptz NOT NULL DEFAULT now()
);

-- The gate of a case file's disposal, in the database: a tombstone is accepted only for a proposed item of an
-- approved batch whose grace period is over, of a closed, archived case file that is due (kept through a date
-- before today in Beijing) and not held. Checked again from the sources, not only from the computed row: the
-- archived cover's own date is over (a 永久 'Y' cover never is), the table in force gives the file's
-- procedure a fixed period that is over, and no recording linked to the case is still kept beyond today.
CREATE FUNCTION case_file_tombstone_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ok boolean;
  today date := (now() AT TIME ZONE 'Asia/Shanghai')::date;
BEGIN
  SELECT true INTO ok
  FROM disposal_item i
  JOIN disposal_batch b ON b.id = i.batch_id
  JOIN case_retention cr ON cr.case_id = i.case_id
  JOIN enforcement_case ec ON ec.id = i.case_id
  JOIN case_archive ca ON ca.case_id = i.case_id
  WHERE i.id = NEW.item_id AND i.case_id = NEW.case_id AND i.batch_id = NEW.batch_id
    AND i.state = 'proposed'
    AND b.approved_at IS NOT NULL AND b.grace_until <= now()
    AND cr.keep_until IS NOT NULL AND cr.keep_until < today AND cr.disposed_at IS NULL
    AND ec.status = 'closed'
    AND NOT EXISTS (SELECT 1 FROM retention_hold h WHERE h.subject_type = 'case_file' AND h.subject_id = i.case_id AND h.released_at IS NULL)
    AND ca.retention_code <> 'Y' AND ca.retain_until IS NOT NULL AND ca.retain_until <= today
    AND EXISTS (
      SELECT 1 FROM retention_rule ru
      WHERE ru.category = 'case_file_' || ec.procedure
        AND ru.version_id = (SELECT v.id FROM retention_table_version v WHERE v.approved_at IS NOT NULL ORDER BY v.version DESC LIMIT 1)
        AND ru.period_unit <> 'permanent'
        AND (make_date(extract(year FROM ec.closed_on)::int + 1, 1, 1)
             + CASE WHEN ru.period_unit = 'years' THEN make_interval(years => ru.period_count) ELSE make_interval(months => ru.period_count) END)::date - 1
            < today)
    AND NOT EXISTS (
      SELECT 1 FROM case_recording_link l LEFT JOIN recording_retention rr ON rr.recording_id = l.recording_id
      WHERE l.case_id = i.case_id AND l.unlinked_at IS NULL
        AND (rr.recording_id IS NULL OR (rr.disposed_at IS NULL AND (rr.keep_until IS NULL OR rr.keep_until >= today))));
  IF ok IS NULL THEN
    RAISE EXCEPTION 'QUANLU_DISPOSAL_REFUSED: case file % is not due, is held, or its disposal is not approved and past its grace period', NEW.case_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER case_file_tombstone_gate BEFORE INSERT ON case_file_tombstone FOR EACH ROW EXECUTE FUNCTION case_file_tombstone_gate();
CREATE TRIGGER case_file_tombstone_fixed BEFORE UPDATE OR DELETE ON case_file_tombstone FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_file_tombstone_no_truncate BEFORE TRUNCATE ON case_file_tombstone FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The item guard of 0019, now for either subject: what an item names is fixed, states move on once, and only
-- a tombstone (of a recording or of a case file) lets an item go to 'deleting'.
CREATE OR REPLACE FUNCTION disposal_item_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'QUANLU_APPEND_ONLY: disposal items are never deleted' USING ERRCODE = 'insufficient_privilege'; END IF;
  IF (NEW.id, NEW.batch_id, NEW.recording_id, NEW.case_id, NEW.keep_until, NEW.basis) IS DISTINCT FROM (OLD.id, OLD.batch_id, OLD.recording_id, OLD.case_id, OLD.keep_until, OLD.basis)
     OR NOT ((OLD.state = 'proposed' AND NEW.state IN ('restored', 'deleting')) OR (OLD.state = 'deleting' AND NEW.state = 'deleted') OR OLD.state = NEW.state AND OLD.state = 'proposed') THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: disposal item % may not go from % to %', OLD.id, OLD.state, NEW.state USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.state = 'deleting'
     AND NOT EXISTS (SELECT 1 FROM disposal_tombstone t WHERE t.item_id = NEW.id)
     AND NOT EXISTS (SELECT 1 FROM case_file_tombstone t WHERE t.item_id = NEW.id) THEN
    RAISE EXCEPTION 'QUANLU_DISPOSAL_REFUSED: no tombstone for disposal item %', NEW.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

-- A case file's computed row is never removed; its disposal mark is set only after its tombstone, and is final.
CREATE FUNCTION case_retention_disposed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'QUANLU_APPEND_ONLY: retention rows are never deleted' USING ERRCODE = 'insufficient_privilege'; END IF;
  IF OLD.disposed_at IS NOT NULL AND (NEW.disposed_at IS DISTINCT FROM OLD.disposed_at OR (NEW.keep_until, NEW.basis) IS DISTINCT FROM (OLD.keep_until, OLD.basis)) THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: a disposal is final' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.disposed_at IS NOT NULL AND OLD.disposed_at IS NULL AND NOT EXISTS (SELECT 1 FROM case_file_tombstone t WHERE t.case_id = NEW.case_id) THEN
    RAISE EXCEPTION 'QUANLU_DISPOSAL_REFUSED: case file % has no tombstone', NEW.case_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER case_retention_disposed_guard BEFORE UPDATE ON case_retention
  FOR EACH ROW WHEN (OLD.disposed_at IS NOT NULL OR NEW.disposed_at IS NOT NULL) EXECUTE FUNCTION case_retention_disposed_guard();
CREATE TRIGGER case_retention_no_delete BEFORE DELETE ON case_retention
  FOR EACH ROW EXECUTE FUNCTION case_retention_disposed_guard();
CREATE TRIGGER case_retention_no_truncate BEFORE TRUNCATE ON case_retention
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- (2) Scheduled check rounds of physical media --------------------------------------------------------------

-- One round: opened by the scheduled job when the configured interval has passed since the last one; the
-- sample is frozen in its items. Rounds are history: never changed or removed.
CREATE TABLE medium_check_round (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  opened_at        timestamptz NOT NULL DEFAULT now(),
  -- Every sampled medium must be checked by then, else it is overdue (an alert).
  due_at           timestamptz NOT NULL,
  -- The settings in force when it opened, and what it counted.
  interval_months  integer NOT NULL CHECK (interval_months >= 1),
  sample_percent   integer NOT NULL CHECK (sample_percent BETWEEN 10 AND 100),
  media_total      integer NOT NULL CHECK (media_total >= 0),
  opened_by        text NOT NULL,
  CHECK (due_at > opened_at)
);
CREATE INDEX medium_check_round_opened ON medium_check_round (opened_at DESC);
CREATE TRIGGER medium_check_round_fixed BEFORE UPDATE OR DELETE ON medium_check_round
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER medium_check_round_no_truncate BEFORE TRUNCATE ON medium_check_round
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A medium sampled by a round. It is checked by any medium_check at or after the round opened; overdue_at is
-- written once, when the job first finds it unchecked past the round's due date (and records the alert).
CREATE TABLE medium_check_round_item (
  round_id    uuid NOT NULL REFERENCES medium_check_round(id),
  medium_id   uuid NOT NULL REFERENCES physical_medium(id),
  -- Why it was picked: its own check was due, or it tops the round up to the sample share.
  reason      text NOT NULL CHECK (reason IN ('due', 'sample')),
  overdue_at  timestamptz,
  PRIMARY KEY (round_id, medium_id)
);
CREATE INDEX medium_check_round_item_medium ON medium_check_round_item (medium_id);
CREATE FUNCTION medium_check_round_item_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (NEW.round_id, NEW.medium_id, NEW.reason) IS DISTINCT FROM (OLD.round_id, OLD.medium_id, OLD.reason)
     OR OLD.overdue_at IS NOT NULL THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: a round item only gets its overdue time, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER medium_check_round_item_guard BEFORE UPDATE OR DELETE ON medium_check_round_item
  FOR EACH ROW EXECUTE FUNCTION medium_check_round_item_guard();
CREATE TRIGGER medium_check_round_item_no_truncate BEFORE TRUNCATE ON medium_check_round_item
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
