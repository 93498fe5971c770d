import type { ColumnType, Generated } from 'kysely';

/** Timestamps: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** `date` columns are kept as 'YYYY-MM-DD' strings (no time zone shifts). */
type DateString = string;

export interface DepartmentTable {
  id: Generated<string>;
  parent_id: string | null;
  name: string;
  code: string | null;
  kind: 'bureau' | 'office' | 'detachment' | 'other';
  /** 负责人: approves requests for this department's recordings from outside it (0009). */
  head_person_id: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface PersonTable {
  id: Generated<string>;
  name: string;
  staff_number: string;
  department_id: string;
  enrolled: boolean;
  certificate_number: string | null;
  certificate_exam_passed_on: DateString | null;
  certificate_valid_until: DateString | null;
  certificate_issuer: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface TrainingRecordTable {
  id: Generated<string>;
  person_id: string;
  held_on: DateString;
  subject: string;
  hours: ColumnType<string, number | string, number | string>;
  created_at: GeneratedTimestamp;
}

export interface AppUserTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  password_hash: string;
  person_id: string | null;
  department_id: string | null;
  roles: string[];
  disabled: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  password_changed_at: GeneratedTimestamp;
  last_login_at: Timestamp | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** Failed password checks per account name or source address (login throttling, 0005). */
export interface LoginThrottleTable {
  scope: 'account' | 'address';
  subject: string;
  failures: number;
  last_failure_at: Timestamp;
  blocked_until: Timestamp | null;
}

export interface UserSessionTable {
  id: Generated<string>;
  token_hash: Buffer;
  user_id: string;
  csrf_token: string;
  created_at: GeneratedTimestamp;
  expires_at: Timestamp;
  last_seen_at: GeneratedTimestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokenTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: Buffer;
  prefix: string;
  created_at: GeneratedTimestamp;
  expires_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** jsonb written as JSON text (node-postgres would turn a JS array into a PostgreSQL array), read parsed. */
type Json<Insert extends string | null | undefined = string> = ColumnType<unknown, Insert, Exclude<Insert, undefined>>;

export interface SettingTable {
  key: string;
  value: Json;
  updated_at: GeneratedTimestamp;
  updated_by: string | null;
}

export interface AuditEventTable {
  /** bigint, read as a decimal string. */
  seq: ColumnType<string, string, never>;
  at: Timestamp;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: ColumnType<unknown, string, never>;
  prev_hash: Buffer;
  hash: Buffer;
  /** The audit_pending row it was integrated from (0027); null for events written before. */
  pending_id: ColumnType<string | null, never, never>;
}

/** An audit event written but not yet in the chain (0027): the sequencer moves it into audit_event. */
export interface AuditPendingTable {
  id: ColumnType<string, never, never>;
  at: Timestamp;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: ColumnType<unknown, string, never>;
  /** Canonical JSON of [at, actor_id, actor_label, action, target_type, target_id, details]. */
  entry: string;
}

export interface AuditHeadTable {
  id: boolean;
  seq: string;
  hash: Buffer;
}

/** Finished jobs (graphile-worker deletes completed jobs; waiting and failed ones are in graphile_worker.jobs). 0006. */
export interface JobHistoryTable {
  id: string;
  kind: string;
  job_key: string | null;
  state: 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  created_at: Timestamp;
  finished_at: GeneratedTimestamp;
}

/** 0028: an object about to be written before its row exists (case documents, built PDFs); swept when left behind. */
export interface ObjectIntentTable {
  id: Generated<string>;
  sha256: string;
  purpose: 'case_document' | 'case_file_build';
  created_at: GeneratedTimestamp;
  created_by: string | null;
  kept_at: Date | null;
}

export interface SchemaMigrationTable {
  name: string;
  checksum: string;
  applied_at: GeneratedTimestamp;
}

export interface OriginalTable {
  sha256: string;
  sm3: string;
  size_bytes: ColumnType<string, number | string, never>;
  storage: Generated<string>;
  stored_at: GeneratedTimestamp;
  first_uploaded_by: string | null;
}

export interface RecordingTable {
  id: Generated<string>;
  original_sha256: string;
  file_name: string;
  department_id: string;
  device_number: string | null;
  recorded_start: Timestamp;
  recorded_end: Timestamp | null;
  uploaded_at: GeneratedTimestamp;
  uploaded_by: string;
  activity: string;
  party: string | null;
  case_name: string | null;
  case_number: string | null;
  location: string | null;
  party_informed: string;
  party_informed_reason: string | null;
  notes: string | null;
  /** Computed by the database from the descriptive fields (search). */
  search_text: ColumnType<string | null, never, never>;
  search_bigrams: ColumnType<string[] | null, never, never>;
  /** 第十条: set by a trigger on insert (0004_access.sql); never moves later. */
  offload_deadline: ColumnType<Date, Date | string | undefined, Date | string>;
  /** 第十条: set by a trigger on insert; a trigger refuses clearing it. */
  late_offload: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface RecordingOfficerTable {
  recording_id: string;
  person_id: string;
}

export interface MediaInfoTable {
  original_sha256: string;
  state: Generated<string>;
  kind: string | null;
  duration_sec: number | null;
  width: number | null;
  height: number | null;
  video_codec: string | null;
  audio_codec: string | null;
  creation_time: Timestamp | null;
  probe: Json<string | null | undefined>;
  exif: Json<string | null | undefined>;
  proxy_sha256: string | null;
  thumbnail_sha256: string | null;
  error: string | null;
  updated_at: GeneratedTimestamp;
}

export interface UploadTable {
  id: string;
  uploaded_by: string;
  file_name: string;
  size_bytes: ColumnType<string, number | string, never>;
  metadata: Json;
  state: Generated<'receiving' | 'stored' | 'duplicate' | 'rejected' | 'cancelled'>;
  sha256: string | null;
  sm3: string | null;
  client_sha256: string | null;
  recording_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: GeneratedTimestamp;
  finished_at: Timestamp | null;
}

export interface DerivedObjectTable {
  sha256: string;
  sm3: string;
  size_bytes: ColumnType<string, number | string, never>;
  /** 'case_file': a bound case-file PDF (0013), derived from many originals, so it names none. */
  kind: 'proxy' | 'thumbnail' | 'case_file';
  mime_type: string;
  original_sha256: string | null;
  created_at: GeneratedTimestamp;
}

/** A correction of a recording's start or end, with its reason (append-only). */
export interface RecordingTimeCorrectionTable {
  id: Generated<string>;
  recording_id: string;
  field: 'recordedStart' | 'recordedEnd';
  before: Timestamp | null;
  after: Timestamp | null;
  reason: string;
  corrected_by: string;
  corrected_at: GeneratedTimestamp;
}

export interface OffloadReceiptTable {
  id: Generated<string>;
  person_id: string;
  day: string;
  recording_ids: string[];
  confirmed_by: string;
  confirmed_at: GeneratedTimestamp;
  note: string | null;
}

/** Fixity (完整性巡检): the latest check of each stored object (src/modules/fixity). */
export interface FixityObjectTable {
  sha256: string;
  kind: 'original' | 'derived';
  last_checked_at: Timestamp | null;
  last_result: string | null;
  last_duration_ms: number | null;
  failing_since: Timestamp | null;
}

/** Fixity: every check made (append-only history). */
export interface FixityCheckTable {
  id: ColumnType<string, never, never>;
  sha256: string;
  kind: 'original' | 'derived';
  checked_at: GeneratedTimestamp;
  result: string;
  duration_ms: number;
  detail: string | null;
  reason: 'schedule' | 'manual' | 'workstation';
  run_id: string | null;
}

/** Fixity: one pass (a scheduled slice or one a person started). */
export interface FixityRunTable {
  id: Generated<string>;
  reason: 'schedule' | 'manual';
  scope: ColumnType<unknown, string, string>;
  requested_by: string | null;
  state: Generated<'queued' | 'running' | 'done' | 'failed'>;
  started_at: GeneratedTimestamp;
  finished_at: Timestamp | null;
  total: Generated<number>;
  checked: Generated<number>;
  failed: Generated<number>;
  bytes: ColumnType<string, number | string | undefined, number | string>;
  failures: ColumnType<unknown, string | undefined, string>;
  orphans: ColumnType<unknown, string | null | undefined, string | null>;
  error: string | null;
}

/** The database as Kysely sees it. */
type GrantMode = 'view' | 'copy';

/** 调阅申请 — a request to see (or copy) recordings of one department (0009). */
export interface AccessRequestTable {
  id: Generated<string>;
  requester_id: string;
  department_id: string;
  kind: 'items' | 'query';
  query: ColumnType<unknown, string | null | undefined, string | null>;
  purpose: string;
  mode: GrantMode;
  period_from: Timestamp;
  period_until: Timestamp;
  emergency: Generated<boolean>;
  /** The requester was outside the owning department when asking: only its head (负责人) decides. */
  cross_department: Generated<boolean>;
  state: Generated<'pending' | 'approved' | 'denied' | 'withdrawn'>;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  created_at: GeneratedTimestamp;
}

export interface AccessRequestItemTable {
  request_id: string;
  recording_id: string;
}

/** 调阅授权 — what an approval or a break-glass opened (0009). */
export interface AccessGrantTable {
  id: Generated<string>;
  request_id: string;
  grantee_id: string;
  department_id: string;
  mode: GrantMode;
  valid_from: Timestamp;
  valid_until: Timestamp;
  emergency: Generated<boolean>;
  approved_by: string | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  review_state: Generated<'none' | 'pending' | 'signed_off' | 'referred'>;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  review_note: string | null;
  created_at: GeneratedTimestamp;
}

export interface AccessGrantItemTable {
  grant_id: string;
  recording_id: string;
}

/** The media policy table: what a role sees of pictures and sound without a grant (0009). */
export interface MediaAccessPolicyTable {
  role: string;
  without_grant: 'none' | 'own_recent' | 'reach';
  updated_by: string | null;
  updated_at: GeneratedTimestamp;
}

/** A viewing session of one recording's proxy (0010; src/modules/playback): range reads attach to it. */
export interface PlaybackSessionTable {
  id: Generated<string>;
  recording_id: string;
  user_id: string;
  proxy_sha256: string;
  started_at: GeneratedTimestamp;
  last_seen_at: GeneratedTimestamp;
  ended_at: Timestamp | null;
  end_reason: 'ended' | 'timeout' | 'revoked' | null;
  range_requests: ColumnType<number, number | undefined, number>;
  bytes_served: ColumnType<string, number | string | undefined, number | string>;
  read_start: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  next_offset: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  pending_seeks: ColumnType<unknown, string | undefined, string>;
  burst_started_at: Timestamp | null;
  burst_last_at: Timestamp | null;
}

/** A copy handed out with its signed receipt (0010; append-only). */
export interface CopyReceiptTable {
  id: Generated<string>;
  recording_id: string;
  user_id: string;
  grant_id: string | null;
  kind: 'original' | 'watermarked-proxy';
  sha256: string;
  sm3: string;
  size_bytes: ColumnType<string, number | string, never>;
  issued_at: Timestamp;
  statement: string;
  signature: string;
  key_id: string;
}

/** A list page's thumbnail ticket (0010): thumbnails read with it are covered by one audited page view. */
export interface ThumbnailTicketTable {
  id: Generated<string>;
  user_id: string;
  recording_ids: string[];
  expires_at: Timestamp;
}

/** A version of the case-file template (0013): document types, binding order, retention, 档号 codes. Append-only. */
export interface CaseFileTemplateTable {
  version: number;
  body: Json;
  created_at: GeneratedTimestamp;
  created_by: string | null;
}

/** 文书 — a written record of a case (0013): write-once, its bytes an original of the object store. */
export interface CaseDocumentTable {
  id: Generated<string>;
  case_id: string;
  doc_type: string;
  doc_number: Generated<string>;
  title: string;
  responsible: string;
  doc_date: DateString;
  page_count: number;
  mime_type: 'application/pdf' | 'image/jpeg' | 'image/png';
  sha256: string;
  file_name: string;
  receipt_signed: boolean | null;
  notes: Generated<string>;
  uploaded_by: string;
  uploaded_at: GeneratedTimestamp;
}

/** One generated case-file PDF (0013). Append-only. */
export interface CaseFileBuildTable {
  id: Generated<string>;
  case_id: string;
  sha256: string;
  template_version: number;
  total_pages: number;
  numbered_pages: number;
  catalogue: Json;
  final: Generated<boolean>;
  built_by: string;
  built_at: GeneratedTimestamp;
}

/** Which document replaces which, why, by whom (0015). Append-only; refused for archived cases. */
export interface CaseDocumentSupersessionTable {
  superseded_id: string;
  replacement_id: string;
  case_id: string;
  reason: string;
  superseded_by: string;
  superseded_at: GeneratedTimestamp;
}

/** 归档号 serial counter per year handled (0013). */
export interface CaseArchiveCounterTable {
  year: number;
  last_serial: number;
}

/** 归档 — an archived case file with its numbers and retention (0013). Append-only. */
export interface CaseArchiveTable {
  case_id: string;
  archive_year: number;
  archive_serial: number;
  archive_number: string;
  dossier_code: string;
  retention_code: 'Y' | 'D30' | 'D10';
  retain_until: DateString | null;
  build_id: string;
  archived_by: string;
  archived_at: GeneratedTimestamp;
}

/** 案件阶段 — a case's stage codes, in order (0012). */
export type CaseStage = 'filing' | 'investigation' | 'review' | 'notice' | 'hearing' | 'decision' | 'service' | 'execution' | 'closed';

/** A version of the recording checklist (音像记录事项清单, 第十六条; 0012): fixed once written. */
export interface RecordingChecklistVersionTable {
  id: Generated<string>;
  version: number;
  note: Generated<string>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
}

/** One row of a checklist version (0012). */
export interface RecordingChecklistItemTable {
  id: Generated<string>;
  version_id: string;
  position: number;
  act_kind: string;
  category: string;
  item: string;
  stage: CaseStage;
  method: 'av' | 'written';
  applies_when: Generated<'always' | 'coercive_measures'>;
  starts_when: Generated<string>;
  covers: Generated<string>;
  ends_when: Generated<string>;
}

/** 案件 (0012; src/modules/cases). */
export interface EnforcementCaseTable {
  id: Generated<string>;
  case_number: string;
  cause: string;
  act_kind: Generated<string>;
  procedure: 'simple' | 'general';
  coercive_measures: Generated<boolean>;
  department_id: string;
  status: Generated<CaseStage>;
  filed_on: DateString;
  closed_on: DateString | null;
  checklist_version_id: string;
  created_by: string;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** 当事人 (0012): the ID number only as AES-256-GCM ciphertext and a masked form. */
export interface CasePartyTable {
  id: string;
  case_id: string;
  position: number;
  kind: 'person' | 'organisation';
  name: string;
  id_type: 'resident_id' | 'credit_code' | 'passport' | 'other';
  id_ciphertext: Buffer;
  id_key_id: string;
  id_masked: string;
  representative: string | null;
  address: string | null;
  created_at: GeneratedTimestamp;
}

/** 承办人员 of a case (0012). */
export interface CaseOfficerTable {
  case_id: string;
  person_id: string;
  lead: Generated<boolean>;
}

/** A stage change of a case (0012, append-only). */
export interface CaseStageEventTable {
  id: Generated<string>;
  case_id: string;
  from_stage: CaseStage | null;
  to_stage: CaseStage;
  kind: 'file' | 'advance' | 'skip' | 'back';
  skipped: Generated<CaseStage[]>;
  reason: string | null;
  occurred_on: DateString;
  by_user: string;
  at: GeneratedTimestamp;
}

/** A recording linked to a case at a stage (0012); ended, never removed. */
export interface CaseRecordingLinkTable {
  id: Generated<string>;
  case_id: string;
  recording_id: string;
  stage: CaseStage;
  note: string | null;
  linked_by: string;
  linked_at: GeneratedTimestamp;
  unlinked_by: string | null;
  unlinked_at: Timestamp | null;
  unlink_reason: string | null;
}

/** 受客观条件限制: why a stage that needs AV has none (0012, append-only). */
export interface CaseStageWrittenReasonTable {
  id: Generated<string>;
  case_id: string;
  stage: CaseStage;
  reason: string;
  recorded_by: string;
  recorded_at: GeneratedTimestamp;
}

/** 第十三条: an evidence hand-over deadline of a reconsideration or lawsuit (0012). */
export interface CaseEvidenceDeadlineTable {
  id: Generated<string>;
  case_id: string;
  kind: 'reconsideration' | 'litigation';
  received_on: DateString;
  period_days: number;
  working_days: boolean;
  due_on: DateString;
  authority: Generated<string>;
  reference: Generated<string>;
  recorded_by: string;
  recorded_at: GeneratedTimestamp;
  delivered_on: DateString | null;
  delivered_by: string | null;
  delivered_at: Timestamp | null;
  delivery_note: string | null;
  /** The evidence package delivered (0022), when it was delivered as one. */
  delivered_package_id: Generated<string | null>;
}

/** A note or transcript segment of a recording (0011; write-once): its content lives in its versions. */
export interface AnnotationTable {
  id: Generated<string>;
  recording_id: string;
  layer: 'note' | 'transcript';
  created_by: string;
  created_at: GeneratedTimestamp;
}

/** One version of an annotation (0011; append-only): the latest is current; `deleted` ends it. */
export interface AnnotationVersionTable {
  annotation_id: string;
  version: number;
  kind: 'key_content' | 'note' | null;
  speaker: string | null;
  start_ms: number;
  end_ms: number;
  body: string;
  deleted: Generated<boolean>;
  author_id: string;
  created_at: GeneratedTimestamp;
}

/** Full tiles of the transparency log: 256 hashes, written once (0016). */
export interface TlogTileTable {
  level: number;
  idx: string;
  hashes: Buffer;
}

/** The right edge of each tile level: fewer than 256 hashes, replaced as the tree grows (0016). */
export interface TlogPartialTileTable {
  level: number;
  idx: string;
  hashes: Buffer;
}

/** What the sequencer has integrated: tree size and root; the log's origin once fixed (0016). */
export interface TlogStateTable {
  id: Generated<boolean>;
  size: string;
  root: Buffer;
  origin: string | null;
  updated_at: GeneratedTimestamp;
}

/** Signed checkpoints (C2SP tlog-checkpoint notes), periodic and daily seals (0016). */
export interface TlogCheckpointTable {
  id: ColumnType<string, never, never>;
  size: string;
  root: Buffer;
  note: string;
  kind: 'periodic' | 'daily' | 'manual';
  seal_day: DateString | null;
  signed_at: GeneratedTimestamp;
}

/** Every key that signed a checkpoint, as a C2SP verifier key (0016). */
export interface TlogKeyTable {
  vkey: string;
  algorithm: 'ed25519' | 'sm2';
  first_used: GeneratedTimestamp;
}

/** The id of each installation key every node must hold (0023); ids only, never a key. */
export interface InstallationKeyTable {
  name: 'ed25519' | 'sm2' | 'party-id';
  key_id: string;
  recorded_at: GeneratedTimestamp;
}

/** Witnesses an administrator registered (0021; issue 13 §3). */
export interface TlogWitnessTable {
  id: ColumnType<string, never, never>;
  name: string;
  vkey: string;
  key_id: Buffer;
  public_key: Buffer;
  added_by: string | null;
  added_at: GeneratedTimestamp;
}

/** Witness cosignatures (C2SP cosignature/v1), verified when received (0021). */
export interface TlogCosignatureTable {
  id: ColumnType<string, never, never>;
  witness_id: string;
  size: string;
  root: Buffer;
  cosigned_at: Date;
  line: string;
  received_at: GeneratedTimestamp;
}

/** RFC 3161 time-stamp replies over checkpoints (0021; issue 13 §4). */
export interface TlogTimestampTable {
  id: ColumnType<string, never, never>;
  checkpoint_id: string;
  tsa_url: string;
  tsa_name: string;
  tsa_cert_pem: string;
  gen_time: Date;
  response: Buffer;
  created_at: GeneratedTimestamp;
}

/** Device types (0014): 执法记录仪, 照相机, 摄像机, 录音笔, 其他. */
export type DeviceType = 'body_camera' | 'camera' | 'video_camera' | 'audio_recorder' | 'other';
/** Device status (0014): 可用 / 在用 / 维修中 / 故障停用 / 报废. */
export type DeviceStatus = 'available' | 'in_use' | 'in_repair' | 'faulty' | 'retired';

/** 第十八条: maintenance interval per device type (0014). */
export interface DeviceTypePolicyTable {
  type: DeviceType;
  maintenance_interval_days: ColumnType<number, number | undefined, number>;
  updated_at: GeneratedTimestamp;
}

/** A registered recording device (0014; 第十五条). */
export interface DeviceTable {
  id: Generated<string>;
  device_number: string;
  type: DeviceType;
  make: string | null;
  model: string | null;
  serial: string | null;
  department_id: string;
  purchased_on: DateString | null;
  status: ColumnType<DeviceStatus, DeviceStatus | undefined, DeviceStatus>;
  last_maintained_on: DateString | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** One entry of a device's history (0014; append-only). */
export interface DeviceEventTable {
  id: ColumnType<string, never, never>;
  device_id: string;
  at: Timestamp;
  kind: string;
  actor_id: string | null;
  details: ColumnType<unknown, string | undefined, never>;
}

/** A pre-use or return check (0014; append-only). */
export interface DeviceCheckTable {
  id: Generated<string>;
  device_id: string;
  person_id: string;
  kind: 'checkout' | 'return';
  checked_at: Timestamp;
  checked_by: string;
  battery_pct: number;
  free_storage_mb: number;
  device_clock: Timestamp;
  clock_offset_sec: number;
  damage: boolean;
  damage_note: string | null;
  passed: boolean;
  failures: ColumnType<string[], string[] | undefined, never>;
}

/** Who had a device when (0014); changed once, by its return. */
export interface DeviceCheckoutTable {
  id: Generated<string>;
  device_id: string;
  device_type: DeviceType;
  person_id: string;
  checkout_check_id: string;
  checked_out_at: Timestamp;
  checked_out_by: string;
  return_check_id: string | null;
  returned_at: Timestamp | null;
  returned_by: string | null;
}

/** The maintenance log (0014; append-only). */
export interface DeviceMaintenanceTable {
  id: Generated<string>;
  device_id: string;
  performed_on: DateString;
  performed_by: string;
  work: string;
  recorded_by: string;
  recorded_at: Timestamp;
}

/** A reported fault (0014; 第十九条). */
export interface DeviceFaultTable {
  id: Generated<string>;
  device_id: string;
  reported_by: string;
  reported_at: Timestamp;
  description: string;
  checkout_id: string | null;
  check_id: string | null;
  resolved_at: Timestamp | null;
}

/** An authorised repairer (0014). */
export interface DeviceRepairerTable {
  id: Generated<string>;
  name: string;
  contact: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: GeneratedTimestamp;
}

/** A repair ticket (0014; 第十九条). */
export interface DeviceRepairTable {
  id: Generated<string>;
  device_id: string;
  fault_id: string | null;
  repairer_id: string | null;
  repairer_name: string;
  authorised: boolean;
  reimbursable: boolean;
  diagnosis: string | null;
  cost_yuan: ColumnType<string | null, number | string | null, number | string | null>;
  status: ColumnType<'open' | 'approved' | 'closed', 'open' | 'approved' | 'closed' | undefined, 'open' | 'approved' | 'closed'>;
  opened_by: string;
  opened_at: Timestamp;
  approved_by: string | null;
  approved_at: Timestamp | null;
  returned_to_service_at: Timestamp | null;
}

/** A supervision finding about a device (0014; append-only). */
export interface DeviceFindingTable {
  id: Generated<string>;
  device_id: string;
  repair_id: string | null;
  kind: 'unauthorised_repair';
  details: ColumnType<unknown, string | undefined, never>;
  found_at: Timestamp;
}

/** 证据包 — an evidence package (0022): what was asked, under which grant, and its build's progress. */
export interface EvidencePackageTable {
  id: Generated<string>;
  case_id: string | null;
  recording_ids: string[];
  grant_id: string;
  created_by: string;
  created_at: GeneratedTimestamp;
  state: Generated<'queued' | 'building' | 'ready' | 'failed'>;
  bytes_total: ColumnType<string, number | string | undefined, number | string>;
  bytes_done: ColumnType<string, number | string | undefined, number | string>;
  file_size: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  sha256: string | null;
  checkpoint_size: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  error: string | null;
  finished_at: Timestamp | null;
}

/** A hold (0018): while released_at is null nothing it covers is disposed of (第十一、十二条). */
export interface RetentionHoldTable {
  id: Generated<string>;
  subject_type: 'recording' | 'case_file';
  subject_id: string;
  kind: 'preservation' | 'case_reopened' | 'legal';
  source_id: string | null;
  reason: string;
  placed_at: GeneratedTimestamp;
  placed_by: string | null;
  released_at: Date | null;
  released_by: string | null;
}

/** 第十二条 长期保存 — a long-term preservation mark (0020). */
export interface PreservationMarkTable {
  id: Generated<string>;
  ground: 'objection' | 'obstruction' | 'incident' | 'other';
  description: string | null;
  state: Generated<'proposed' | 'approved' | 'rejected' | 'released'>;
  proposed_by: string;
  proposed_at: GeneratedTimestamp;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  released_by: string | null;
  released_at: Date | null;
  release_reason: string | null;
}

export interface PreservationMarkItemTable {
  mark_id: string;
  recording_id: string;
}

/** A disc / removable-media set (0020). */
export interface MediaSetTable {
  id: Generated<string>;
  label: string;
  media_type: 'cd' | 'dvd' | 'bd' | 'removable';
  volume_bytes: ColumnType<string, number | string, never>;
  format: 'iso' | 'folder';
  department_id: string;
  state: Generated<'queued' | 'building' | 'built' | 'failed'>;
  total_bytes: ColumnType<string, number | string | undefined, number | string>;
  done_bytes: ColumnType<string, number | string | undefined, number | string>;
  phase: string | null;
  error: string | null;
  created_by: string;
  created_at: GeneratedTimestamp;
  built_at: Date | null;
}

export interface MediaSetItemTable {
  set_id: string;
  recording_id: string;
  mark_id: string;
  volume_no: number;
  path: string;
  size_bytes: ColumnType<string, number | string, never>;
}

export interface MediaVolumeTable {
  id: Generated<string>;
  set_id: string;
  volume_no: number;
  volume_count: number;
  label: string;
  image_name: string | null;
  image_bytes: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  image_sha256: string | null;
  manifest_sha256: string | null;
  verified_at: Date | null;
  verify_ok: boolean | null;
  verify_detail: string | null;
}

/** A physical medium (光盘, 移动存储介质) made from one volume (0020). */
export interface PhysicalMediumTable {
  id: Generated<string>;
  volume_id: string;
  label: string;
  media_type: 'cd' | 'dvd' | 'bd' | 'removable';
  maker: string;
  made_on: ColumnType<string, string, string>;
  storage_place: string;
  registered_by: string;
  registered_at: GeneratedTimestamp;
  next_check_due: ColumnType<Date, Date | string, Date | string>;
  status: Generated<'unchecked' | 'ok' | 'unreadable' | 'missing' | 'mismatch'>;
  last_checked_at: Date | null;
}

export interface MediumCheckTable {
  id: Generated<string>;
  medium_id: string;
  checked_by: string;
  checked_at: GeneratedTimestamp;
  method: 'image' | 'reported';
  result: 'ok' | 'unreadable' | 'missing' | 'mismatch';
  detail: string | null;
}

export type RetentionCategory = 'av_patrol' | 'av_other' | 'case_file_general' | 'case_file_simple';
export type RetentionUnit = 'months' | 'years' | 'permanent';

export interface RetentionTableVersionTable {
  id: Generated<string>;
  version: number;
  note: Generated<string>;
  proposed_by: string | null;
  proposed_at: GeneratedTimestamp;
  approved_by: string | null;
  approved_at: Date | null;
}

export interface RetentionRuleTable {
  version_id: string;
  category: RetentionCategory;
  period_unit: RetentionUnit;
  period_count: number | null;
}

export interface CaseRetentionTable {
  case_id: string;
  keep_until: DateString | null;
  basis: string;
  rule_version: number;
  computed_at: GeneratedTimestamp;
  /** Set once, after the case file's tombstone (0025). */
  disposed_at: Generated<Date | null>;
  /** 0026: what the store sync last found on the case file's objects (earliest retain-until; all on hold). */
  store_until: Generated<Date | null>;
  store_hold: Generated<boolean>;
  store_synced: Generated<boolean>;
  store_synced_at: Generated<Date | null>;
}

export interface RecordingRetentionTable {
  recording_id: string;
  keep_until: DateString | null;
  basis: string;
  basis_case_id: string | null;
  rule_version: number;
  computed_at: GeneratedTimestamp;
  store_until: Date | null;
  store_hold: Generated<boolean>;
  store_synced: Generated<boolean>;
  disposed_at: Date | null;
}

export interface DisposalBatchTable {
  id: Generated<string>;
  proposed_by: string | null;
  proposed_at: GeneratedTimestamp;
  approved_by: string | null;
  approved_at: Date | null;
  grace_until: Date | null;
  completed_at: Date | null;
}

export interface DisposalItemTable {
  id: Generated<string>;
  batch_id: string;
  /** Exactly one of recording_id and case_id (0025: case files are disposed of by the same batches). */
  recording_id: string | null;
  case_id: string | null;
  keep_until: DateString;
  basis: string;
  state: Generated<'proposed' | 'restored' | 'deleting' | 'deleted'>;
  restored_by: string | null;
  restored_at: Date | null;
  restore_reason: string | null;
  deleted_at: Date | null;
}

export interface DisposalTombstoneTable {
  recording_id: string;
  item_id: string;
  batch_id: string;
  original_sha256: string;
  original_sm3: string;
  size_bytes: ColumnType<string, number | string, never>;
  file_name: string;
  metadata: ColumnType<unknown, string, never>;
  derived: ColumnType<unknown, string, never>;
  keep_until: DateString;
  basis: string;
  rule_version: number;
  proposed_by: string | null;
  proposed_at: Date;
  approved_by: string;
  approved_at: Date;
  grace_until: Date;
  executed_by: string;
  executed_at: GeneratedTimestamp;
}

/** 案卷销毁记录 (0025): what a case file's disposal destroyed; written once by the disposal path. */
export interface CaseFileTombstoneTable {
  case_id: string;
  item_id: string;
  batch_id: string;
  case_number: string;
  archive_number: string;
  dossier_code: string;
  metadata: ColumnType<unknown, string, never>;
  files: ColumnType<unknown, string, never>;
  keep_until: DateString;
  basis: string;
  rule_version: number;
  proposed_by: string | null;
  proposed_at: Date;
  approved_by: string;
  approved_at: Date;
  grace_until: Date;
  executed_by: string;
  executed_at: GeneratedTimestamp;
}

/** A scheduled check round of the physical media register (0025). */
export interface MediumCheckRoundTable {
  id: Generated<string>;
  opened_at: GeneratedTimestamp;
  due_at: ColumnType<Date, Date | string, never>;
  interval_months: number;
  sample_percent: number;
  media_total: number;
  opened_by: string;
}

export interface MediumCheckRoundItemTable {
  round_id: string;
  medium_id: string;
  reason: 'due' | 'sample';
  overdue_at: Date | null;
}

export interface DB {
  department: DepartmentTable;
  person: PersonTable;
  training_record: TrainingRecordTable;
  app_user: AppUserTable;
  login_throttle: LoginThrottleTable;
  user_session: UserSessionTable;
  api_token: ApiTokenTable;
  setting: SettingTable;
  audit_event: AuditEventTable;
  audit_head: AuditHeadTable;
  audit_pending: AuditPendingTable;
  job_history: JobHistoryTable;
  object_intent: ObjectIntentTable;
  schema_migration: SchemaMigrationTable;
  original: OriginalTable;
  recording: RecordingTable;
  recording_officer: RecordingOfficerTable;
  media_info: MediaInfoTable;
  upload: UploadTable;
  derived_object: DerivedObjectTable;
  offload_receipt: OffloadReceiptTable;
  recording_time_correction: RecordingTimeCorrectionTable;
  fixity_object: FixityObjectTable;
  fixity_check: FixityCheckTable;
  fixity_run: FixityRunTable;
  access_request: AccessRequestTable;
  access_request_item: AccessRequestItemTable;
  access_grant: AccessGrantTable;
  access_grant_item: AccessGrantItemTable;
  media_access_policy: MediaAccessPolicyTable;
  playback_session: PlaybackSessionTable;
  copy_receipt: CopyReceiptTable;
  thumbnail_ticket: ThumbnailTicketTable;
  case_file_template: CaseFileTemplateTable;
  case_document: CaseDocumentTable;
  case_document_supersession: CaseDocumentSupersessionTable;
  case_file_build: CaseFileBuildTable;
  case_archive_counter: CaseArchiveCounterTable;
  case_archive: CaseArchiveTable;
  recording_checklist_version: RecordingChecklistVersionTable;
  recording_checklist_item: RecordingChecklistItemTable;
  enforcement_case: EnforcementCaseTable;
  case_party: CasePartyTable;
  case_officer: CaseOfficerTable;
  case_stage_event: CaseStageEventTable;
  case_recording_link: CaseRecordingLinkTable;
  case_stage_written_reason: CaseStageWrittenReasonTable;
  case_evidence_deadline: CaseEvidenceDeadlineTable;
  annotation: AnnotationTable;
  annotation_version: AnnotationVersionTable;
  tlog_tile: TlogTileTable;
  tlog_partial_tile: TlogPartialTileTable;
  tlog_state: TlogStateTable;
  tlog_checkpoint: TlogCheckpointTable;
  tlog_key: TlogKeyTable;
  tlog_witness: TlogWitnessTable;
  tlog_cosignature: TlogCosignatureTable;
  tlog_timestamp: TlogTimestampTable;
  device_type_policy: DeviceTypePolicyTable;
  device: DeviceTable;
  device_event: DeviceEventTable;
  device_check: DeviceCheckTable;
  device_checkout: DeviceCheckoutTable;
  device_maintenance: DeviceMaintenanceTable;
  device_fault: DeviceFaultTable;
  device_repairer: DeviceRepairerTable;
  device_repair: DeviceRepairTable;
  device_finding: DeviceFindingTable;
  retention_hold: RetentionHoldTable;
  preservation_mark: PreservationMarkTable;
  preservation_mark_item: PreservationMarkItemTable;
  media_set: MediaSetTable;
  media_set_item: MediaSetItemTable;
  media_volume: MediaVolumeTable;
  physical_medium: PhysicalMediumTable;
  medium_check: MediumCheckTable;
  installation_key: InstallationKeyTable;
  evidence_package: EvidencePackageTable;
  retention_table_version: RetentionTableVersionTable;
  retention_rule: RetentionRuleTable;
  case_retention: CaseRetentionTable;
  recording_retention: RecordingRetentionTable;
  disposal_batch: DisposalBatchTable;
  disposal_item: DisposalItemTable;
  disposal_tombstone: DisposalTombstoneTable;
  case_file_tombstone: CaseFileTombstoneTable;
  medium_check_round: MediumCheckRoundTable;
  medium_check_round_item: MediumCheckRoundItemTable;
}
