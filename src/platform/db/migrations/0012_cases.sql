-- Cases (案件), their parties, officers and stages, the recording checklist (音像记录事项清单) and the links
-- between recordings and case stages (第二、五、七、九、十三、十六条). The case documents, the bound case file and
-- archiving build on these tables (0013).

-- 第十六条: the recording checklist is versioned. A version is a fixed list; a change is a new version, and a
-- case keeps the version in force when it was filed, so a later edit never turns an old case's gaps around.
CREATE TABLE recording_checklist_version (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version     integer NOT NULL UNIQUE CHECK (version > 0),
  note        text NOT NULL DEFAULT '',
  -- NULL for the seeded default list.
  created_by  uuid REFERENCES app_user(id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recording_checklist_item (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version_id   uuid NOT NULL REFERENCES recording_checklist_version(id),
  position     integer NOT NULL,
  -- Kind of enforcement act the row applies to (a case's act_kind): penalty 行政处罚, coercion 行政强制,
  -- inspection 行政检查; `category` is its display name (执法类别), `item` the enforcement item (执法事项).
  act_kind     text NOT NULL CHECK (act_kind ~ '^[a-z][a-z0-9_]{0,39}$'),
  category     text NOT NULL,
  item         text NOT NULL,
  stage        text NOT NULL CHECK (stage IN ('filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed')),
  -- av: the stage must have linked audio/video, or a written reason (受客观条件限制); written: text records suffice.
  method       text NOT NULL CHECK (method IN ('av', 'written')),
  -- always; coercive_measures: only for cases where coercive measures were taken.
  applies_when text NOT NULL DEFAULT 'always' CHECK (applies_when IN ('always', 'coercive_measures')),
  starts_when  text NOT NULL DEFAULT '',
  covers       text NOT NULL DEFAULT '',
  ends_when    text NOT NULL DEFAULT '',
  UNIQUE (version_id, position)
);
CREATE INDEX recording_checklist_item_kind ON recording_checklist_item (version_id, act_kind, stage);
CREATE TRIGGER recording_checklist_version_fixed BEFORE UPDATE OR DELETE ON recording_checklist_version
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recording_checklist_item_fixed BEFORE UPDATE OR DELETE ON recording_checklist_item
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- 案件. The case number (案件编号, e.g. 冀商执罚〔2026〕12号) is unique across the installation: it carries the
-- agency's abbreviation and the year, and one installation serves one agency.
CREATE TABLE enforcement_case (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_number          text NOT NULL CHECK (length(btrim(case_number)) BETWEEN 1 AND 100),
  cause                text NOT NULL CHECK (length(btrim(cause)) BETWEEN 1 AND 500),
  act_kind             text NOT NULL DEFAULT 'penalty' CHECK (act_kind ~ '^[a-z][a-z0-9_]{0,39}$'),
  procedure            text NOT NULL CHECK (procedure IN ('simple', 'general')),
  coercive_measures    boolean NOT NULL DEFAULT false,
  department_id        uuid NOT NULL REFERENCES department(id),
  -- The current stage (案件状态).
  status               text NOT NULL DEFAULT 'filing' CHECK (status IN ('filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed')),
  filed_on             date NOT NULL,
  closed_on            date,
  checklist_version_id uuid NOT NULL REFERENCES recording_checklist_version(id),
  created_by           uuid NOT NULL REFERENCES app_user(id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'closed') = (closed_on IS NOT NULL)),
  CHECK (closed_on IS NULL OR closed_on >= filed_on)
);
CREATE UNIQUE INDEX enforcement_case_number ON enforcement_case (case_number);
CREATE INDEX enforcement_case_department ON enforcement_case (department_id, created_at);
CREATE INDEX enforcement_case_status ON enforcement_case (status);

-- 当事人: a person or an organisation. The ID number (身份证号 / 统一社会信用代码) is kept only as AES-256-GCM
-- ciphertext under a key in the data folder (never in the database) and as a masked form for display.
CREATE TABLE case_party (
  id             uuid PRIMARY KEY,
  case_id        uuid NOT NULL REFERENCES enforcement_case(id),
  position       integer NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('person', 'organisation')),
  name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  id_type        text NOT NULL CHECK (id_type IN ('resident_id', 'credit_code', 'passport', 'other')),
  -- 12-byte IV || 16-byte GCM tag || ciphertext; the party's id is the additional authenticated data, so a
  -- ciphertext copied onto another row does not decrypt.
  id_ciphertext  bytea NOT NULL,
  id_key_id      text NOT NULL,
  id_masked      text NOT NULL,
  -- Legal representative (法定代表人) of an organisation; address as given.
  representative text,
  address        text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, position)
);

-- 第七条: the handling officers (承办人员); the set is replaced when edited.
CREATE TABLE case_officer (
  case_id    uuid NOT NULL REFERENCES enforcement_case(id),
  person_id  uuid NOT NULL REFERENCES person(id),
  lead       boolean NOT NULL DEFAULT false,
  PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_officer_person ON case_officer (person_id);

-- Every stage change, with its reason when it skipped a stage or went back. The history is append-only.
CREATE TABLE case_stage_event (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id     uuid NOT NULL REFERENCES enforcement_case(id),
  -- NULL for the filing itself.
  from_stage  text CHECK (from_stage IN ('filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed')),
  to_stage    text NOT NULL CHECK (to_stage IN ('filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed')),
  -- file: the case was filed; advance: the next stage; skip: forward past stages (reason required, except the
  -- hearing when none was requested); back: to an earlier stage (reason required).
  kind        text NOT NULL CHECK (kind IN ('file', 'advance', 'skip', 'back')),
  skipped     text[] NOT NULL DEFAULT '{}',
  reason      text,
  occurred_on date NOT NULL,
  by_user     uuid NOT NULL REFERENCES app_user(id),
  at          timestamptz NOT NULL DEFAULT now(),
  CHECK (kind IN ('file', 'advance') OR reason IS NOT NULL OR skipped = ARRAY['hearing'])
);
CREATE INDEX case_stage_event_case ON case_stage_event (case_id, at);
CREATE TRIGGER case_stage_event_fixed BEFORE UPDATE OR DELETE ON case_stage_event
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A recording serving a case at a stage. One recording may serve several cases. An unlink is recorded on the
-- row (who, when, why), never by removing it: the links drive retention.
CREATE TABLE case_recording_link (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id       uuid NOT NULL REFERENCES enforcement_case(id),
  recording_id  uuid NOT NULL REFERENCES recording(id),
  stage         text NOT NULL CHECK (stage IN ('filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed')),
  note          text,
  linked_by     uuid NOT NULL REFERENCES app_user(id),
  linked_at     timestamptz NOT NULL DEFAULT now(),
  unlinked_by   uuid REFERENCES app_user(id),
  unlinked_at   timestamptz,
  unlink_reason text,
  CHECK ((unlinked_at IS NULL) = (unlinked_by IS NULL) AND (unlinked_at IS NULL) = (unlink_reason IS NULL))
);
CREATE UNIQUE INDEX case_recording_link_live ON case_recording_link (case_id, recording_id, stage) WHERE unlinked_at IS NULL;
CREATE INDEX case_recording_link_recording ON case_recording_link (recording_id);

-- A link is written once and may only be ended once: no other column changes, no row is removed.
CREATE FUNCTION case_recording_link_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: DELETE on case_recording_link is not allowed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.unlinked_at IS NOT NULL
     OR (NEW.id, NEW.case_id, NEW.recording_id, NEW.stage, NEW.note, NEW.linked_by, NEW.linked_at)
        IS DISTINCT FROM (OLD.id, OLD.case_id, OLD.recording_id, OLD.stage, OLD.note, OLD.linked_by, OLD.linked_at) THEN
    RAISE EXCEPTION 'QUANLU_APPEND_ONLY: a case link may only be ended, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER case_recording_link_guard BEFORE UPDATE OR DELETE ON case_recording_link
  FOR EACH ROW EXECUTE FUNCTION case_recording_link_guard();

-- 第十六条 受客观条件限制: why a stage that needs AV has none (written instead). Append-only; the latest counts.
CREATE TABLE case_stage_written_reason (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id      uuid NOT NULL REFERENCES enforcement_case(id),
  stage        text NOT NULL CHECK (stage IN ('filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed')),
  reason       text NOT NULL CHECK (length(btrim(reason)) >= 4),
  recorded_by  uuid NOT NULL REFERENCES app_user(id),
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_stage_written_reason_case ON case_stage_written_reason (case_id, stage);
CREATE TRIGGER case_stage_written_reason_fixed BEFORE UPDATE OR DELETE ON case_stage_written_reason
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- 第十三条: a reconsideration (复议) or lawsuit (诉讼) against a case and the deadline to hand over its evidence.
CREATE TABLE case_evidence_deadline (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id        uuid NOT NULL REFERENCES enforcement_case(id),
  kind           text NOT NULL CHECK (kind IN ('reconsideration', 'litigation')),
  -- The Beijing date the application / complaint copy was received (the period runs from the next day).
  received_on    date NOT NULL,
  -- The period used and how it was counted (fixed when recorded, so a later settings change does not move it).
  period_days    integer NOT NULL CHECK (period_days > 0),
  working_days   boolean NOT NULL,
  due_on         date NOT NULL CHECK (due_on > received_on),
  authority      text NOT NULL DEFAULT '',
  reference      text NOT NULL DEFAULT '',
  recorded_by    uuid NOT NULL REFERENCES app_user(id),
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  delivered_on   date,
  delivered_by   uuid REFERENCES app_user(id),
  delivered_at   timestamptz,
  delivery_note  text,
  CHECK ((delivered_on IS NULL) = (delivered_by IS NULL) AND (delivered_on IS NULL) = (delivered_at IS NULL)),
  CHECK (delivered_on IS NULL OR delivered_on >= received_on)
);
CREATE INDEX case_evidence_deadline_open ON case_evidence_deadline (due_on) WHERE delivered_on IS NULL;
CREATE INDEX case_evidence_deadline_case ON case_evidence_deadline (case_id);

-- The default checklist (version 1), from the national guidance (国办发〔2018〕118号) and typical local lists:
-- on-site enforcement, evidence collection, hearings, service and coercive measures on AV; filing, review,
-- decision and closing in writing.
WITH v AS (INSERT INTO recording_checklist_version (version, note) VALUES (1, '默认清单 Default list') RETURNING id)
INSERT INTO recording_checklist_item (version_id, position, act_kind, category, item, stage, method, applies_when, starts_when, covers, ends_when)
SELECT v.id, x.position, x.act_kind, x.category, x.item, x.stage, x.method, x.applies_when, x.starts_when, x.covers, x.ends_when
FROM v, (VALUES
  (1, 'penalty', '行政处罚', '立案审批', 'filing', 'written', 'always', '', '立案审批表及审批意见', ''),
  (2, 'penalty', '行政处罚', '现场检查（勘验）', 'investigation', 'av', 'always', '执法人员到达现场，出示执法证件前', '出示证件、告知当事人正在录音录像、检查过程、现场笔录的制作与签字', '执法人员离开现场'),
  (3, 'penalty', '行政处罚', '调查询问', 'investigation', 'av', 'always', '询问开始，告知权利义务前', '询问全过程、笔录核对与签字', '笔录签字确认后'),
  (4, 'penalty', '行政处罚', '查封、扣押等行政强制措施', 'investigation', 'av', 'coercive_measures', '实施强制措施前，告知当事人理由和依据时', '全过程不间断记录：告知、陈述申辩、清点财物、开具清单、当事人签字', '清单交付当事人后'),
  (5, 'penalty', '行政处罚', '法制审核', 'review', 'written', 'always', '', '法制审核意见书', ''),
  (6, 'penalty', '行政处罚', '行政处罚事先告知', 'notice', 'written', 'always', '', '告知书及送达回证', ''),
  (7, 'penalty', '行政处罚', '听证', 'hearing', 'av', 'always', '听证主持人宣布听证开始', '听证全过程', '听证笔录签字后'),
  (8, 'penalty', '行政处罚', '处罚决定', 'decision', 'written', 'always', '', '集体讨论记录、处罚决定书', ''),
  (9, 'penalty', '行政处罚', '文书送达（直接送达、留置送达）', 'service', 'av', 'always', '到达送达地点', '送达文书、当事人签收或拒收、留置送达的见证', '签收或留置完成'),
  (10, 'penalty', '行政处罚', '执行（当场收缴、强制执行）', 'execution', 'av', 'always', '执行开始', '执行全过程', '执行完毕'),
  (11, 'penalty', '行政处罚', '结案', 'closed', 'written', 'always', '', '结案审批表', ''),
  (12, 'coercion', '行政强制', '立案审批', 'filing', 'written', 'always', '', '立案审批表', ''),
  (13, 'coercion', '行政强制', '查封、扣押现场', 'investigation', 'av', 'always', '实施前，告知理由和依据时', '全过程不间断记录：告知、陈述申辩、清点财物、开具清单、签字', '清单交付当事人后'),
  (14, 'coercion', '行政强制', '解除强制措施、返还财物', 'execution', 'av', 'always', '到达现场', '清点、返还、签收', '签收完成'),
  (15, 'coercion', '行政强制', '文书送达', 'service', 'av', 'always', '到达送达地点', '送达文书、签收或拒收', '签收或留置完成'),
  (16, 'inspection', '行政检查', '现场检查', 'investigation', 'av', 'always', '到达现场，出示证件前', '出示证件、检查过程、笔录签字', '离开现场'),
  (17, 'inspection', '行政检查', '检查结果告知', 'notice', 'written', 'always', '', '检查结果告知书', '')
) AS x(position, act_kind, category, item, stage, method, applies_when, starts_when, covers, ends_when);
