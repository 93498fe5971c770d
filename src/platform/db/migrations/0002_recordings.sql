-- Recordings (声像资料): write-once originals, derived files, media facts, descriptive metadata,
-- uploads and daily offload receipts (第八、十、十五、十七条).

-- An original file as stored: content-addressed by SHA-256, SM3 beside it. Write-once.
CREATE TABLE original (
  sha256             text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  sm3                text NOT NULL CHECK (sm3 ~ '^[0-9a-f]{64}$'),
  size_bytes         bigint NOT NULL CHECK (size_bytes >= 0),
  storage            text NOT NULL DEFAULT 'local',
  stored_at          timestamptz NOT NULL DEFAULT now(),
  first_uploaded_by  uuid REFERENCES app_user(id)
);

CREATE FUNCTION refuse_original_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'QUANLU_WRITE_ONCE: originals cannot be deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.sm3 IS DISTINCT FROM OLD.sm3
     OR NEW.size_bytes IS DISTINCT FROM OLD.size_bytes OR NEW.storage IS DISTINCT FROM OLD.storage
     OR NEW.stored_at IS DISTINCT FROM OLD.stored_at THEN
    RAISE EXCEPTION 'QUANLU_WRITE_ONCE: the hash, size and object of an original cannot change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER original_write_once BEFORE UPDATE OR DELETE ON original
  FOR EACH ROW EXECUTE FUNCTION refuse_original_change();
CREATE TRIGGER original_no_truncate BEFORE TRUNCATE ON original
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Browser proxies and thumbnails: separate objects with their own hashes, linked to their original.
CREATE TABLE derived_object (
  sha256           text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  sm3              text NOT NULL,
  size_bytes       bigint NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('proxy', 'thumbnail')),
  mime_type        text NOT NULL,
  original_sha256  text NOT NULL REFERENCES original(sha256),
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX derived_object_original ON derived_object (original_sha256);

-- What the media tools found in an original (one row per original; filled by the processing job).
CREATE TABLE media_info (
  original_sha256   text PRIMARY KEY REFERENCES original(sha256),
  state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processing', 'ready', 'not_processable', 'failed')),
  kind              text CHECK (kind IN ('video', 'audio', 'photo', 'unknown')),
  duration_sec      double precision,
  width             integer,
  height            integer,
  video_codec       text,
  audio_codec       text,
  creation_time     timestamptz,
  probe             jsonb,
  exif              jsonb,
  proxy_sha256      text REFERENCES derived_object(sha256),
  thumbnail_sha256  text REFERENCES derived_object(sha256),
  error             text,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

/** Distinct lower-case two-character sequences of a text, for Chinese substring search. */
CREATE FUNCTION text_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT b), '{}')
  FROM (SELECT substr(lower(t), i, 2) AS b FROM generate_series(1, length(t) - 1) AS i) s
  WHERE b !~ '\s'
$$;

-- 声像资料 — one recording: an original plus its descriptive metadata (第十五条 fields).
CREATE TABLE recording (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  original_sha256        text NOT NULL UNIQUE REFERENCES original(sha256),
  file_name              text NOT NULL,
  department_id          uuid NOT NULL REFERENCES department(id),
  device_number          text,
  recorded_start         timestamptz NOT NULL,
  recorded_end           timestamptz,
  uploaded_at            timestamptz NOT NULL DEFAULT now(),
  uploaded_by            uuid NOT NULL REFERENCES app_user(id),
  activity               text NOT NULL CHECK (activity IN ('patrol', 'investigation', 'questioning', 'service', 'hearing', 'coercion', 'other')),
  party                  text,
  case_name              text,
  case_number            text,
  location               text,
  party_informed         text NOT NULL CHECK (party_informed IN ('yes', 'no', 'not_applicable')),
  party_informed_reason  text,
  notes                  text,
  search_text            text GENERATED ALWAYS AS (
    coalesce(party, '') || ' ' || coalesce(case_name, '') || ' ' || coalesce(case_number, '') || ' ' || coalesce(notes, '') || ' ' || coalesce(location, '')
  ) STORED,
  search_bigrams         text[] GENERATED ALWAYS AS (text_bigrams(
    coalesce(party, '') || ' ' || coalesce(case_name, '') || ' ' || coalesce(case_number, '') || ' ' || coalesce(notes, '') || ' ' || coalesce(location, '')
  )) STORED,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CHECK (recorded_end IS NULL OR recorded_start IS NULL OR recorded_end >= recorded_start),
  CHECK (party_informed <> 'no' OR length(coalesce(party_informed_reason, '')) > 0)
);
CREATE INDEX recording_department_start ON recording (department_id, recorded_start DESC, id);
CREATE INDEX recording_start ON recording (recorded_start DESC, id);
CREATE INDEX recording_device ON recording (device_number, recorded_start DESC);
CREATE INDEX recording_activity ON recording (activity, recorded_start DESC);
CREATE INDEX recording_uploaded ON recording (uploaded_at DESC);
-- Chinese text has no spaces between words: index every two-character sequence (bigram), which finds
-- two-character names (张三) that trigrams cannot.
CREATE INDEX recording_search_bigrams ON recording USING gin (search_bigrams);
-- Finer statistics of the bigrams let the planner tell a common word (walk the time index and filter)
-- from a rare one (use the bigram index).
ALTER TABLE recording ALTER COLUMN search_bigrams SET STATISTICS 1000;
-- Text within one department (the usual scope of a search) straight from the index, even when the
-- department holds none of a word that is common elsewhere.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX recording_department_bigrams ON recording USING gin (department_id, search_bigrams);

-- The recording officers (执法人员) of a recording.
CREATE TABLE recording_officer (
  recording_id  uuid NOT NULL REFERENCES recording(id),
  person_id     uuid NOT NULL REFERENCES person(id),
  PRIMARY KEY (recording_id, person_id)
);
CREATE INDEX recording_officer_person ON recording_officer (person_id, recording_id);

-- Every upload attempt and how it ended (stored, duplicate of an existing original, or rejected).
CREATE TABLE upload (
  id               text PRIMARY KEY,
  uploaded_by      uuid NOT NULL REFERENCES app_user(id),
  file_name        text NOT NULL,
  size_bytes       bigint NOT NULL,
  metadata         jsonb NOT NULL,
  state            text NOT NULL DEFAULT 'receiving' CHECK (state IN ('receiving', 'stored', 'duplicate', 'rejected')),
  sha256           text,
  sm3              text,
  client_sha256    text,
  recording_id     uuid REFERENCES recording(id),
  error_code       text,
  error_message    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX upload_user ON upload (uploaded_by, created_at DESC);

-- 第十条: the custodian's receipt of one officer's offload for one day.
CREATE TABLE offload_receipt (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id      uuid NOT NULL REFERENCES person(id),
  day            date NOT NULL,
  recording_ids  uuid[] NOT NULL,
  confirmed_by   uuid NOT NULL REFERENCES app_user(id),
  confirmed_at   timestamptz NOT NULL DEFAULT now(),
  note           text,
  UNIQUE (person_id, day)
);

-- A recording row is never deleted (disposal is a separate, audited procedure), and what it was
-- uploaded as never changes; descriptive metadata may be edited (its history is in the audit chain).
CREATE FUNCTION refuse_recording_identity_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'QUANLU_WRITE_ONCE: recordings cannot be deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.original_sha256 IS DISTINCT FROM OLD.original_sha256 OR NEW.uploaded_at IS DISTINCT FROM OLD.uploaded_at
     OR NEW.uploaded_by IS DISTINCT FROM OLD.uploaded_by OR NEW.file_name IS DISTINCT FROM OLD.file_name THEN
    RAISE EXCEPTION 'QUANLU_WRITE_ONCE: the original and upload facts of a recording cannot change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER recording_identity BEFORE UPDATE OR DELETE ON recording
  FOR EACH ROW EXECUTE FUNCTION refuse_recording_identity_change();
