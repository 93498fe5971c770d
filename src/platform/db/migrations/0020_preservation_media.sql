-- 第十二条 long-term preservation: marks (with one of the four grounds, proposed and approved by a leader who did
-- not propose it), the disc / removable-media sets built from marked recordings, each volume's image, the
-- physical media registered for them and every re-verification of a medium (档案法实施条例 art. 41: periodic
-- checks that media and data are still readable). Nothing here is ever deleted.

CREATE TABLE preservation_mark (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- 第十二条 (一) objection/complaint/petition, (二) obstruction/abuse/assault of officers,
  -- (三) mass or sudden incident, (四) other important situation (a description is then required).
  ground          text NOT NULL CHECK (ground IN ('objection', 'obstruction', 'incident', 'other')),
  description     text CHECK (description IS NULL OR length(description) BETWEEN 1 AND 2000),
  state           text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved', 'rejected', 'released')),
  proposed_by     uuid NOT NULL REFERENCES app_user(id),
  proposed_at     timestamptz NOT NULL DEFAULT now(),
  decided_by      uuid REFERENCES app_user(id),
  decided_at      timestamptz,
  decision_note   text,
  released_by     uuid REFERENCES app_user(id),
  released_at     timestamptz,
  release_reason  text,
  CHECK (ground <> 'other' OR description IS NOT NULL),
  -- 第十二条 approval: never by the proposer.
  CHECK (decided_by IS NULL OR decided_by <> proposed_by),
  CHECK ((state = 'proposed') = (decided_at IS NULL)),
  CHECK ((state = 'released') = (released_at IS NOT NULL))
);
CREATE INDEX preservation_mark_state ON preservation_mark (state, proposed_at DESC);

CREATE TABLE preservation_mark_item (
  mark_id      uuid NOT NULL REFERENCES preservation_mark(id),
  recording_id uuid NOT NULL REFERENCES recording(id),
  PRIMARY KEY (mark_id, recording_id)
);
CREATE INDEX preservation_mark_item_recording ON preservation_mark_item (recording_id);
CREATE TRIGGER preservation_mark_item_append_only BEFORE UPDATE OR DELETE ON preservation_mark_item
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER preservation_mark_item_no_truncate BEFORE TRUNCATE ON preservation_mark_item
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A set: the marked recordings gathered for one kind of medium, split into volumes of at most volume_bytes.
CREATE TABLE media_set (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  label          text NOT NULL CHECK (label ~ '^[A-Z0-9_]{1,24}$'),
  media_type     text NOT NULL CHECK (media_type IN ('cd', 'dvd', 'bd', 'removable')),
  volume_bytes   bigint NOT NULL CHECK (volume_bytes > 0),
  format         text NOT NULL CHECK (format IN ('iso', 'folder')),
  -- The builder's department: who may see the set and download its images (access policy, disc.*).
  department_id  uuid NOT NULL REFERENCES department(id),
  state          text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'building', 'built', 'failed')),
  total_bytes    bigint NOT NULL DEFAULT 0,
  done_bytes     bigint NOT NULL DEFAULT 0,
  phase          text,
  error          text,
  created_by     uuid NOT NULL REFERENCES app_user(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  built_at       timestamptz
);

CREATE TABLE media_set_item (
  set_id        uuid NOT NULL REFERENCES media_set(id),
  recording_id  uuid NOT NULL REFERENCES recording(id),
  mark_id       uuid NOT NULL REFERENCES preservation_mark(id),
  volume_no     int NOT NULL CHECK (volume_no >= 1),
  path          text NOT NULL,
  size_bytes    bigint NOT NULL,
  PRIMARY KEY (set_id, recording_id)
);
CREATE TRIGGER media_set_item_append_only BEFORE UPDATE OR DELETE ON media_set_item
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE media_volume (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  set_id         uuid NOT NULL REFERENCES media_set(id),
  volume_no      int NOT NULL CHECK (volume_no >= 1),
  volume_count   int NOT NULL CHECK (volume_count >= volume_no),
  label          text NOT NULL,
  -- The image (or folder) in the data folder, the bytes the operator downloads and burns.
  image_name     text,
  image_bytes    bigint,
  image_sha256   text,
  -- The manifest written into the volume (its SHA-256, so a re-verification knows it is the same one).
  manifest_sha256 text,
  verified_at    timestamptz,
  verify_ok      boolean,
  verify_detail  text,
  UNIQUE (set_id, volume_no)
);

-- A physical medium (光盘, 移动硬盘) made from one volume.
CREATE TABLE physical_medium (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  volume_id       uuid NOT NULL REFERENCES media_volume(id),
  label           text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
  media_type      text NOT NULL CHECK (media_type IN ('cd', 'dvd', 'bd', 'removable')),
  maker           text NOT NULL CHECK (length(maker) BETWEEN 1 AND 100),
  made_on         date NOT NULL,
  storage_place   text NOT NULL CHECK (length(storage_place) BETWEEN 1 AND 200),
  registered_by   uuid NOT NULL REFERENCES app_user(id),
  registered_at   timestamptz NOT NULL DEFAULT now(),
  next_check_due  timestamptz NOT NULL,
  -- The latest check's result ('unchecked' until the first).
  status          text NOT NULL DEFAULT 'unchecked' CHECK (status IN ('unchecked', 'ok', 'unreadable', 'missing', 'mismatch')),
  last_checked_at timestamptz
);
CREATE UNIQUE INDEX physical_medium_label ON physical_medium (label);

CREATE TABLE medium_check (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  medium_id   uuid NOT NULL REFERENCES physical_medium(id),
  checked_by  uuid NOT NULL REFERENCES app_user(id),
  checked_at  timestamptz NOT NULL DEFAULT now(),
  -- 'image': the operator uploaded the image read from the medium and the system compared it to the manifest;
  -- 'reported': the operator states what they found (missing, unreadable, or the offline verifier's result).
  method      text NOT NULL CHECK (method IN ('image', 'reported')),
  result      text NOT NULL CHECK (result IN ('ok', 'unreadable', 'missing', 'mismatch')),
  detail      text
);
CREATE INDEX medium_check_medium ON medium_check (medium_id, checked_at DESC);
CREATE TRIGGER medium_check_append_only BEFORE UPDATE OR DELETE ON medium_check
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER medium_check_no_truncate BEFORE TRUNCATE ON medium_check
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
