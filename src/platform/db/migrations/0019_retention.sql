-- Retention (第十一条) and disposal (第十一、二十条): the retention table as versioned data, every recording's
-- and case's computed keep-until date, and the one path by which a recording's bytes are destroyed.

-- 保存期限表: one version per change; proposed by one person, approved by a leader who did not propose it.
-- The seeded version 1 has neither (it is the default the installation starts from).
CREATE TABLE retention_table_version (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version      integer NOT NULL UNIQUE CHECK (version >= 1),
  note         text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  proposed_by  uuid REFERENCES app_user(id),
  proposed_at  timestamptz NOT NULL DEFAULT now(),
  approved_by  uuid REFERENCES app_user(id),
  approved_at  timestamptz,
  CHECK (approved_by IS NULL OR approved_at IS NOT NULL),
  CHECK (approved_by IS NULL OR proposed_by IS NULL OR approved_by <> proposed_by)
);
-- A version is written once and approved once (by someone other than its proposer); never removed.
CREATE FUNCTION retention_table_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'QUANLU_APPEND_ONLY: retention table versions are never deleted' USING ERRCODE = 'insufficient_privilege'; END IF;
  IF OLD.approved_at IS NOT NULL
     OR (NEW.id, NEW.version, NEW.note, NEW.proposed_by, NEW.proposed_at) IS DISTINCT FROM (OLD.id, OLD.version, OLD.note, OLD.proposed_by, OLD.proposed_at) THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: a retention table version may only be approved, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER retention_table_version_guard BEFORE UPDATE OR DELETE ON retention_table_version
  FOR EACH ROW EXECUTE FUNCTION retention_table_version_guard();
CREATE TRIGGER retention_table_version_no_truncate BEFORE TRUNCATE ON retention_table_version
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- One period per record category. av_evidence has no row: AV linked to a case inherits the case file's period.
CREATE TABLE retention_rule (
  version_id    uuid NOT NULL REFERENCES retention_table_version(id),
  category      text NOT NULL CHECK (category IN ('av_patrol', 'av_other', 'case_file_general', 'case_file_simple')),
  period_unit   text NOT NULL CHECK (period_unit IN ('months', 'years', 'permanent')),
  period_count  integer CHECK (period_count BETWEEN 1 AND 1200),
  PRIMARY KEY (version_id, category),
  CHECK ((period_unit = 'permanent') = (period_count IS NULL)),
  -- 第十一条: AV is kept at least 6 months.
  CHECK (category NOT IN ('av_patrol', 'av_other') OR period_unit <> 'months' OR period_count >= 6)
);
CREATE TRIGGER retention_rule_fixed BEFORE UPDATE OR DELETE ON retention_rule
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER retention_rule_no_truncate BEFORE TRUNCATE ON retention_rule
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

WITH v AS (INSERT INTO retention_table_version (version, note, approved_at) VALUES (1, '默认保存期限表 Default retention table (第十一条; 国家档案局令第8号)', now()) RETURNING id)
INSERT INTO retention_rule (version_id, category, period_unit, period_count)
SELECT v.id, x.category, x.unit, x.n FROM v, (VALUES
  ('av_patrol', 'months', 6),
  ('av_other', 'months', 6),
  ('case_file_general', 'permanent', NULL),
  ('case_file_simple', 'years', 30)
) AS x(category, unit, n);

-- The computed retention of each case file. keep_until is a Beijing date the file is kept THROUGH; NULL
-- when there is no date: permanent, held, or not yet archived (the period runs from archiving).
CREATE TABLE case_retention (
  case_id       uuid PRIMARY KEY REFERENCES enforcement_case(id),
  keep_until    date,
  -- case_file_general | case_file_simple (the table's rule), case_not_archived, hold.
  basis         text NOT NULL,
  rule_version  integer NOT NULL,
  computed_at   timestamptz NOT NULL DEFAULT now()
);

-- The computed retention of each recording (kept THROUGH keep_until, Beijing date; NULL = no date: permanent,
-- held, or serving a case whose file is not archived yet). store_* is what the object store was last set to
-- for its original (extended only, never shortened); store_synced is false until the sync job caught up.
CREATE TABLE recording_retention (
  recording_id   uuid PRIMARY KEY REFERENCES recording(id),
  keep_until     date,
  -- av_patrol | av_other | case_file_general | case_file_simple (inherited from basis_case_id) | case_pending
  -- | case_held | hold
  basis          text NOT NULL,
  basis_case_id  uuid REFERENCES enforcement_case(id),
  rule_version   integer NOT NULL,
  computed_at    timestamptz NOT NULL DEFAULT now(),
  store_until    timestamptz,
  store_hold     boolean NOT NULL DEFAULT false,
  store_synced   boolean NOT NULL DEFAULT false,
  disposed_at    timestamptz
);
CREATE INDEX recording_retention_due ON recording_retention (keep_until) WHERE keep_until IS NOT NULL AND disposed_at IS NULL;
CREATE INDEX recording_retention_unsynced ON recording_retention (recording_id) WHERE NOT store_synced AND disposed_at IS NULL;

-- 销毁批次: proposed (by the daily sweep — proposed_by NULL — or a leader), approved by a leader who is not
-- the proposer; the items then wait grace_until, during which a leader may restore them.
CREATE TABLE disposal_batch (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  proposed_by  uuid REFERENCES app_user(id),
  proposed_at  timestamptz NOT NULL DEFAULT now(),
  approved_by  uuid REFERENCES app_user(id),
  approved_at  timestamptz,
  grace_until  timestamptz,
  completed_at timestamptz,
  CHECK ((approved_by IS NULL) = (approved_at IS NULL) AND (approved_at IS NULL) = (grace_until IS NULL)),
  CHECK (approved_by IS NULL OR proposed_by IS NULL OR approved_by <> proposed_by)
);
CREATE FUNCTION disposal_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'QUANLU_APPEND_ONLY: disposal batches are never deleted' USING ERRCODE = 'insufficient_privilege'; END IF;
  IF (NEW.id, NEW.proposed_by, NEW.proposed_at) IS DISTINCT FROM (OLD.id, OLD.proposed_by, OLD.proposed_at)
     OR (OLD.approved_at IS NOT NULL AND (NEW.approved_by, NEW.approved_at, NEW.grace_until) IS DISTINCT FROM (OLD.approved_by, OLD.approved_at, OLD.grace_until))
     OR (OLD.completed_at IS NOT NULL AND NEW.completed_at IS DISTINCT FROM OLD.completed_at) THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: a disposal batch is approved once and completed once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER disposal_batch_guard BEFORE UPDATE OR DELETE ON disposal_batch FOR EACH ROW EXECUTE FUNCTION disposal_batch_guard();
CREATE TRIGGER disposal_batch_no_truncate BEFORE TRUNCATE ON disposal_batch FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE disposal_item (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  batch_id        uuid NOT NULL REFERENCES disposal_batch(id),
  recording_id    uuid NOT NULL REFERENCES recording(id),
  -- What made it due, as proposed.
  keep_until      date NOT NULL,
  basis           text NOT NULL,
  -- proposed → restored (a leader kept it, or it was no longer due) | deleting → deleted.
  state           text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'restored', 'deleting', 'deleted')),
  restored_by     uuid REFERENCES app_user(id),
  restored_at     timestamptz,
  restore_reason  text,
  deleted_at      timestamptz,
  CHECK ((state = 'restored') = (restored_at IS NOT NULL)),
  CHECK ((state = 'deleted') = (deleted_at IS NOT NULL))
);
CREATE INDEX disposal_item_batch ON disposal_item (batch_id);
-- A recording is in at most one batch at a time (a restored item frees it).
CREATE UNIQUE INDEX disposal_item_live ON disposal_item (recording_id) WHERE state <> 'restored';
CREATE FUNCTION disposal_item_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'QUANLU_APPEND_ONLY: disposal items are never deleted' USING ERRCODE = 'insufficient_privilege'; END IF;
  IF (NEW.id, NEW.batch_id, NEW.recording_id, NEW.keep_until, NEW.basis) IS DISTINCT FROM (OLD.id, OLD.batch_id, OLD.recording_id, OLD.keep_until, OLD.basis)
     OR NOT ((OLD.state = 'proposed' AND NEW.state IN ('restored', 'deleting')) OR (OLD.state = 'deleting' AND NEW.state = 'deleted') OR OLD.state = NEW.state AND OLD.state = 'proposed') THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: disposal item % may not go from % to %', OLD.id, OLD.state, NEW.state USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Only a tombstone (written first, by the disposal path, under its own checks) lets an item be deleted.
  IF NEW.state = 'deleting' AND NOT EXISTS (SELECT 1 FROM disposal_tombstone t WHERE t.item_id = NEW.id) THEN
    RAISE EXCEPTION 'QUANLU_DISPOSAL_REFUSED: no tombstone for disposal item %', NEW.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER disposal_item_no_truncate BEFORE TRUNCATE ON disposal_item FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- 销毁记录: what was destroyed, stays forever (metadata, hashes, rule, approvals, times).
CREATE TABLE disposal_tombstone (
  recording_id     uuid PRIMARY KEY REFERENCES recording(id),
  item_id          uuid NOT NULL UNIQUE REFERENCES disposal_item(id),
  batch_id         uuid NOT NULL REFERENCES disposal_batch(id),
  original_sha256  text NOT NULL,
  original_sm3     text NOT NULL,
  size_bytes       bigint NOT NULL,
  file_name        text NOT NULL,
  metadata         jsonb NOT NULL,
  -- [{ kind, sha256, sm3, sizeBytes }] of the derived files destroyed with it.
  derived          jsonb NOT NULL,
  keep_until       date NOT NULL,
  basis            text NOT NULL,
  rule_version     integer NOT NULL,
  proposed_by      uuid REFERENCES app_user(id),
  proposed_at      timestamptz NOT NULL,
  approved_by      uuid NOT NULL REFERENCES app_user(id),
  approved_at      timestamptz NOT NULL,
  grace_until      timestamptz NOT NULL,
  executed_by      text NOT NULL,
  executed_at      timestamptz NOT NULL DEFAULT now()
);
-- The gate of the only disposal path, in the database: a tombstone (and with it the item's move to
-- 'deleting', which the executor needs before it touches bytes) is accepted only for an item of an approved
-- batch whose grace period is over, of a recording that is due (kept through a date before today in
-- Beijing) and not held. 第二十条: nothing else may bring a recording to destruction.
CREATE FUNCTION disposal_tombstone_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ok boolean;
BEGIN
  SELECT true INTO ok
  FROM disposal_item i
  JOIN disposal_batch b ON b.id = i.batch_id
  JOIN recording_retention rr ON rr.recording_id = i.recording_id
  WHERE i.id = NEW.item_id AND i.recording_id = NEW.recording_id AND i.batch_id = NEW.batch_id
    AND i.state = 'proposed'
    AND b.approved_at IS NOT NULL AND b.grace_until <= now()
    AND rr.keep_until IS NOT NULL AND rr.keep_until < (now() AT TIME ZONE 'Asia/Shanghai')::date
    AND rr.disposed_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM retention_hold h WHERE h.subject_type = 'recording' AND h.subject_id = i.recording_id AND h.released_at IS NULL)
    -- Checked again from the sources, not only from the computed row: no live link to a case whose file is
    -- not archived or is kept (by its archived cover) beyond today, and the recording's own period under the
    -- table in force is over.
    AND NOT EXISTS (
      SELECT 1 FROM case_recording_link l LEFT JOIN case_archive ca ON ca.case_id = l.case_id
      WHERE l.recording_id = i.recording_id AND l.unlinked_at IS NULL
        AND (ca.case_id IS NULL OR ca.retain_until IS NULL OR ca.retain_until > (now() AT TIME ZONE 'Asia/Shanghai')::date))
    AND EXISTS (
      SELECT 1 FROM recording r
      JOIN retention_rule ru ON ru.category = CASE WHEN r.activity = 'patrol' THEN 'av_patrol' ELSE 'av_other' END
        AND ru.version_id = (SELECT v.id FROM retention_table_version v WHERE v.approved_at IS NOT NULL ORDER BY v.version DESC LIMIT 1)
      WHERE r.id = i.recording_id AND ru.period_unit <> 'permanent'
        AND ((r.recorded_start AT TIME ZONE 'Asia/Shanghai')::date
             + CASE WHEN ru.period_unit = 'years' THEN make_interval(years => ru.period_count) ELSE make_interval(months => ru.period_count) END)::date
            < (now() AT TIME ZONE 'Asia/Shanghai')::date);
  IF ok IS NULL THEN
    RAISE EXCEPTION 'QUANLU_DISPOSAL_REFUSED: recording % is not due, is held, or its disposal is not approved and past its grace period', NEW.recording_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER disposal_tombstone_gate BEFORE INSERT ON disposal_tombstone FOR EACH ROW EXECUTE FUNCTION disposal_tombstone_gate();
CREATE TRIGGER disposal_tombstone_fixed BEFORE UPDATE OR DELETE ON disposal_tombstone FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER disposal_tombstone_no_truncate BEFORE TRUNCATE ON disposal_tombstone FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER disposal_item_guard BEFORE UPDATE OR DELETE ON disposal_item FOR EACH ROW EXECUTE FUNCTION disposal_item_guard();

-- A disposed recording keeps its computed row; only the disposal path sets disposed_at (after the tombstone).
CREATE FUNCTION recording_retention_disposed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'QUANLU_APPEND_ONLY: retention rows are never deleted' USING ERRCODE = 'insufficient_privilege'; END IF;
  IF OLD.disposed_at IS NOT NULL AND NEW.disposed_at IS DISTINCT FROM OLD.disposed_at THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: a disposal is final' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.disposed_at IS NOT NULL AND OLD.disposed_at IS NULL AND NOT EXISTS (SELECT 1 FROM disposal_tombstone t WHERE t.recording_id = NEW.recording_id) THEN
    RAISE EXCEPTION 'QUANLU_DISPOSAL_REFUSED: recording % has no tombstone', NEW.recording_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
-- Only rows whose disposal mark changes run the check (a bulk recompute of a million rows does not).
CREATE TRIGGER recording_retention_disposed_guard BEFORE UPDATE ON recording_retention
  FOR EACH ROW WHEN (OLD.disposed_at IS DISTINCT FROM NEW.disposed_at) EXECUTE FUNCTION recording_retention_disposed_guard();
CREATE TRIGGER recording_retention_no_delete BEFORE DELETE ON recording_retention
  FOR EACH ROW EXECUTE FUNCTION recording_retention_disposed_guard();
CREATE TRIGGER recording_retention_no_truncate BEFORE TRUNCATE ON recording_retention
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
