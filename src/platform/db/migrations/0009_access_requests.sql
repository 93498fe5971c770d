-- Viewing by approval (第十四条: audio/video may be consulted only with the supervising leader's approval;
-- 第二十条: no private copies). Requests, the grants they become, break-glass and the media policy table.

-- 负责人: the head of a department approves requests for its recordings from outside it. Set by an admin.
ALTER TABLE department ADD COLUMN head_person_id uuid REFERENCES person(id);

-- A request to see (or also copy) recordings of one owning department, for a purpose and a period.
-- `kind = 'query'` keeps the query; its recordings are resolved when a leader approves (the leader sees the list).
CREATE TABLE access_request (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  requester_id    uuid NOT NULL REFERENCES app_user(id),
  department_id   uuid NOT NULL REFERENCES department(id),
  kind            text NOT NULL CHECK (kind IN ('items', 'query')),
  query           jsonb,
  purpose         text NOT NULL CHECK (length(btrim(purpose)) > 0),
  mode            text NOT NULL CHECK (mode IN ('view', 'copy')),
  period_from     timestamptz NOT NULL,
  period_until    timestamptz NOT NULL,
  emergency       boolean NOT NULL DEFAULT false,
  -- The requester was outside the owning department (its subtree) when asking: only the head decides.
  cross_department boolean NOT NULL DEFAULT false,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'denied', 'withdrawn')),
  decided_by      uuid REFERENCES app_user(id),
  decided_at      timestamptz,
  decision_reason text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (period_until > period_from),
  CHECK ((kind = 'query') = (query IS NOT NULL)),
  -- 第十四条: nobody approves their own request (also refused by the service, with a clear message).
  CHECK (decided_by IS DISTINCT FROM requester_id)
);
CREATE INDEX access_request_requester ON access_request (requester_id, created_at DESC);
CREATE INDEX access_request_pending ON access_request (department_id, created_at DESC) WHERE state = 'pending';

-- The recordings a request named (kind 'items'). Fixed when the request is made.
CREATE TABLE access_request_item (
  request_id   uuid NOT NULL REFERENCES access_request(id),
  recording_id uuid NOT NULL REFERENCES recording(id),
  PRIMARY KEY (request_id, recording_id)
);
CREATE TRIGGER access_request_item_append_only BEFORE UPDATE OR DELETE ON access_request_item
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A grant: what an approval (or a break-glass) opened, to whom, how and until when (exclusive, to the second).
CREATE TABLE access_grant (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id     uuid NOT NULL UNIQUE REFERENCES access_request(id),
  grantee_id     uuid NOT NULL REFERENCES app_user(id),
  department_id  uuid NOT NULL REFERENCES department(id),
  mode           text NOT NULL CHECK (mode IN ('view', 'copy')),
  valid_from     timestamptz NOT NULL,
  valid_until    timestamptz NOT NULL,
  emergency      boolean NOT NULL DEFAULT false,
  approved_by    uuid REFERENCES app_user(id),
  revoked_at     timestamptz,
  revoked_by     uuid REFERENCES app_user(id),
  revoke_reason  text,
  -- Break-glass grants wait for a leader's after-the-fact review: signed off, or referred to supervision.
  review_state   text NOT NULL DEFAULT 'none' CHECK (review_state IN ('none', 'pending', 'signed_off', 'referred')),
  reviewed_by    uuid REFERENCES app_user(id),
  reviewed_at    timestamptz,
  review_note    text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_until > valid_from),
  CHECK (emergency = (approved_by IS NULL)),
  CHECK (approved_by IS DISTINCT FROM grantee_id),
  CHECK (reviewed_by IS DISTINCT FROM grantee_id),
  CHECK (emergency OR review_state = 'none')
);
CREATE INDEX access_grant_grantee ON access_grant (grantee_id, valid_until);
CREATE INDEX access_grant_review ON access_grant (department_id, created_at DESC) WHERE review_state = 'pending';

-- A grant's terms never widen once given: the period may only end earlier (revocation), nothing else moves.
CREATE FUNCTION access_grant_no_widening() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.grantee_id <> OLD.grantee_id OR NEW.mode <> OLD.mode OR NEW.valid_from <> OLD.valid_from
     OR NEW.valid_until > OLD.valid_until OR NEW.request_id <> OLD.request_id OR NEW.department_id <> OLD.department_id
     OR NEW.emergency <> OLD.emergency OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
     OR (OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at) THEN
    RAISE EXCEPTION 'QUANLU_GRANT_FIXED: a grant is never widened, re-dated or un-revoked' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER access_grant_fixed BEFORE UPDATE ON access_grant FOR EACH ROW EXECUTE FUNCTION access_grant_no_widening();
CREATE TRIGGER access_grant_no_delete BEFORE DELETE ON access_grant FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_grant_no_truncate BEFORE TRUNCATE ON access_grant FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_request_no_truncate BEFORE TRUNCATE ON access_request FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_request_no_delete BEFORE DELETE ON access_request FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Exactly the recordings a grant covers (a query grant: what matched when it was approved). Write-once.
CREATE TABLE access_grant_item (
  grant_id     uuid NOT NULL REFERENCES access_grant(id),
  recording_id uuid NOT NULL REFERENCES recording(id),
  PRIMARY KEY (grant_id, recording_id)
);
CREATE INDEX access_grant_item_recording ON access_grant_item (recording_id);
CREATE TRIGGER access_grant_item_append_only BEFORE UPDATE OR DELETE ON access_grant_item
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_grant_item_no_truncate BEFORE TRUNCATE ON access_grant_item
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_request_item_no_truncate BEFORE TRUNCATE ON access_request_item
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The media policy table: what each role sees of recordings' pictures and sound WITHOUT a grant.
--   none       — nothing (grants only)
--   own_recent — the recordings the user uploaded or is a recording officer on, for `access.ownMediaHours`
--                hours after upload (tagging; 第十条)
--   reach      — whatever the role's metadata reach covers (not the regulation's default for any role)
-- Defaults follow 第十四条: only the officer's (and custodian's, who uploads for them) own fresh footage.
CREATE TABLE media_access_policy (
  role          text PRIMARY KEY CHECK (role IN ('officer', 'custodian', 'leader', 'supervisor', 'admin', 'auditor')),
  without_grant text NOT NULL CHECK (without_grant IN ('none', 'own_recent', 'reach')),
  updated_by    uuid REFERENCES app_user(id),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO media_access_policy (role, without_grant) VALUES
  ('officer', 'own_recent'), ('custodian', 'own_recent'), ('leader', 'none'),
  ('supervisor', 'none'), ('admin', 'none'), ('auditor', 'none');
