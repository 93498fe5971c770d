-- Annotations and transcripts of recordings (issue 8 §6). Where a recording replaces a written record, a note of
-- its key content with the time range is added (公安机关办理行政案件程序规定); audio handed to a court needs a
-- written transcript (行政诉讼证据规定 art. 12). Both are separate records: the original never changes
-- (第八条), and they are versioned — an edit or a deletion appends a version, nothing is overwritten or removed.

-- One note or transcript segment of one recording: who started it and when. The content lives in its versions.
CREATE TABLE annotation (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recording_id  uuid NOT NULL REFERENCES recording(id),
  -- 'note': a time-range note (标注); 'transcript': a typed segment of what is said (转写).
  layer         text NOT NULL CHECK (layer IN ('note', 'transcript')),
  created_by    uuid NOT NULL REFERENCES app_user(id),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX annotation_recording ON annotation (recording_id, layer);

-- Every version of every annotation, version 1 first. The latest is the current one; a version with
-- `deleted` ends the annotation (it keeps the content it removed, so the history reads on its own).
CREATE TABLE annotation_version (
  annotation_id uuid NOT NULL REFERENCES annotation(id),
  version       integer NOT NULL CHECK (version >= 1),
  -- Notes only: 'key_content' (重点内容) or 'note' (说明). Transcripts: NULL.
  kind          text CHECK (kind IN ('key_content', 'note')),
  -- Transcripts: who speaks (执法人员, 当事人 …), optional.
  speaker       text CHECK (speaker IS NULL OR (length(btrim(speaker)) > 0 AND length(speaker) <= 100)),
  -- The time range within the recording, in milliseconds from its start (the end within its duration is
  -- checked by the service, which knows the duration).
  start_ms      integer NOT NULL CHECK (start_ms >= 0),
  end_ms        integer NOT NULL,
  body          text NOT NULL CHECK (length(btrim(body)) > 0 AND length(body) <= 4000),
  deleted       boolean NOT NULL DEFAULT false,
  author_id     uuid NOT NULL REFERENCES app_user(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (annotation_id, version),
  CHECK (end_ms > start_ms)
);

-- Versions follow one another: 1, then the next after the latest, never after a deletion; notes carry a
-- kind and transcripts none. Two edits of the same version race to the same primary key: one wins.
CREATE FUNCTION annotation_version_in_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  latest annotation_version%ROWTYPE;
  the_layer text;
BEGIN
  SELECT layer INTO the_layer FROM annotation WHERE id = NEW.annotation_id;
  IF (the_layer = 'note') <> (NEW.kind IS NOT NULL) THEN
    RAISE EXCEPTION 'QUANLU_ANNOTATION_KIND: a note has a kind, a transcript segment none' USING ERRCODE = 'check_violation';
  END IF;
  SELECT * INTO latest FROM annotation_version WHERE annotation_id = NEW.annotation_id ORDER BY version DESC LIMIT 1;
  IF NOT FOUND THEN
    IF NEW.version <> 1 OR NEW.deleted THEN
      RAISE EXCEPTION 'QUANLU_ANNOTATION_SEQUENCE: the first version is 1 and not a deletion' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF latest.deleted OR NEW.version <> latest.version + 1 THEN
    RAISE EXCEPTION 'QUANLU_ANNOTATION_SEQUENCE: version % does not follow version % (or follows a deletion)', NEW.version, latest.version USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER annotation_version_sequence BEFORE INSERT ON annotation_version
  FOR EACH ROW EXECUTE FUNCTION annotation_version_in_sequence();

-- Write-once, even for the owner role: no UPDATE, DELETE or TRUNCATE.
CREATE TRIGGER annotation_append_only BEFORE UPDATE OR DELETE ON annotation
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER annotation_no_truncate BEFORE TRUNCATE ON annotation
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER annotation_version_append_only BEFORE UPDATE OR DELETE ON annotation_version
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER annotation_version_no_truncate BEFORE TRUNCATE ON annotation_version
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
