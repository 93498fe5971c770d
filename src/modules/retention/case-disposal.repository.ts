import { sql } from 'kysely';
import type { DbOrTx } from '../../platform/db/database.ts';

/** 案卷销毁 SQL (0025): which case files are due, what their tombstone keeps, which bytes may go. */

/**
 * Case files due for disposal (第十一条, mirroring dueRecordings): kept through a date before today (Beijing),
 * not disposed, the case closed, not held (a leader's legal hold or a reopened case on the file; a held file
 * has no date anyway), not in a live batch item, and no recording linked to the case still kept beyond today
 * (held, preserved, 永久, serving another case, or not computed yet). With `ids`, only those cases.
 */
export async function dueCases(db: DbOrTx, today: string, ids?: readonly string[], o: { queued?: boolean } = {}) {
  let q = db
    .selectFrom('case_retention as cr')
    .innerJoin('enforcement_case as ec', 'ec.id', 'cr.case_id')
    .select(['cr.case_id', 'cr.keep_until', 'cr.basis'])
    .where('cr.keep_until', '<', today)
    .where('cr.disposed_at', 'is', null)
    .where('ec.status', '=', 'closed')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('retention_hold as h').select('h.id').where('h.subject_type', '=', 'case_file').whereRef('h.subject_id', '=', 'cr.case_id').where('h.released_at', 'is', null))),
    )
    .where(({ not, exists, selectFrom, eb }) =>
      not(
        exists(
          selectFrom('case_recording_link as l')
            .leftJoin('recording_retention as rr', 'rr.recording_id', 'l.recording_id')
            .select('l.id')
            .whereRef('l.case_id', '=', 'cr.case_id')
            .where('l.unlinked_at', 'is', null)
            .where((w) => w.or([w('rr.recording_id', 'is', null), w.and([w('rr.disposed_at', 'is', null), w.or([w('rr.keep_until', 'is', null), w('rr.keep_until', '>=', today)])])])),
        ),
      ),
    );
  // `queued`: the executor re-checking an item of its own batch.
  if (!o.queued) q = q.where(({ not, exists, selectFrom }) => not(exists(selectFrom('disposal_item as i').select('i.id').whereRef('i.case_id', '=', 'cr.case_id').where('i.state', '<>', 'restored'))));
  if (ids) q = q.where('cr.case_id', 'in', ids.length ? ids : ['00000000-0000-0000-0000-000000000000']);
  return q.orderBy('cr.keep_until').orderBy('cr.case_id').limit(10_000).execute();
}

/** What a case file's tombstone keeps: the case, its archiving, its computed date and every stored file. */
export async function caseForTombstone(db: DbOrTx, caseId: string) {
  const c = await db
    .selectFrom('enforcement_case as ec')
    .innerJoin('case_retention as cr', 'cr.case_id', 'ec.id')
    .leftJoin('case_archive as ca', 'ca.case_id', 'ec.id')
    .select([
      'ec.id', 'ec.case_number', 'ec.cause', 'ec.act_kind', 'ec.procedure', 'ec.coercive_measures', 'ec.department_id', 'ec.filed_on', 'ec.closed_on',
      'ca.archive_number', 'ca.dossier_code', 'ca.retention_code', 'ca.retain_until', 'ca.archived_at', 'ca.archived_by',
      'cr.keep_until', 'cr.basis', 'cr.rule_version', 'cr.disposed_at',
    ])
    .where('ec.id', '=', caseId)
    .executeTakeFirst();
  if (!c) return undefined;
  const documents = await db
    .selectFrom('case_document as d')
    .innerJoin('original as o', 'o.sha256', 'd.sha256')
    .select(['d.id', 'd.doc_type', 'd.doc_number', 'd.title', 'd.doc_date', 'd.page_count', 'd.file_name', 'd.sha256', 'o.sm3', 'o.size_bytes'])
    .where('d.case_id', '=', caseId)
    .orderBy('d.uploaded_at')
    .orderBy('d.id')
    .execute();
  const builds = await db
    .selectFrom('case_file_build as b')
    .innerJoin('derived_object as o', 'o.sha256', 'b.sha256')
    .select(['b.id', 'b.final', 'b.built_at', 'b.total_pages', 'b.sha256', 'o.sm3', 'o.size_bytes'])
    .where('b.case_id', '=', caseId)
    .orderBy('b.built_at')
    .orderBy('b.id')
    .execute();
  return { ...c, documents, builds };
}

/**
 * Of these keys, those whose bytes still serve another record, which must keep them (the store is content
 * addressed, so the same scan may be a document of another case, or an original of a recording): a recording
 * not disposed, or a document or built PDF of another case file not disposed.
 */
export async function keysStillServing(db: DbOrTx, caseId: string, keys: readonly string[]): Promise<Set<string>> {
  if (!keys.length) return new Set();
  const r = await sql<{ sha256: string }>`
    SELECT r.original_sha256 AS sha256 FROM recording r LEFT JOIN recording_retention rr ON rr.recording_id = r.id
      WHERE r.original_sha256 = ANY(${[...keys]}::text[]) AND rr.disposed_at IS NULL
    UNION
    SELECT d.sha256 FROM derived_object d JOIN recording r ON r.original_sha256 = d.original_sha256 LEFT JOIN recording_retention rr ON rr.recording_id = r.id
      WHERE d.sha256 = ANY(${[...keys]}::text[]) AND rr.disposed_at IS NULL
    UNION
    SELECT x.sha256 FROM (SELECT case_id, sha256 FROM case_document UNION ALL SELECT case_id, sha256 FROM case_file_build) x
      LEFT JOIN case_retention cr ON cr.case_id = x.case_id
      WHERE x.sha256 = ANY(${[...keys]}::text[]) AND x.case_id <> ${caseId}::uuid AND cr.disposed_at IS NULL`.execute(db);
  return new Set(r.rows.map((x) => x.sha256));
}

export async function insertCaseTombstone(db: DbOrTx, t: Record<string, unknown>) {
  await sql`INSERT INTO case_file_tombstone ${sql.raw('(' + Object.keys(t).join(', ') + ')')} VALUES (${sql.join(Object.values(t))})`.execute(db);
}

export async function markCaseDisposed(db: DbOrTx, caseId: string) {
  await db.updateTable('case_retention').set({ disposed_at: sql<Date>`now()` }).where('case_id', '=', caseId).execute();
}

export async function caseTombstone(db: DbOrTx, caseId: string) {
  return db.selectFrom('case_file_tombstone').selectAll().where('case_id', '=', caseId).executeTakeFirst();
}

/** When a case file was disposed of (undefined: it was not). */
export async function caseDisposedAt(db: DbOrTx, caseId: string): Promise<Date | undefined> {
  const r = await db.selectFrom('case_retention').select('disposed_at').where('case_id', '=', caseId).executeTakeFirst();
  return r?.disposed_at ?? undefined;
}
