import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { DB } from './schema.ts';

type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

const READ: Privilege[] = ['SELECT'];
/** Rows are added and read, never changed or removed (history and evidence). */
const APPEND: Privilege[] = ['SELECT', 'INSERT'];
/** Rows are added and changed, never removed (their removal would lose a record). */
const KEEP: Privilege[] = ['SELECT', 'INSERT', 'UPDATE'];
const ALL: Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/**
 * What the serving role may do with each table of the `public` schema. It never gets TRUNCATE,
 * REFERENCES, TRIGGER, DDL or ownership: those stay with the owner role that runs migrations, so the
 * server's own credentials cannot switch off the write-once triggers or empty a table.
 * A table missing here stops start-up (grantAppPrivileges): a new table needs a decision, not a default.
 * SELECT … FOR UPDATE needs UPDATE, ON CONFLICT DO UPDATE needs UPDATE.
 */
export const APP_TABLE_PRIVILEGES: Readonly<Record<string, readonly Privilege[]>> = {
  // Applied by the owner at start-up; the server only checks that nothing is pending.
  schema_migration: READ,
  department: KEEP,
  person: KEEP,
  training_record: KEEP,
  app_user: KEEP,
  // Sessions end (logout, purge of expired ones); login throttles are cleared after a success or an unlock.
  user_session: ALL,
  login_throttle: ALL,
  api_token: KEEP,
  setting: KEEP,
  // The audit chain (第十八条 records of handling) is append-only. Writers add pending events; the sequencer
  // (0027, run with these credentials) moves them into the chain and the head forward. Triggers admit only a
  // consistent next link made from a pending row, the removal of a pending row once it is in the chain, and a
  // head moving forward to an event of the chain.
  audit_event: APPEND,
  audit_pending: ['SELECT', 'INSERT', 'DELETE'],
  audit_head: ['SELECT', 'UPDATE'],
  // Originals are write-once (第八条: kept as recorded); recordings are never deleted, only described.
  original: APPEND,
  recording: KEEP,
  recording_time_correction: APPEND,
  // The officers of a recording are replaced as a set when its description is edited.
  recording_officer: ['SELECT', 'INSERT', 'DELETE'],
  derived_object: APPEND,
  media_info: KEEP,
  // Upload attempts are history: their state moves on, the row stays.
  upload: KEEP,
  // 第十条 receipts: once confirmed, a receipt stands.
  offload_receipt: APPEND,
  // Finished jobs are listed for jobs.historyDays, then pruned (0028; their audit events stay).
  job_history: ALL,
  fixity_object: KEEP,
  // 0028: routine checks are pruned only through prune_fixity_checks() (owner rights, row trigger), never by DELETE.
  fixity_check: APPEND,
  // 0028: an intent lives from before an object is written until its rows commit (or the sweep resolves it).
  object_intent: ALL,
  fixity_run: KEEP,
  // 第十四条 viewing by approval: requests and grants are kept (decided, revoked, reviewed — never removed);
  // what a request asked for and what a grant covers are fixed when written.
  access_request: KEEP,
  access_request_item: APPEND,
  access_grant: KEEP,
  access_grant_item: APPEND,
  media_access_policy: ['SELECT', 'UPDATE'],
  // Recording devices (0014, 第十五至二十条): the register and its changeable rows are kept, never removed;
  // the history, the checks, the maintenance log and supervision findings are append-only (triggers too).
  device_type_policy: ['SELECT', 'UPDATE'],
  device: KEEP,
  device_event: APPEND,
  device_check: APPEND,
  device_checkout: KEEP,
  device_maintenance: APPEND,
  device_fault: KEEP,
  device_repairer: KEEP,
  device_repair: KEEP,
  device_finding: APPEND,
  // Viewing sessions move on (range reads, seek bursts, end) and stay as the record of who watched; copy
  // receipts are signed evidence (第二十条); thumbnail tickets are removed once expired (their audit event stays).
  playback_session: KEEP,
  copy_receipt: APPEND,
  thumbnail_ticket: ALL,
  // Case files (第九、十三条): template versions, documents, builds and archivings are written once (triggers
  // refuse changes; an archived case's rows refuse even inserts); the 归档号 counter only moves on by one.
  case_file_template: APPEND,
  case_document: APPEND,
  // 0015: a superseded document stays; the supersession is written once.
  case_document_supersession: APPEND,
  case_file_build: APPEND,
  case_archive_counter: KEEP,
  case_archive: APPEND,
  // 第十六条 checklist versions are fixed lists (a change is a new version); cases keep the one they were filed under.
  recording_checklist_version: APPEND,
  recording_checklist_item: APPEND,
  // Cases move through stages and are described; never removed. Parties are added (their ID numbers only as
  // ciphertext); officers are replaced as a set. Stage history and written reasons are append-only (triggers);
  // links are ended on the row (a trigger lets only the unlink columns change, once); deadlines get delivered.
  enforcement_case: KEEP,
  case_party: KEEP,
  case_officer: ['SELECT', 'INSERT', 'DELETE'],
  case_stage_event: APPEND,
  case_recording_link: KEEP,
  case_stage_written_reason: APPEND,
  case_evidence_deadline: KEEP,
  // Annotations and transcripts (issue 8 §6) are versioned records: an edit or a deletion appends a version.
  annotation: APPEND,
  annotation_version: APPEND,
  // 第十三条 the transparency log: full tiles, checkpoints and signing keys are written once; the right edge
  // (partial tiles) is replaced as the tree grows and removed when its tile fills; the state row moves.
  tlog_tile: APPEND,
  tlog_partial_tile: ALL,
  tlog_state: ['SELECT', 'UPDATE'],
  tlog_checkpoint: APPEND,
  tlog_key: APPEND,
  tlog_witness: APPEND,
  tlog_cosignature: APPEND,
  tlog_timestamp: APPEND,
  // 第十一、十二条 holds are placed and released (once, a trigger checks), never removed.
  retention_hold: KEEP,
  // 第十二条 long-term preservation (0020): marks are decided and released on the row, never removed; what a
  // mark covers, what a set holds and every medium check are written once; sets, volumes and media move on.
  preservation_mark: KEEP,
  preservation_mark_item: APPEND,
  media_set: KEEP,
  media_set_item: APPEND,
  media_volume: KEEP,
  physical_medium: KEEP,
  medium_check: APPEND,
  // 0025 scheduled check rounds: a round is written once; its items get their overdue time once (trigger).
  medium_check_round: APPEND,
  medium_check_round_item: KEEP,
  // Ids of the keys every node must hold (0023): recorded by the first node, updated by a key rotation.
  installation_key: KEEP,
  // 第十三条 evidence packages: requested, then their build's progress and result are written; never removed.
  evidence_package: KEEP,
  // 第十一条 retention table versions are proposed then approved once; rules are written once.
  retention_table_version: KEEP,
  retention_rule: APPEND,
  // Computed retention, recomputed in place (a trigger keeps a disposal mark final).
  case_retention: KEEP,
  recording_retention: KEEP,
  // Disposal: batches approved once, items restored or executed once, tombstones written once (a trigger
  // admits a tombstone only for an approved, due, unheld item past its grace period).
  disposal_batch: KEEP,
  disposal_item: KEEP,
  disposal_tombstone: APPEND,
  // 0025: a case file's tombstone, admitted by the same kind of gate (approved, due, unheld, grace over).
  case_file_tombstone: APPEND,
};

/** graphile-worker's tables the worker changes at run time (jobs taken, failed, completed; tasks; cron). */
const JOB_SCHEMA = 'graphile_worker';

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Gives the serving role exactly the privileges above (revoking anything else it held on our tables) and
 * what graphile-worker needs at run time: usage of its schema, SELECT on its migrations table (it checks
 * the schema version on start), DML on its private tables and, because those tables have row level
 * security enabled without policies (only their owner sees rows), a policy letting the serving role see
 * and change all rows. Run by the owner inside the migration lock, after the migrations, on every start,
 * so grants follow the schema. Throws when a table has no entry in APP_TABLE_PRIVILEGES.
 */
export async function grantAppPrivileges(trx: Transaction<DB>, appRole: string): Promise<void> {
  const role = ident(appRole);
  const tables = (
    await sql<{ name: string; kind: string }>`
      SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1`.execute(trx)
  ).rows;
  const missing = tables.filter((t) => !(t.name in APP_TABLE_PRIVILEGES)).map((t) => t.name);
  if (missing.length) {
    throw new Error(`No serving-role privileges decided for table(s) ${missing.join(', ')}: add them to APP_TABLE_PRIVILEGES (src/platform/db/app-privileges.ts)`);
  }
  await sql.raw(`GRANT USAGE ON SCHEMA public TO ${role}`).execute(trx);
  for (const t of tables) {
    await sql.raw(`REVOKE ALL ON TABLE public.${ident(t.name)} FROM ${role}`).execute(trx);
    await sql.raw(`GRANT ${APP_TABLE_PRIVILEGES[t.name]!.join(', ')} ON TABLE public.${ident(t.name)} TO ${role}`).execute(trx);
  }
  // Identity columns need no sequence privilege; a serial or an explicit nextval() would.
  await sql.raw(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`).execute(trx);

  const jobTables = (
    await sql<{ name: string; rls: boolean; kind: string }>`
      SELECT c.relname AS name, c.relrowsecurity AS rls, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${JOB_SCHEMA} AND c.relkind IN ('r', 'p', 'v') ORDER BY 1`.execute(trx)
  ).rows;
  if (!jobTables.length) return;
  await sql.raw(`GRANT USAGE ON SCHEMA ${JOB_SCHEMA} TO ${role}`).execute(trx);
  for (const t of jobTables) {
    const table = `${JOB_SCHEMA}.${ident(t.name)}`;
    const privileges = t.name === 'migrations' || t.kind === 'v' ? 'SELECT' : 'SELECT, INSERT, UPDATE, DELETE';
    await sql.raw(`REVOKE ALL ON TABLE ${table} FROM ${role}`).execute(trx);
    await sql.raw(`GRANT ${privileges} ON TABLE ${table} TO ${role}`).execute(trx);
    if (t.rls && t.kind !== 'v') {
      const policy = ident(`quanlu_serving_${appRole}`.slice(0, 63));
      await sql.raw(`DROP POLICY IF EXISTS ${policy} ON ${table}`).execute(trx);
      await sql.raw(`CREATE POLICY ${policy} ON ${table} TO ${role} USING (true) WITH CHECK (true)`).execute(trx);
    }
  }
  await sql.raw(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${JOB_SCHEMA} TO ${role}`).execute(trx);
}

/** What the connected role could do beyond its grants: the facts the start banner warns about. */
export interface RolePowers {
  role: string;
  superuser: boolean;
  /** Tables of ours it owns (or owns through a role it belongs to): it could ALTER, DISABLE TRIGGER, DROP them. */
  ownedTables: number;
  /** Tables of ours it may TRUNCATE. */
  truncatableTables: number;
  /** It may create objects in the public schema. */
  mayCreate: boolean;
}

export async function rolePowers(db: Database): Promise<RolePowers> {
  const r = (
    await sql<RolePowers>`
      SELECT current_user AS role,
        (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
        (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', ${JOB_SCHEMA}) AND c.relkind IN ('r', 'p') AND pg_has_role(current_user, c.relowner, 'USAGE')) AS "ownedTables",
        (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', ${JOB_SCHEMA}) AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'TRUNCATE')) AS "truncatableTables",
        has_schema_privilege('public', 'CREATE') AS "mayCreate"`.execute(db)
  ).rows[0]!;
  return r;
}

/** A sentence for the banner and the log when the serving role holds more than its grants; undefined when it does not. */
export function privilegeWarning(p: RolePowers): string | undefined {
  if (!p.superuser && p.ownedTables === 0 && p.truncatableTables === 0 && !p.mayCreate) return undefined;
  const what = p.superuser ? 'is a superuser' : p.ownedTables > 0 ? `owns ${p.ownedTables} of its tables` : p.truncatableTables > 0 ? 'may TRUNCATE its tables' : 'may create tables';
  return (
    `the server's database role "${p.role}" ${what}: its own credentials could switch off the write-once triggers or empty tables. ` +
    `Serve as a role that owns nothing (DATABASE_URL) and migrate with DATABASE_OWNER_URL (README) / ` +
    `服务器所用数据库角色 "${p.role}" 权限过大，可绕过只写一次的保护：请按 README 以无所有权的角色（DATABASE_URL）服务，以 DATABASE_OWNER_URL 执行迁移`
  );
}
