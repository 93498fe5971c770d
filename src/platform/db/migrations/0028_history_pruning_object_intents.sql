-- (1) History pruning. fixity_check gains one row per object per fixity period for ever (200 million objects:
--     billions of rows a year) and job_history one per finished job. A scheduled pruning removes the routine
--     part, as settings say (fixity.checkHistoryDays, jobs.historyDays), and never what is evidence:
--     民事证据规定 第93–94条 — integrity is judged by the checks, so every failed check, every workstation check
--     (the one made before a card was cleared, 第十条) and the latest check of every object stay for ever; an
--     'ok' check is removable only when a later check of the same object exists and it is older than 30 days.
--     The serving role still cannot DELETE from fixity_check: it calls prune_fixity_checks(), which runs as the
--     owner and sets a transaction-local flag the row trigger requires, and the trigger re-checks each row
--     (so even the owner's own DELETE cannot take a failure, the latest check or a recent one).
--     The audit log is not touched (the pruning itself is an audit event written by the job).

CREATE FUNCTION fixity_check_prune_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND current_setting('quanlu.fixity_prune', true) = 'on'
     AND OLD.result = 'ok'
     AND OLD.reason <> 'workstation'
     AND OLD.checked_at < now() - interval '30 days'
     AND EXISTS (SELECT 1 FROM fixity_check n WHERE n.sha256 = OLD.sha256 AND (n.checked_at, n.id) > (OLD.checked_at, OLD.id)) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'QUANLU_APPEND_ONLY: % on % is not allowed (append-only; only prune_fixity_checks() removes routine ok checks)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER fixity_check_no_update ON fixity_check;
CREATE TRIGGER fixity_check_no_update BEFORE UPDATE OR DELETE ON fixity_check
  FOR EACH ROW EXECUTE FUNCTION fixity_check_prune_gate();

-- Removes at most `batch` routine checks older than `keep_days` (at least 30) that a later check of the same
-- object supersedes; returns how many. Called repeatedly by the job until it returns less than `batch`.
CREATE FUNCTION prune_fixity_checks(keep_days integer, batch integer) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  IF keep_days IS NULL OR keep_days < 30 OR batch IS NULL OR batch < 1 OR batch > 100000 THEN
    RAISE EXCEPTION 'prune_fixity_checks: keep_days >= 30 and 1 <= batch <= 100000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM set_config('quanlu.fixity_prune', 'on', true);
  DELETE FROM fixity_check c WHERE c.id IN (
    SELECT o.id FROM fixity_check o
    WHERE o.result = 'ok' AND o.reason <> 'workstation' AND o.checked_at < now() - make_interval(days => keep_days)
      AND EXISTS (SELECT 1 FROM fixity_check n WHERE n.sha256 = o.sha256 AND (n.checked_at, n.id) > (o.checked_at, o.id))
    ORDER BY o.id
    LIMIT batch);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('quanlu.fixity_prune', 'off', true);
  RETURN n;
END $$;
CREATE INDEX fixity_check_routine ON fixity_check (id) WHERE result = 'ok' AND reason <> 'workstation';

-- job_history: finished jobs older than jobs.historyDays are removed by the job (the serving role gets DELETE;
-- the table is the jobs page's memory, not evidence — what a job changed has its own audit events).
CREATE INDEX job_history_finished ON job_history (finished_at);

-- (2) Objects stored before their row (case documents, built case-file PDFs): the writer records its intent —
--     the object's SHA-256 — in a committed row BEFORE it writes the bytes, and removes the intent in the same
--     transaction as the rows that reference the object. An intent older than the sweep's age left behind by a
--     crash or a failed insert names an object that may have no row: the sweep removes that object when no
--     `original` or `derived_object` row references it, never otherwise; a store that refuses (S3 Object Lock)
--     keeps it and the intent is marked 'kept'. Case-file writers and the sweep serialise on an advisory lock of
--     the key, so a new case-file write of the same bytes never loses its object to the sweep. (Recording uploads
--     take no intent: one of the very same bytes finishing inside the sweep's few milliseconds on that key, after
--     a case-file write of them failed, is the case this does not cover.)
CREATE TABLE object_intent (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  purpose     text NOT NULL CHECK (purpose IN ('case_document', 'case_file_build')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  uuid REFERENCES app_user(id),
  -- Set by the sweep when the store refused to remove an unreferenced object (locked): recorded, left alone.
  kept_at     timestamptz
);
CREATE INDEX object_intent_pending ON object_intent (created_at) WHERE kept_at IS NULL;
CREATE INDEX object_intent_sha256 ON object_intent (sha256);
