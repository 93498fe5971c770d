-- 第十条: late offload is a fact about the upload, fixed when the recording is stored, never cleared;
-- corrections of recording times are kept beside the recording with their reason.

-- The offload cut-off hour (setting `offload.cutoffHour`). The default 24 must equal the registry's default
-- in src/modules/settings/settings.registry.ts (a test compares them).
CREATE FUNCTION offload_cutoff_hour() RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT (value #>> '{}')::integer FROM setting WHERE key = 'offload.cutoffHour'), 24)
$$;

-- The one definition of the offload deadline: `cutoff_hour` o'clock, Beijing time, of the recording day
-- (24 = midnight at the end of that day).
CREATE FUNCTION offload_deadline(recorded_start timestamptz, cutoff_hour integer) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT (date_trunc('day', recorded_start AT TIME ZONE 'Asia/Shanghai') + make_interval(hours => cutoff_hour)) AT TIME ZONE 'Asia/Shanghai'
$$;

ALTER TABLE recording ADD COLUMN offload_deadline timestamptz, ADD COLUMN late_offload boolean;
UPDATE recording SET offload_deadline = offload_deadline(recorded_start, offload_cutoff_hour());
UPDATE recording SET late_offload = uploaded_at > offload_deadline;
ALTER TABLE recording ALTER COLUMN offload_deadline SET NOT NULL, ALTER COLUMN late_offload SET NOT NULL;
CREATE INDEX recording_late ON recording (recorded_start DESC) WHERE late_offload;

-- Computed on insert from the upload time and the recording's start, whoever inserts the row.
CREATE FUNCTION recording_offload_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.offload_deadline := offload_deadline(NEW.recorded_start, offload_cutoff_hour());
  NEW.late_offload := coalesce(NEW.late_offload, false) OR NEW.uploaded_at > NEW.offload_deadline;
  RETURN NEW;
END;
$$;
CREATE TRIGGER recording_offload_insert BEFORE INSERT ON recording
  FOR EACH ROW EXECUTE FUNCTION recording_offload_on_insert();

-- Kept forever: a late flag is never cleared and a deadline never moves later. A corrected start that puts
-- the recording day earlier moves the deadline earlier and may make the recording late; never the reverse.
CREATE FUNCTION recording_offload_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.late_offload AND NOT NEW.late_offload THEN
    RAISE EXCEPTION 'QUANLU_LATE_OFFLOAD: a late offload stays late' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.offload_deadline > OLD.offload_deadline THEN
    RAISE EXCEPTION 'QUANLU_LATE_OFFLOAD: an offload deadline cannot move later' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.recorded_start IS DISTINCT FROM OLD.recorded_start THEN
    NEW.offload_deadline := least(NEW.offload_deadline, offload_deadline(NEW.recorded_start, offload_cutoff_hour()));
  END IF;
  NEW.late_offload := NEW.late_offload OR NEW.uploaded_at > NEW.offload_deadline;
  RETURN NEW;
END;
$$;
CREATE TRIGGER recording_offload_update BEFORE UPDATE ON recording
  FOR EACH ROW EXECUTE FUNCTION recording_offload_on_update();

-- A correction of a recording's start or end: before, after, why, who and when. Append-only.
CREATE TABLE recording_time_correction (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recording_id  uuid NOT NULL REFERENCES recording(id),
  field         text NOT NULL CHECK (field IN ('recordedStart', 'recordedEnd')),
  before        timestamptz,
  after         timestamptz,
  reason        text NOT NULL CHECK (length(btrim(reason)) > 0),
  corrected_by  uuid NOT NULL REFERENCES app_user(id),
  corrected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_time_correction_recording ON recording_time_correction (recording_id, corrected_at);
CREATE TRIGGER recording_time_correction_append_only BEFORE UPDATE OR DELETE ON recording_time_correction
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recording_time_correction_no_truncate BEFORE TRUNCATE ON recording_time_correction
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
