-- 第十三条 evidence packages (issue 13 §5): a BagIt bag as one ZIP file in the data folder, built by a job
-- under an approved copy grant (第二十条). The row holds the request and the build's progress; the file's
-- SHA-256 is recorded when it is ready. Packages are never removed (their downloads are audited by id).
CREATE TABLE evidence_package (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- A case's package (its linked recordings and case file PDF), or NULL for a set of recordings.
  case_id         uuid REFERENCES enforcement_case(id),
  recording_ids   uuid[] NOT NULL CHECK (cardinality(recording_ids) > 0),
  -- The approved copy grant the package was made under (of the first item; each item had one when asked).
  grant_id        uuid NOT NULL REFERENCES access_grant(id),
  created_by      uuid NOT NULL REFERENCES app_user(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'building', 'ready', 'failed')),
  bytes_total     bigint NOT NULL DEFAULT 0 CHECK (bytes_total >= 0),
  bytes_done      bigint NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
  file_size       bigint,
  sha256          text,
  checkpoint_size bigint,
  error           text,
  finished_at     timestamptz,
  CHECK ((state = 'ready') = (sha256 IS NOT NULL AND file_size IS NOT NULL))
);
CREATE INDEX evidence_package_creator ON evidence_package (created_by, created_at DESC);
CREATE INDEX evidence_package_case ON evidence_package (case_id, created_at DESC) WHERE case_id IS NOT NULL;

-- Evidence handed over against a deadline may name the package it was delivered as.
ALTER TABLE case_evidence_deadline ADD COLUMN delivered_package_id uuid REFERENCES evidence_package(id);
