-- Superseding a case document (issue 9 follow-up). 第五、九条: the case file is the text record of the act; a
-- document uploaded with a mistake (a wrong scan, a 送达回证 recorded unsigned) is corrected by another
-- document, never by changing or removing it (0013: case_document is write-once). This records which document
-- replaces which, why, by whom and when. The superseded document stays stored, listed and fixity-checked; it
-- is left out of the bound case file and of 案卷评查. Builds on 0013.
CREATE TABLE case_document_supersession (
  -- A document is superseded at most once.
  superseded_id   uuid PRIMARY KEY REFERENCES case_document(id),
  replacement_id  uuid NOT NULL REFERENCES case_document(id),
  -- Denormalised so the archive lock (refuse_archived_case_change) and the same-case check work on the row.
  case_id         uuid NOT NULL REFERENCES enforcement_case(id),
  reason          text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
  superseded_by   uuid NOT NULL REFERENCES app_user(id),
  superseded_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (superseded_id <> replacement_id)
);
CREATE INDEX case_document_supersession_replacement ON case_document_supersession (replacement_id);
CREATE INDEX case_document_supersession_case ON case_document_supersession (case_id);

-- Both documents belong to the row's case (the service says so first; the database holds to it).
CREATE FUNCTION case_document_supersession_same_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(*) FROM case_document WHERE id IN (NEW.superseded_id, NEW.replacement_id) AND case_id = NEW.case_id) <> 2 THEN
    RAISE EXCEPTION 'QUANLU_SUPERSEDE_OTHER_CASE: both documents must belong to case %', NEW.case_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER case_document_supersession_same_case BEFORE INSERT ON case_document_supersession
  FOR EACH ROW EXECUTE FUNCTION case_document_supersession_same_case();

CREATE TRIGGER case_document_supersession_no_update BEFORE UPDATE OR DELETE ON case_document_supersession
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_document_supersession_no_truncate BEFORE TRUNCATE ON case_document_supersession
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
-- The archive lock covers it: nothing is superseded in an archived case.
CREATE TRIGGER case_document_supersession_archived BEFORE INSERT ON case_document_supersession
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('case_id');
