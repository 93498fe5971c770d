-- Recording devices (第十五至二十条): the register, checkouts with their pre-use checks, maintenance, faults,
-- repairs by authorised repairers, and supervision findings. History and evidence are append-only.

-- 第十八条: how often each type of device is maintained (default every 90 days; an admin changes it).
CREATE TABLE device_type_policy (
  type                       text PRIMARY KEY CHECK (type IN ('body_camera', 'camera', 'video_camera', 'audio_recorder', 'other')),
  maintenance_interval_days  integer NOT NULL DEFAULT 90 CHECK (maintenance_interval_days BETWEEN 1 AND 3650),
  updated_at                 timestamptz NOT NULL DEFAULT now()
);
INSERT INTO device_type_policy (type) VALUES ('body_camera'), ('camera'), ('video_camera'), ('audio_recorder'), ('other');

-- 第十五条: every device registered and numbered. Device numbers are kept upper-case (firmware and the
-- register do not always agree on letter case), so the recordings' device numbers link to them.
CREATE TABLE device (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_number       text NOT NULL UNIQUE CHECK (device_number ~ '^[A-Z0-9][A-Z0-9-]{0,39}$'),
  type                text NOT NULL REFERENCES device_type_policy(type),
  make                text,
  model               text,
  -- GA/T 947 product serial: 7 characters for body cameras.
  serial              text CHECK (serial IS NULL OR type <> 'body_camera' OR serial ~ '^[A-Za-z0-9]{7}$'),
  department_id       uuid NOT NULL REFERENCES department(id),
  purchased_on        date,
  status              text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'in_use', 'in_repair', 'faulty', 'retired')),
  -- Day of the last maintenance (第十八条); NULL = never, the schedule counts from purchase or registration.
  last_maintained_on  date,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_department ON device (department_id, status);

-- The device's whole history: every change, checkout, return, maintenance, fault and repair step.
CREATE TABLE device_event (
  id          bigserial PRIMARY KEY,
  device_id   uuid NOT NULL REFERENCES device(id),
  at          timestamptz NOT NULL,
  kind        text NOT NULL,
  actor_id    uuid REFERENCES app_user(id),
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX device_event_device ON device_event (device_id, id);

-- 第十八条: the pre-use (and return) check — battery, free storage, device clock vs server clock, damage.
-- Failed checks are kept too: they are why a checkout was refused.
CREATE TABLE device_check (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id         uuid NOT NULL REFERENCES device(id),
  person_id         uuid NOT NULL REFERENCES person(id),
  kind              text NOT NULL CHECK (kind IN ('checkout', 'return')),
  checked_at        timestamptz NOT NULL,
  checked_by        uuid NOT NULL REFERENCES app_user(id),
  battery_pct       integer NOT NULL CHECK (battery_pct BETWEEN 0 AND 100),
  free_storage_mb   integer NOT NULL CHECK (free_storage_mb >= 0),
  -- The device's clock read at the check and the server's clock then; offset = device − server, seconds.
  device_clock      timestamptz NOT NULL,
  clock_offset_sec  integer NOT NULL,
  damage            boolean NOT NULL,
  damage_note       text,
  passed            boolean NOT NULL,
  failures          text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX device_check_device ON device_check (device_id, checked_at);

-- Who had the device when. One open checkout per device, and one per officer and device type.
CREATE TABLE device_checkout (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id        uuid NOT NULL REFERENCES device(id),
  device_type      text NOT NULL,
  person_id        uuid NOT NULL REFERENCES person(id),
  checkout_check_id uuid NOT NULL REFERENCES device_check(id),
  checked_out_at   timestamptz NOT NULL,
  checked_out_by   uuid NOT NULL REFERENCES app_user(id),
  return_check_id  uuid REFERENCES device_check(id),
  returned_at      timestamptz,
  returned_by      uuid REFERENCES app_user(id),
  CHECK ((returned_at IS NULL) = (return_check_id IS NULL) AND (returned_at IS NULL) = (returned_by IS NULL)),
  CHECK (returned_at IS NULL OR returned_at >= checked_out_at)
);
CREATE UNIQUE INDEX device_checkout_open_device ON device_checkout (device_id) WHERE returned_at IS NULL;
CREATE UNIQUE INDEX device_checkout_open_person_type ON device_checkout (person_id, device_type) WHERE returned_at IS NULL;
CREATE INDEX device_checkout_device ON device_checkout (device_id, checked_out_at);
-- A return is written once: after it the row never changes again.
CREATE FUNCTION device_checkout_return_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.returned_at IS NOT NULL OR NEW.id <> OLD.id OR NEW.device_id <> OLD.device_id OR NEW.person_id <> OLD.person_id
     OR NEW.checked_out_at <> OLD.checked_out_at OR NEW.checkout_check_id <> OLD.checkout_check_id THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: a checkout is changed only by its return' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER device_checkout_update BEFORE UPDATE ON device_checkout FOR EACH ROW EXECUTE FUNCTION device_checkout_return_once();

-- 第十八条: the maintenance log (what, who, when).
CREATE TABLE device_maintenance (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id     uuid NOT NULL REFERENCES device(id),
  performed_on  date NOT NULL,
  performed_by  text NOT NULL,
  work          text NOT NULL,
  recorded_by   uuid NOT NULL REFERENCES app_user(id),
  recorded_at   timestamptz NOT NULL
);
CREATE INDEX device_maintenance_device ON device_maintenance (device_id, performed_on);

-- 第十九条: a fault stops use at once and is reported.
CREATE TABLE device_fault (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id     uuid NOT NULL REFERENCES device(id),
  reported_by   uuid NOT NULL REFERENCES app_user(id),
  reported_at   timestamptz NOT NULL,
  description   text NOT NULL,
  -- The checkout open when it was reported (the device was in use), if any.
  checkout_id   uuid REFERENCES device_checkout(id),
  -- The failed pre-use check that opened it, if any.
  check_id      uuid REFERENCES device_check(id),
  resolved_at   timestamptz
);
CREATE INDEX device_fault_device ON device_fault (device_id, reported_at);

-- 第十九条: the professional repairers (专业部门) repairs go to; an admin keeps the list.
CREATE TABLE device_repairer (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL UNIQUE,
  contact       text,
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- A repair: diagnosis, cost, approval, return to service. A repair by anyone not on the list is recorded
-- as such and its cost is never reimbursable (第十九条: 擅自修理的，其费用不予报销).
CREATE TABLE device_repair (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id         uuid NOT NULL REFERENCES device(id),
  fault_id          uuid REFERENCES device_fault(id),
  repairer_id       uuid REFERENCES device_repairer(id),
  repairer_name     text NOT NULL,
  authorised        boolean NOT NULL,
  reimbursable      boolean NOT NULL,
  diagnosis         text,
  cost_yuan         numeric(12, 2) CHECK (cost_yuan IS NULL OR cost_yuan >= 0),
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'closed')),
  opened_by         uuid NOT NULL REFERENCES app_user(id),
  opened_at         timestamptz NOT NULL,
  approved_by       uuid REFERENCES app_user(id),
  approved_at       timestamptz,
  returned_to_service_at timestamptz,
  CHECK (authorised = (repairer_id IS NOT NULL)),
  CHECK (authorised OR NOT reimbursable)
);
CREATE INDEX device_repair_device ON device_repair (device_id, opened_at);

-- Supervision findings about devices (法制督察 reviews them): an unauthorised repair.
CREATE TABLE device_finding (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id   uuid NOT NULL REFERENCES device(id),
  repair_id   uuid REFERENCES device_repair(id),
  kind        text NOT NULL CHECK (kind IN ('unauthorised_repair')),
  details     jsonb NOT NULL DEFAULT '{}',
  found_at    timestamptz NOT NULL
);
CREATE INDEX device_finding_device ON device_finding (device_id, found_at);

CREATE TRIGGER device_event_no_update BEFORE UPDATE OR DELETE ON device_event FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER device_event_no_truncate BEFORE TRUNCATE ON device_event FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER device_check_no_update BEFORE UPDATE OR DELETE ON device_check FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER device_check_no_truncate BEFORE TRUNCATE ON device_check FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER device_maintenance_no_update BEFORE UPDATE OR DELETE ON device_maintenance FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER device_maintenance_no_truncate BEFORE TRUNCATE ON device_maintenance FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER device_finding_no_update BEFORE UPDATE OR DELETE ON device_finding FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER device_finding_no_truncate BEFORE TRUNCATE ON device_finding FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Recordings link to the register by device number, whatever its letter case (usage, review, clock notes).
CREATE INDEX recording_device_upper ON recording (upper(device_number), recorded_start);
