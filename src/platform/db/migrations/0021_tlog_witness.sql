-- Witnesses and trusted time for the transparency log (issue 13 §3–4; 第十三条: proof a court can check without
-- trusting QuanLu). Another agency's witness checks each checkpoint's consistency with the last one it saw and
-- cosigns it (C2SP tlog-cosignature, cosignature/v1); an RFC 3161 time-stamping authority stamps each signed
-- checkpoint. All three tables are written once and never changed.

-- Witnesses an administrator registered (name + C2SP verifier key of type 0x04, Ed25519). Only their
-- cosignatures are accepted.
CREATE TABLE tlog_witness (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (name ~ '^[^\s+]{1,200}$'),
  vkey        text NOT NULL UNIQUE,
  key_id      bytea NOT NULL CHECK (length(key_id) = 4),
  public_key  bytea NOT NULL CHECK (length(public_key) = 32),
  added_by    uuid REFERENCES app_user (id),
  added_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, key_id)
);
CREATE TRIGGER tlog_witness_append_only BEFORE UPDATE OR DELETE ON tlog_witness
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tlog_witness_no_truncate BEFORE TRUNCATE ON tlog_witness
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Cosignatures, verified when received: one per witness and checkpoint (size, root), the line exactly as
-- the witness made it. cosigned_at is the timestamp the witness signed (seconds since the epoch).
CREATE TABLE tlog_cosignature (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  witness_id   bigint NOT NULL REFERENCES tlog_witness (id),
  size         bigint NOT NULL CHECK (size >= 0),
  root         bytea NOT NULL CHECK (length(root) = 32),
  cosigned_at  timestamptz NOT NULL,
  line         text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (witness_id, size, root)
);
CREATE INDEX tlog_cosignature_size ON tlog_cosignature (size, root);
CREATE TRIGGER tlog_cosignature_append_only BEFORE UPDATE OR DELETE ON tlog_cosignature
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tlog_cosignature_no_truncate BEFORE TRUNCATE ON tlog_cosignature
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- RFC 3161 time-stamp replies (TimeStampResp, DER) over SHA-256 of a checkpoint's note as the log signed it
-- (tlog_checkpoint.note), each verified before it is stored. A checkpoint without one is stamped again later.
CREATE TABLE tlog_timestamp (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  checkpoint_id   bigint NOT NULL REFERENCES tlog_checkpoint (id),
  tsa_url         text NOT NULL,
  tsa_name        text NOT NULL,
  tsa_cert_pem    text NOT NULL,
  gen_time        timestamptz NOT NULL,
  response        bytea NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tlog_timestamp_checkpoint ON tlog_timestamp (checkpoint_id);
CREATE TRIGGER tlog_timestamp_append_only BEFORE UPDATE OR DELETE ON tlog_timestamp
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tlog_timestamp_no_truncate BEFORE TRUNCATE ON tlog_timestamp
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
