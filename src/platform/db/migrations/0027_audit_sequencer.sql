-- Audit appends no longer serialised on one head row (issue 13 §1; 第十八条 records of handling, 第十三条 proof).
-- A writer inserts its event into audit_pending inside the transaction of the change it records (so it commits
-- or rolls back with it) and takes no lock on the chain head. One sequencer at a time (audit_sequence(), called
-- by each node's loop under an advisory lock, and by readers that need `seq` before they read) moves committed
-- pending rows into audit_event in id order, giving each its seq, prev_hash and hash.
--
-- The chain hash is unchanged: hash = SHA-256(prev_hash ‖ canonical JSON of [seq, at, actor_id, actor_label,
-- action, target_type, target_id, details]). The writer stores `entry` = the canonical JSON of the same array
-- without seq, so the database can compute the hash itself: '["<seq>",' ‖ entry without its '['.
CREATE FUNCTION audit_link_hash(prev bytea, seq bigint, entry text) RETURNS bytea
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT sha256(prev || convert_to('["' || seq::text || '",' || substr(entry, 2), 'UTF8')) $$;

CREATE TABLE audit_pending (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor_id     uuid,
  actor_label  text NOT NULL CHECK (length(actor_label) > 0),
  action       text NOT NULL,
  target_type  text,
  target_id    text,
  details      jsonb NOT NULL,
  entry        text NOT NULL CHECK (left(entry, 1) = '[' AND right(entry, 1) = ']')
);

-- Which pending row an event was integrated from (NULL for events written before this migration). Unique: a
-- pending row enters the chain once.
ALTER TABLE audit_event ADD COLUMN pending_id bigint;
CREATE UNIQUE INDEX audit_event_pending_id ON audit_event (pending_id);

-- audit_event: no UPDATE, no DELETE (as before), and an INSERT only as the next link of the chain made from a
-- pending row: its fields are the pending row's, seq follows the last event's, prev_hash is that event's hash,
-- and hash is recomputed here from the pending row's entry. So a forged link is refused even for credentials
-- holding INSERT. (Keeps the trigger's old name: dropping it is what "triggers dropped" means in the tests.)
CREATE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p audit_pending;
  last_hash bytea;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: % on % is not allowed (append-only)', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO p FROM audit_pending WHERE id = NEW.pending_id;
  IF NEW.seq = 1 THEN
    last_hash := decode(repeat('00', 32), 'hex');
  ELSE
    SELECT hash INTO last_hash FROM audit_event WHERE seq = NEW.seq - 1;
  END IF;
  IF p.id IS NULL OR last_hash IS NULL OR NEW.prev_hash IS DISTINCT FROM last_hash
     OR (NEW.at, NEW.actor_id, NEW.actor_label, NEW.action, NEW.target_type, NEW.target_id, NEW.details)
        IS DISTINCT FROM (p.at, p.actor_id, p.actor_label, p.action, p.target_type, p.target_id, p.details)
     OR NEW.hash IS DISTINCT FROM audit_link_hash(last_hash, NEW.seq, p.entry) THEN
    RAISE EXCEPTION 'QUANLU_AUDIT_LINK: event % is not the next link made from a pending event', NEW.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
DROP TRIGGER audit_event_no_update ON audit_event;
CREATE TRIGGER audit_event_no_update BEFORE INSERT OR UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_guard();

-- audit_pending: never updated; a row is deleted only once it is in the chain (same transaction).
CREATE FUNCTION audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_event WHERE pending_id = OLD.id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'QUANLU_APPEND_ONLY: % on % is not allowed (a pending audit event leaves only into the chain)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_pending_guard BEFORE UPDATE OR DELETE ON audit_pending
  FOR EACH ROW EXECUTE FUNCTION audit_pending_guard();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- audit_head only moves forward, to an event that is in the chain with that hash (no rewinding the head over a
-- cut tail with the server's credentials).
CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id = OLD.id AND (NEW.seq > OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash = OLD.hash))
     AND EXISTS (SELECT 1 FROM audit_event WHERE seq = NEW.seq AND hash = NEW.hash) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'QUANLU_AUDIT_HEAD: the chain head moves only forward to an event of the chain'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_guard();

-- The sequencer: moves up to max_rows committed pending rows (id order) into the chain, one link each, and
-- moves the head once. The caller runs it in its own transaction (all or nothing: a crash leaves the rows
-- pending). Sequencers queue on the head row.
CREATE FUNCTION audit_sequence(max_rows integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  h_seq bigint;
  h_hash bytea;
  prev bytea;
  p audit_pending;
  n integer := 0;
BEGIN
  SELECT seq, hash INTO h_seq, h_hash FROM audit_head WHERE id FOR UPDATE;
  FOR p IN SELECT * FROM audit_pending ORDER BY id LIMIT max_rows LOOP
    prev := h_hash;
    h_seq := h_seq + 1;
    h_hash := audit_link_hash(prev, h_seq, p.entry);
    INSERT INTO audit_event (seq, at, actor_id, actor_label, action, target_type, target_id, details, prev_hash, hash, pending_id)
      VALUES (h_seq, p.at, p.actor_id, p.actor_label, p.action, p.target_type, p.target_id, p.details, prev, h_hash, p.id);
    DELETE FROM audit_pending WHERE id = p.id;
    n := n + 1;
  END LOOP;
  IF n > 0 THEN
    UPDATE audit_head SET seq = h_seq, hash = h_hash WHERE id;
  END IF;
  RETURN n;
END;
$$;
