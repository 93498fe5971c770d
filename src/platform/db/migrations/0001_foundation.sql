-- Foundation: organisation, people, accounts, sessions, tokens, settings, the audit chain and the job queue.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- 处室 / 执法支队 — departments form a tree.
CREATE TABLE department (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  parent_id   uuid REFERENCES department(id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  code        text UNIQUE CHECK (code IS NULL OR length(code) BETWEEN 1 AND 40),
  kind        text NOT NULL CHECK (kind IN ('bureau', 'office', 'detachment', 'other')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX department_sibling_name ON department (coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name);

-- 第七条: the personnel register with enrollment and enforcement certificate.
CREATE TABLE person (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                        text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  staff_number                text NOT NULL UNIQUE CHECK (length(staff_number) BETWEEN 1 AND 40),
  department_id               uuid NOT NULL REFERENCES department(id),
  enrolled                    boolean NOT NULL,
  certificate_number          text,
  certificate_exam_passed_on  date,
  certificate_valid_until     date,
  certificate_issuer          text,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  CHECK ((certificate_number IS NULL) = (certificate_valid_until IS NULL))
);
CREATE UNIQUE INDEX person_certificate_number ON person (certificate_number) WHERE certificate_number IS NOT NULL;
CREATE INDEX person_department ON person (department_id);
CREATE INDEX person_name_trgm ON person USING gin (name gin_trgm_ops);

-- 第三条: training records.
CREATE TABLE training_record (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id   uuid NOT NULL REFERENCES person(id),
  held_on     date NOT NULL,
  subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  hours       numeric(5,1) NOT NULL CHECK (hours > 0 AND hours <= 1000),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_record_person ON training_record (person_id, held_on);

CREATE TABLE app_user (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username             text NOT NULL UNIQUE CHECK (username = lower(username) AND length(username) BETWEEN 2 AND 40),
  display_name         text NOT NULL,
  password_hash        text NOT NULL,
  person_id            uuid UNIQUE REFERENCES person(id),
  department_id        uuid REFERENCES department(id),
  roles                text[] NOT NULL DEFAULT '{}',
  disabled             boolean NOT NULL DEFAULT false,
  failed_logins        integer NOT NULL DEFAULT 0,
  locked_until         timestamptz,
  password_changed_at  timestamptz NOT NULL DEFAULT now(),
  last_login_at        timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (roles <@ ARRAY['officer','custodian','leader','supervisor','admin','auditor']::text[])
);

CREATE TABLE user_session (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash    bytea NOT NULL UNIQUE,
  user_id       uuid NOT NULL REFERENCES app_user(id),
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  ip            text,
  user_agent    text
);
CREATE INDEX user_session_user ON user_session (user_id);

-- Personal API tokens for machine clients (the workstation CLI); only a hash is kept.
CREATE TABLE api_token (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES app_user(id),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  token_hash    bytea NOT NULL UNIQUE,
  prefix        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_token_user ON api_token (user_id);

CREATE TABLE setting (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  uuid REFERENCES app_user(id)
);

-- The audit chain: hash = SHA-256(prev_hash || canonical event). Append-only, enforced here as well.
CREATE TABLE audit_event (
  seq          bigint PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor_id     uuid,
  actor_label  text NOT NULL CHECK (length(actor_label) > 0),
  action       text NOT NULL,
  target_type  text,
  target_id    text,
  details      jsonb NOT NULL,
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL
);
CREATE INDEX audit_event_at ON audit_event (at);
CREATE INDEX audit_event_actor ON audit_event (actor_id, seq);
CREATE INDEX audit_event_action ON audit_event (action, seq);
CREATE INDEX audit_event_target ON audit_event (target_type, target_id, seq);

-- The head of the chain: one row, locked by each writer so appends are serialised.
CREATE TABLE audit_head (
  id    boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq   bigint NOT NULL,
  hash  bytea NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'QUANLU_APPEND_ONLY: % on % is not allowed (append-only)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Background jobs (PostgreSQL-backed queue). dedupe_key makes a repeated job a duplicate.
CREATE TABLE job (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind          text NOT NULL,
  dedupe_key    text UNIQUE,
  payload       jsonb NOT NULL DEFAULT '{}',
  state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL DEFAULT 5,
  run_at        timestamptz NOT NULL DEFAULT now(),
  locked_by     text,
  locked_at     timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX job_ready ON job (run_at) WHERE state = 'queued';
