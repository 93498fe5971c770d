-- Issue 10 §3 (several nodes): every node must hold the same installation keys in its data folder (keys/:
-- the Ed25519 and SM2 keys that sign checkpoints and copy receipts, the AES key of party ID numbers). The
-- first node to start records each key's id here; a node whose keys differ, or that lacks them, refuses to
-- start instead of making keys of its own (checkpoints another node cannot verify, ID numbers it cannot read).
-- Only ids (hash prefixes of public keys / of the AES key) are kept, never a key. A key rotation updates its row.
CREATE TABLE installation_key (
  name        text PRIMARY KEY CHECK (name IN ('ed25519', 'sm2', 'party-id')),
  key_id      text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  recorded_at timestamptz NOT NULL DEFAULT now()
);
