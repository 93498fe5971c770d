-- Playback and copies (第十四条: viewing AV needs approval and leaves a trace; 第二十条: no private copying).

-- A viewing session: one person watching one recording's proxy. Range reads attach to it, so the audit chain
-- gets one event when it starts, one per burst of seeks and one when it ends (or times out), not one per
-- range request. The counters are bookkeeping of the session those events record.
CREATE TABLE playback_session (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recording_id     uuid NOT NULL REFERENCES recording(id),
  user_id          uuid NOT NULL REFERENCES app_user(id),
  -- The proxy object the session plays (what was shown).
  proxy_sha256     text NOT NULL CHECK (proxy_sha256 ~ '^[0-9a-f]{64}$'),
  started_at       timestamptz NOT NULL DEFAULT now(),
  last_seen_at     timestamptz NOT NULL DEFAULT now(),
  ended_at         timestamptz,
  end_reason       text CHECK (end_reason IN ('ended', 'timeout', 'revoked')),
  range_requests   integer NOT NULL DEFAULT 0,
  bytes_served     bigint NOT NULL DEFAULT 0,
  -- Where the latest range read started and how far it has served: a read starting outside that span is a
  -- seek (a player resuming where its connection stopped is not).
  read_start       bigint,
  next_offset      bigint,
  -- The burst of seeks not yet written to the audit chain (byte offsets, times) and when it began.
  pending_seeks    jsonb NOT NULL DEFAULT '[]',
  burst_started_at timestamptz,
  burst_last_at    timestamptz,
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX playback_session_open ON playback_session (last_seen_at) WHERE ended_at IS NULL;
CREATE INDEX playback_session_recording ON playback_session (recording_id, started_at);

-- A copy handed out (第二十条): the original's untouched bytes or a proxy with the watermark burned in,
-- with a receipt signed by the installation's Ed25519 key. A receipt is evidence: never changed or removed.
CREATE TABLE copy_receipt (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recording_id  uuid NOT NULL REFERENCES recording(id),
  user_id       uuid NOT NULL REFERENCES app_user(id),
  -- The grant (access_grant.id) that allowed the copy (the approver sees how many copies a grant made). No
  -- foreign key: this migration does not depend on the access-requests one; the signed statement names it too.
  grant_id      uuid,
  kind          text NOT NULL CHECK (kind IN ('original', 'watermarked-proxy')),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  sm3           text NOT NULL CHECK (sm3 ~ '^[0-9a-f]{64}$'),
  size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
  issued_at     timestamptz NOT NULL,
  -- The exact bytes signed (canonical JSON) and the Ed25519 signature over them (base64).
  statement     text NOT NULL,
  signature     text NOT NULL,
  key_id        text NOT NULL
);
CREATE INDEX copy_receipt_grant ON copy_receipt (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX copy_receipt_recording ON copy_receipt (recording_id, issued_at);
CREATE TRIGGER copy_receipt_no_update BEFORE UPDATE OR DELETE ON copy_receipt
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER copy_receipt_no_truncate BEFORE TRUNCATE ON copy_receipt
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A list page's thumbnails are one audit event per page view, not one per image: the page asks for a ticket
-- naming the recordings it shows (that request is the audited page view); thumbnails read with the ticket are
-- covered by that event. Tickets live minutes; the sweep removes expired ones (their audit event stays).
CREATE TABLE thumbnail_ticket (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES app_user(id),
  recording_ids  uuid[] NOT NULL,
  expires_at     timestamptz NOT NULL
);
CREATE INDEX thumbnail_ticket_expiry ON thumbnail_ticket (expires_at);
