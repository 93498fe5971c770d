-- The transparency log (issue 13 §1–2; 第十三条: proof a court can check without trusting QuanLu): an RFC 9162
-- Merkle tree over the audit events (leaf data = the event's chain hash, leaf index = seq − 1), stored as
-- tiles of 256 hashes in the layout of C2SP tlog-tiles, and signed checkpoints (C2SP tlog-checkpoint).

-- Full tiles: 256 hashes (8,192 bytes) of one tile level, written once and never changed. Level 0 holds leaf
-- hashes, level L the hashes of the subtrees of 256^L leaves.
CREATE TABLE tlog_tile (
  level   smallint NOT NULL CHECK (level BETWEEN 0 AND 7),
  idx     bigint NOT NULL CHECK (idx >= 0),
  hashes  bytea NOT NULL CHECK (length(hashes) = 8192),
  PRIMARY KEY (level, idx)
);
CREATE TRIGGER tlog_tile_append_only BEFORE UPDATE OR DELETE ON tlog_tile
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tlog_tile_no_truncate BEFORE TRUNCATE ON tlog_tile
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The right edge: at most one partial tile per level (fewer than 256 hashes), replaced as the tree grows and
-- removed once its tile is full (as Tessera's partial tiles are transient). Nothing here is trusted: the
-- signed root commits to it.
CREATE TABLE tlog_partial_tile (
  level   smallint PRIMARY KEY CHECK (level BETWEEN 0 AND 7),
  idx     bigint NOT NULL CHECK (idx >= 0),
  hashes  bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8160 AND length(hashes) % 32 = 0)
);

-- How far the one sequencer has integrated the events: the tree size and its root. One row.
CREATE TABLE tlog_state (
  id        boolean PRIMARY KEY DEFAULT true CHECK (id),
  size      bigint NOT NULL CHECK (size >= 0),
  root      bytea NOT NULL CHECK (length(root) = 32),
  -- The log's origin line (C2SP tlog-checkpoint), fixed when the first checkpoint is signed.
  origin    text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The root of the empty tree is SHA-256 of the empty string (RFC 9162 §2.1.1).
INSERT INTO tlog_state (id, size, root) VALUES (true, 0, sha256(''::bytea));

-- Signed checkpoints: the note exactly as signed. Periodic ones, and the daily seal at the close of each
-- Beijing day (seal_day). Written once; a cosignature would be a new row of another table.
CREATE TABLE tlog_checkpoint (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  size       bigint NOT NULL CHECK (size >= 0),
  root       bytea NOT NULL CHECK (length(root) = 32),
  note       text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('periodic', 'daily', 'manual')),
  seal_day   date UNIQUE,
  signed_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'daily') = (seal_day IS NOT NULL))
);
CREATE INDEX tlog_checkpoint_size ON tlog_checkpoint (size DESC, id DESC);
CREATE TRIGGER tlog_checkpoint_append_only BEFORE UPDATE OR DELETE ON tlog_checkpoint
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tlog_checkpoint_no_truncate BEFORE TRUNCATE ON tlog_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Every public key that ever signed a checkpoint (key rotation keeps old checkpoints verifiable), as a
-- C2SP verifier key string. Shown to witnesses and readers; a verifier trusts keys it was given, not this table.
CREATE TABLE tlog_key (
  vkey        text PRIMARY KEY,
  algorithm   text NOT NULL CHECK (algorithm IN ('ed25519', 'sm2')),
  first_used  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER tlog_key_append_only BEFORE UPDATE OR DELETE ON tlog_key
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tlog_key_no_truncate BEFORE TRUNCATE ON tlog_key
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
