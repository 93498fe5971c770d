-- Uploads: the bytes (original) are shared, each department keeps its own recording of them; uploads a
-- user terminates are recorded as cancelled (issue 6 items 1 and 13).

-- Before: one recording per original, so whoever uploaded a file first decided which department held it,
-- and a later uploader of the same bytes got the first recording's id (perhaps of another department) and
-- lost their metadata. Now: one recording per original PER DEPARTMENT. A second upload of the same bytes
-- into the same department is the same evidence offloaded twice (a card read twice, two officers on one
-- card): it is linked to that department's recording as a duplicate — its metadata is kept on the upload
-- row and in the audit event, and corrections go through an edit of the one recording — rather than a
-- second recording that would show the same footage twice in searches, receipts and statistics.
ALTER TABLE recording DROP CONSTRAINT recording_original_sha256_key;
-- This index also serves lookups by original alone (its first column).
ALTER TABLE recording ADD CONSTRAINT recording_original_department UNIQUE (original_sha256, department_id);

ALTER TABLE upload DROP CONSTRAINT upload_state_check;
ALTER TABLE upload ADD CONSTRAINT upload_state_check
  CHECK (state IN ('receiving', 'stored', 'duplicate', 'rejected', 'cancelled'));
