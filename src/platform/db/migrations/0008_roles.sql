-- Least privilege (issue 7 §5). The server serves as a role that owns nothing and holds only the grants
-- of src/platform/db/app-privileges.ts (given by migrate() as the owner at each start, since the role's
-- name is the deployment's); it has no TRUNCATE. Here, for the owner and anyone else holding TRUNCATE:
-- every write-once table refuses it by a statement trigger, as audit_event, original, fixity_check and
-- recording_time_correction already do. TRUNCATE fires no row triggers, so without these a TRUNCATE …
-- CASCADE would empty the history that the row triggers keep (第八条 originals kept as recorded, 第十条
-- receipts, the records of handling).
CREATE TRIGGER recording_no_truncate BEFORE TRUNCATE ON recording
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recording_officer_no_truncate BEFORE TRUNCATE ON recording_officer
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER derived_object_no_truncate BEFORE TRUNCATE ON derived_object
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER upload_no_truncate BEFORE TRUNCATE ON upload
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER offload_receipt_no_truncate BEFORE TRUNCATE ON offload_receipt
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fixity_run_no_truncate BEFORE TRUNCATE ON fixity_run
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A confirmed 第十条 receipt stands: it is neither rewritten nor removed (the serving role has neither
-- privilege; this holds for the owner too).
CREATE TRIGGER offload_receipt_append_only BEFORE UPDATE OR DELETE ON offload_receipt
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
