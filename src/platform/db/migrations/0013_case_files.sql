-- Case documents, the bound case file (案卷) and archiving (归档). 第五、九条: the text record of an enforcement
-- act is its case file, made and bound to the provincial standard; 第十三条: it carries the burden of proof;
-- 第十四条: nobody reads it without approval. Builds on 0012 (enforcement_case and its tables).

-- The case-file template (document types, binding order, required documents, retention, 档号 codes): data an
-- admin changes by adding a version; a build names the version it used. Versions are never changed.
CREATE TABLE case_file_template (
  version     integer PRIMARY KEY CHECK (version > 0),
  body        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  uuid REFERENCES app_user(id)
);
CREATE TRIGGER case_file_template_no_update BEFORE UPDATE OR DELETE ON case_file_template
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_file_template_no_truncate BEFORE TRUNCATE ON case_file_template
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The built case-file PDF is a derived file of the object store like a proxy (fixity checks it), derived from
-- many originals at once, so it names none.
ALTER TABLE derived_object DROP CONSTRAINT derived_object_kind_check;
ALTER TABLE derived_object ADD CONSTRAINT derived_object_kind_check CHECK (kind IN ('proxy', 'thumbnail', 'case_file'));
ALTER TABLE derived_object ALTER COLUMN original_sha256 DROP NOT NULL;
ALTER TABLE derived_object ADD CONSTRAINT derived_object_original_named CHECK ((kind = 'case_file') = (original_sha256 IS NULL));

-- 文书: one written record of a case (scanned 笔录, 决定书, 送达回证 …). Its bytes are an original of the
-- object store (write-once, fixity-checked); the row is written once: a wrong upload is corrected by another
-- document, never by changing this one.
CREATE TABLE case_document (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id         uuid NOT NULL REFERENCES enforcement_case(id),
  -- A code of the template's document types.
  doc_type        text NOT NULL CHECK (doc_type ~ '^[a-z][a-z0-9_]{1,39}$'),
  -- 文号, 题名, 责任者, 日期
  doc_number      text NOT NULL DEFAULT '' CHECK (length(doc_number) <= 100),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  responsible     text NOT NULL CHECK (length(responsible) BETWEEN 1 AND 100),
  doc_date        date NOT NULL,
  page_count      integer NOT NULL CHECK (page_count > 0),
  mime_type       text NOT NULL CHECK (mime_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  sha256          text NOT NULL REFERENCES original(sha256),
  file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  -- For a 送达回证: signed by the party (受送达人签收) or not; NULL for other documents.
  receipt_signed  boolean,
  notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  uploaded_by     uuid NOT NULL REFERENCES app_user(id),
  uploaded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_document_case ON case_document (case_id, doc_date, uploaded_at);
CREATE TRIGGER case_document_no_update BEFORE UPDATE OR DELETE ON case_document
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_document_no_truncate BEFORE TRUNCATE ON case_document
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- One generated case file: the PDF, what it holds and which template made it. Kept as history.
CREATE TABLE case_file_build (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id           uuid NOT NULL REFERENCES enforcement_case(id),
  sha256            text NOT NULL REFERENCES derived_object(sha256),
  template_version  integer NOT NULL REFERENCES case_file_template(version),
  total_pages       integer NOT NULL CHECK (total_pages > 0),
  numbered_pages    integer NOT NULL CHECK (numbered_pages >= 0),
  -- The catalogue as bound (序号, 责任者, 文号, 题名, 日期, 起始页号, kind, document or recording id).
  catalogue         jsonb NOT NULL,
  -- The build made when archiving: its cover carries the 归档号 and 档号.
  final             boolean NOT NULL DEFAULT false,
  built_by          uuid NOT NULL REFERENCES app_user(id),
  built_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_file_build_case ON case_file_build (case_id, built_at DESC);
CREATE UNIQUE INDEX case_file_build_one_final ON case_file_build (case_id) WHERE final;
CREATE TRIGGER case_file_build_no_update BEFORE UPDATE OR DELETE ON case_file_build
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_file_build_no_truncate BEFORE TRUNCATE ON case_file_build
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- 归档号 serials: one row per year handled; the row is locked while a case is archived, so serials are
-- gap-free and unique under concurrency (a rolled-back archiving gives its serial back).
CREATE TABLE case_archive_counter (
  year         integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 9999),
  last_serial  integer NOT NULL CHECK (last_serial BETWEEN 1 AND 9999)
);
CREATE FUNCTION case_archive_counter_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.year <> OLD.year OR NEW.last_serial <> OLD.last_serial + 1 THEN
    RAISE EXCEPTION 'QUANLU_ARCHIVE_SERIAL: archive serials only move on by one' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER case_archive_counter_step BEFORE UPDATE OR DELETE ON case_archive_counter
  FOR EACH ROW EXECUTE FUNCTION case_archive_counter_step();

-- 归档: the case file archived, with its numbers and its retention period fixed. Never changed or removed.
CREATE TABLE case_archive (
  case_id         uuid PRIMARY KEY REFERENCES enforcement_case(id),
  archive_year    integer NOT NULL CHECK (archive_year BETWEEN 1900 AND 9999),
  archive_serial  integer NOT NULL CHECK (archive_serial BETWEEN 1 AND 9999),
  -- 归档号: 4-digit year handled + 4-digit serial.
  archive_number  text NOT NULL UNIQUE CHECK (archive_number ~ '^[0-9]{8}$'),
  -- 档号 (DA/T 22-2015): 全宗号-门类代码·年度-保管期限代码-机构代码-件号.
  dossier_code    text NOT NULL UNIQUE,
  retention_code  text NOT NULL CHECK (retention_code IN ('Y', 'D30', 'D10')),
  -- Kept until (NULL: permanently). Counted from 1 January of the year after closing (档案保管期限起算).
  retain_until    date,
  build_id        uuid NOT NULL REFERENCES case_file_build(id),
  archived_by     uuid NOT NULL REFERENCES app_user(id),
  archived_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (archive_year, archive_serial),
  CHECK (archive_number = archive_year::text || lpad(archive_serial::text, 4, '0')),
  CHECK ((retention_code = 'Y') = (retain_until IS NULL))
);
CREATE TRIGGER case_archive_no_update BEFORE UPDATE OR DELETE ON case_archive
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER case_archive_no_truncate BEFORE TRUNCATE ON case_archive
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The lock after archiving, in the database too: no row of an archived case may be added, changed or removed
-- (the case, its parties, officers, stages, recording links, documents, builds). TG_ARGV[0] names the column
-- holding the case id.
CREATE FUNCTION refuse_archived_case_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cid uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN
    cid := (to_jsonb(OLD) ->> TG_ARGV[0])::uuid;
  ELSE
    cid := (to_jsonb(NEW) ->> TG_ARGV[0])::uuid;
  END IF;
  IF EXISTS (SELECT 1 FROM case_archive WHERE case_id = cid)
     OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM case_archive WHERE case_id = (to_jsonb(OLD) ->> TG_ARGV[0])::uuid)) THEN
    RAISE EXCEPTION 'QUANLU_CASE_ARCHIVED: % on % of archived case %', TG_OP, TG_TABLE_NAME, cid USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER enforcement_case_archived BEFORE UPDATE OR DELETE ON enforcement_case
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('id');
CREATE TRIGGER case_party_archived BEFORE INSERT OR UPDATE OR DELETE ON case_party
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('case_id');
CREATE TRIGGER case_officer_archived BEFORE INSERT OR UPDATE OR DELETE ON case_officer
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('case_id');
CREATE TRIGGER case_stage_event_archived BEFORE INSERT OR UPDATE OR DELETE ON case_stage_event
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('case_id');
CREATE TRIGGER case_recording_link_archived BEFORE INSERT OR UPDATE OR DELETE ON case_recording_link
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('case_id');
CREATE TRIGGER case_document_archived BEFORE INSERT ON case_document
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('case_id');
CREATE TRIGGER case_file_build_archived BEFORE INSERT ON case_file_build
  FOR EACH ROW EXECUTE FUNCTION refuse_archived_case_change('case_id');
