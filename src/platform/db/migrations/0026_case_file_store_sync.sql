-- Issue 11 §2, §3 (第十一、十二条): the object store kept in step for case files too, as 0019 does for
-- recordings' originals. A case file's bytes (its documents, originals of the store, and its built PDFs) are
-- kept in the store at least until the Beijing midnight after the case file's keep-until date (extended only,
-- never shortened) and put on legal hold while it has no date (永久, held, not archived yet). Bytes are
-- content addressed, so one object may serve several case files and recordings: the sync applies the longest
-- date of everything it serves and keeps the hold while anything it serves has no date.
--
-- store_until / store_hold: what the sync last found applied to this case file's objects after its pass —
-- the earliest retain-until among them (NULL: one has none) and whether every one of them is on legal hold.
-- store_synced is false until the sync caught up with keep_until (or with a document or PDF added since);
-- store_synced_at says when it last did.
ALTER TABLE case_retention
  ADD COLUMN store_until     timestamptz,
  ADD COLUMN store_hold      boolean NOT NULL DEFAULT false,
  ADD COLUMN store_synced    boolean NOT NULL DEFAULT false,
  ADD COLUMN store_synced_at timestamptz;
CREATE INDEX case_retention_unsynced ON case_retention (case_id) WHERE NOT store_synced AND disposed_at IS NULL;

-- A document or a built PDF added to a case file: its object needs the case file's lock too.
CREATE FUNCTION case_store_unsynced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE case_retention SET store_synced = false WHERE case_id = NEW.case_id AND store_synced;
  RETURN NULL;
END $$;
CREATE TRIGGER case_document_store_unsynced AFTER INSERT ON case_document
  FOR EACH ROW EXECUTE FUNCTION case_store_unsynced();
CREATE TRIGGER case_file_build_store_unsynced AFTER INSERT ON case_file_build
  FOR EACH ROW EXECUTE FUNCTION case_store_unsynced();
