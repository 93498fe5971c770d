/**
 * Disposal of case files (issue 11 §5, 第十一、二十条): which case files a batch may name (a literal table of
 * states), self-approval refused, a restore in the grace period, an executed disposal that deletes the
 * stored documents and built PDFs and leaves a tombstone (in the audit chain too), and early deletion
 * refused by the API, the CLI and SQL as the serving role. Real PostgreSQL, real store folder, real PDFs.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executeDue, proposeBatch } from '../../src/modules/retention/disposal.service.ts';
import { runCli } from '../support/cli.ts';
import { createTestApp, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { retentionTeam, setDisposalGrace } from '../support/retention-team.ts';
import { makePdf, uploadDocument } from '../case-files/case-file-fixtures.ts';
import { archivedCases } from './archived-cases.ts';

let ctx: TestContext;
let team: Awaited<ReturnType<typeof retentionTeam>>['team'];
let leaderB: Session;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestApp();
  // The cases here were handled decades ago: their officers passed the exam before then (第七条 is checked).
  ({ team, leaderB, admin } = await retentionTeam(ctx, { fondsNumber: 'F001', examPassedOn: '1980-01-01' }));
});
afterAll(() => ctx.close());

const s = () => team.session;
const cases = () => archivedCases(ctx, team);
const rec = (recordedStart: string) => cases().rec(recordedStart);
const move = (caseId: string, to: string, on: string, reason?: string) => cases().move(caseId, to, on, reason);
const simpleCase = (closedOn: string, o: { archived?: boolean; linked?: string } = {}) => cases().simpleCase(closedOn, o);
const generalArchived = () => cases().generalArchived();
const archive = (caseId: string) => cases().archive(caseId);

/** The 永久 case file of the table (the sweep test checks it again). */
let permanentCase: string | undefined;

const propose = (caseIds: string[], who: Session = s()) => who.request('POST', '/api/disposal/batches', { caseIds });
const grace = (days: number) => setDisposalGrace(admin, days);
const cli = (args: string[]) => runCli(['disposal', ...args], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' }, 120_000);
const refusals = (id: string) => ctx.db.selectFrom('audit_event').select(['details']).where('action', '=', 'retention.deletion_refused').where('target_id', '=', id).orderBy('seq').execute();
const keysOf = (caseId: string) => cases().keysOf(caseId);
const itemOf = async (batchId: string, caseId: string) => {
  const b = ((await s().request('GET', '/api/disposal/batches')).json().items as { id: string; state: string; items: { id: string; caseId: string | null; subjectType: string; state: string }[] }[]).find((x) => x.id === batchId)!;
  return { batch: b, item: b.items.find((i) => i.caseId === caseId)! };
};

describe('which case files a batch may name (第十一条)', () => {
  // state of the case file | expected: proposed (201) or refused (409 RETENTION_NOT_DUE, recorded 第二十条)
  const table: [string, 'proposed' | 'refused', () => Promise<string>][] = [
    ['simple procedure closed 1994-03-01, archived (kept through 2024-12-31)', 'proposed', () => simpleCase('1994-03-01')],
    ['simple, closed 1994, archived, its one linked patrol recording due with it', 'proposed', async () => simpleCase('1994-04-01', { linked: await rec('1994-04-01T02:00:00Z') })],
    ['simple, closed 2020-06-01, archived (kept through 2050-12-31)', 'refused', () => simpleCase('2020-06-01')],
    ['simple, closed 1994, not archived (no date yet)', 'refused', () => simpleCase('1994-05-01', { archived: false })],
    ['general procedure closed 1994, archived: 永久', 'refused', async () => (permanentCase = await generalArchived())],
    [
      'simple, closed 1994, archived, a leader’s legal hold on the case file',
      'refused',
      async () => {
        const id = await simpleCase('1994-06-01');
        expect((await s().request('POST', '/api/retention/holds', { subjectType: 'case_file', subjectId: id, reason: '行政诉讼中，法律保全' })).statusCode).toBe(201);
        return id;
      },
    ],
    [
      'simple, closed 1994, archived, a linked recording on legal hold (kept longer)',
      'refused',
      async () => {
        const r = await rec('1994-07-01T02:00:00Z');
        const id = await simpleCase('1994-07-01', { linked: r });
        expect((await s().request('POST', '/api/retention/holds', { subjectType: 'recording', subjectId: r, reason: '当事人信访，法律保全' })).statusCode).toBe(201);
        return id;
      },
    ],
    [
      'simple, closed 1994 then reopened (not closed, held again)',
      'refused',
      async () => {
        const id = await simpleCase('1994-08-01', { archived: false });
        await move(id, 'filing', '1994-08-02', '当事人申诉，重新调查');
        return id;
      },
    ],
  ];
  test.each(table)('%s → %s', async (_state, expected, make) => {
    const id = await make();
    const res = await propose([id]);
    if (expected === 'proposed') {
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().items).toBe(1);
      expect(await refusals(id)).toEqual([]);
    } else {
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().code).toBe('RETENTION_NOT_DUE');
      expect(res.json().message).toContain('第二十条');
      expect(await refusals(id)).toMatchObject([{ details: { article: '第二十条', via: 'api' } }]);
      expect(await ctx.db.selectFrom('disposal_item').select('id').where('case_id', '=', id).execute()).toEqual([]);
    }
  }, 120_000);
});

describe('the disposal of a case file', () => {
  test('self-approval refused; restored in the grace period; the CLI refuses it meanwhile', async () => {
    await grace(7);
    const id = await simpleCase('1993-03-01');
    const p = await propose([id]);
    expect(p.statusCode, p.body).toBe(201);
    const batchId = p.json().id as string;
    // Proposed twice: already in a batch.
    expect((await propose([id], leaderB)).json().code).toBe('RETENTION_NOT_DUE');
    const self = await s().request('POST', `/api/disposal/batches/${batchId}/approve`);
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('RETENTION_SELF_APPROVAL');
    expect((await leaderB.request('POST', `/api/disposal/batches/${batchId}/approve`)).statusCode).toBe(200);
    const { batch, item } = await itemOf(batchId, id);
    expect(batch.state).toBe('in_grace');
    expect(item).toMatchObject({ subjectType: 'case_file', state: 'proposed' });
    // In the grace period the CLI refuses, exit 1, and the attempt is recorded.
    const early = await cli(['--case', id]);
    expect(early.code, early.stderr).toBe(1);
    expect(early.stderr).toContain('第二十条');
    expect((await refusals(id)).at(-1)).toMatchObject({ details: { article: '第二十条', via: 'cli:disposal' } });
    expect((await cli(['--case', 'not-a-uuid'])).code).toBe(2);
    const restored = await leaderB.request('POST', `/api/disposal/items/${item.id}/restore`, { reason: '档案部门要求延长保管，暂缓销毁' });
    expect(restored.statusCode, restored.body).toBe(204);
    expect((await itemOf(batchId, id)).item.state).toBe('restored');
    const keys = await keysOf(id);
    for (const k of [...keys.documents, ...keys.builds]) expect(await ctx.deps.storage.exists(k)).toBe(true);
    const audit = await ctx.db.selectFrom('audit_event').select('action').where('target_id', '=', id).where('action', '=', 'retention.disposal.restore').execute();
    expect(audit).toHaveLength(1);
  }, 120_000);

  test('approved, grace over: the documents and built PDFs are deleted, the tombstone and audit events stay', async () => {
    await grace(0);
    const id = await simpleCase('1992-09-15');
    const keys = await keysOf(id);
    expect(keys.documents).toHaveLength(1);
    expect(keys.builds).toHaveLength(1);
    const p = await propose([id]);
    expect(p.statusCode, p.body).toBe(201);
    const batchId = p.json().id as string;
    expect((await leaderB.request('POST', `/api/disposal/batches/${batchId}/approve`)).statusCode).toBe(200);
    // Executed as the daily job does (the CLI runs the same executeDue; its refusals are tested above).
    expect(await executeDue(ctx.deps, { actor: { kind: 'system', label: 'job:retention.daily' }, label: 'job:retention.daily' }, { caseId: id })).toMatchObject({ deleted: 1, refused: 0 });
    for (const k of [...keys.documents, ...keys.builds]) expect(await ctx.deps.storage.exists(k)).toBe(false);
    // The rows stay: the case and its document rows (metadata, hashes).
    expect(await ctx.db.selectFrom('case_document').select('sha256').where('case_id', '=', id).execute()).toEqual([{ sha256: keys.documents[0] }]);
    const t = await ctx.db.selectFrom('case_file_tombstone').selectAll().where('case_id', '=', id).executeTakeFirstOrThrow();
    expect(t).toMatchObject({ keep_until: '2022-12-31', basis: 'case_file_simple', rule_version: 1, batch_id: batchId, proposed_by: team.user.id, executed_by: 'job:retention.daily' });
    expect(t.archive_number).toMatch(/^1992\d{4}$/);
    expect(t.metadata).toMatchObject({ procedure: 'simple', closedOn: '1992-09-15', retentionCode: 'D30', retainUntil: '2023-01-01' });
    expect(t.files).toEqual([
      expect.objectContaining({ kind: 'case_file_pdf', sha256: keys.builds[0], sm3: expect.stringMatching(/^[0-9a-f]{64}$/), destroy: true }),
      expect.objectContaining({ kind: 'document', sha256: keys.documents[0], title: '当场行政处罚决定书', destroy: true }),
    ]);
    const view = (await s().request('GET', `/api/cases/${id}/retention`)).json();
    expect(view.disposedAt).not.toBeNull();
    // Its files are no longer served: a clear 410, not a 500.
    const docId = (await ctx.db.selectFrom('case_document').select('id').where('case_id', '=', id).executeTakeFirstOrThrow()).id;
    const gone = await s().request('GET', `/api/cases/${id}/documents/${docId}/content`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('CASE_FILE_DISPOSED');
    const buildId = (await ctx.db.selectFrom('case_file_build').select('id').where('case_id', '=', id).executeTakeFirstOrThrow()).id;
    expect((await s().request('GET', `/api/cases/${id}/case-file/builds/${buildId}/pdf`)).statusCode).toBe(410);
    const actions = await ctx.db.selectFrom('audit_event').select(['action', 'details']).where('target_id', 'in', [id, batchId]).where('action', 'like', 'retention.disposal.%').orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(['retention.disposal.propose', 'retention.disposal.approve', 'retention.disposal.execute', 'retention.disposal.deleted']);
    expect(actions[2]!.details).toMatchObject({ files: [{ sha256: keys.builds[0] }, { sha256: keys.documents[0] }] });
    expect((await itemOf(batchId, id)).batch).toMatchObject({ state: 'done', items: [{ caseId: id, state: 'deleted' }] });
    // Final: the tombstone and the disposal mark cannot be changed; the date is never recomputed again.
    await expect(sql`UPDATE case_file_tombstone SET basis = 'x' WHERE case_id = ${id}`.execute(ctx.db)).rejects.toThrow();
    await expect(sql`DELETE FROM case_file_tombstone WHERE case_id = ${id}`.execute(ctx.db)).rejects.toThrow();
    await expect(sql`UPDATE case_retention SET disposed_at = NULL WHERE case_id = ${id}`.execute(ctx.db)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
  }, 120_000);

  test('a document also serving another case keeps its bytes (the tombstone says so)', async () => {
    await grace(0);
    const bytes = await makePdf(1, 'SHARED-SCAN');
    const a = await simpleCase('1991-02-01', { archived: false });
    const b = await simpleCase('2021-02-01', { archived: false });
    for (const id of [a, b]) {
      const up = await uploadDocument(s(), id, bytes, { type: 'other', title: '现场照片说明', date: id === a ? '1991-02-01' : '2021-02-01' });
      expect(up.statusCode, up.body).toBe(201);
      await archive(id);
    }
    const shared = (await ctx.db.selectFrom('case_document').select('sha256').where('case_id', '=', a).where('title', '=', '现场照片说明').executeTakeFirstOrThrow()).sha256;
    const p = await propose([a]);
    expect((await leaderB.request('POST', `/api/disposal/batches/${p.json().id}/approve`)).statusCode).toBe(200);
    expect(await executeDue(ctx.deps, { actor: { kind: 'system', label: 'test' }, label: 'test' }, { caseId: a })).toMatchObject({ deleted: 1 });
    expect(await ctx.deps.storage.exists(shared)).toBe(true);
    const t = await ctx.db.selectFrom('case_file_tombstone').select('files').where('case_id', '=', a).executeTakeFirstOrThrow();
    expect((t.files as { sha256: string; destroy: boolean }[]).filter((f) => f.sha256 === shared)).toEqual([expect.objectContaining({ destroy: false })]);
  }, 120_000);
});

describe('early deletion of a case file', () => {
  test('SQL as the serving role cannot delete its rows or forge its disposal', async () => {
    const id = await simpleCase('2019-05-01');
    const keys = await keysOf(id);
    await expect(sql`DELETE FROM case_document WHERE case_id = ${id}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM case_file_build WHERE case_id = ${id}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM case_retention WHERE case_id = ${id}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`UPDATE case_retention SET disposed_at = now() WHERE case_id = ${id}`.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    // Forging the rows: a batch approved by someone else with no grace, an item, then the tombstone.
    const other = await makeUser(ctx.db, { roles: ['leader'] });
    const b = await ctx.db.insertInto('disposal_batch').values({ proposed_by: team.user.id }).returning('id').executeTakeFirstOrThrow();
    await sql`UPDATE disposal_batch SET approved_by = ${other.id}, approved_at = now(), grace_until = now() WHERE id = ${b.id}`.execute(ctx.db);
    const item = await ctx.db.insertInto('disposal_item').values({ batch_id: b.id, case_id: id, keep_until: '2000-01-01', basis: 'case_file_simple' }).returning('id').executeTakeFirstOrThrow();
    // An item naming both a recording and a case file is refused.
    const r = await rec('2019-05-01T02:00:00Z');
    await expect(ctx.db.insertInto('disposal_item').values({ batch_id: b.id, case_id: id, recording_id: r, keep_until: '2000-01-01', basis: 'x' }).execute()).rejects.toThrow(/disposal_item_one_subject/);
    await expect(sql`UPDATE disposal_item SET state = 'deleting' WHERE id = ${item.id}`.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    const forge = sql`INSERT INTO case_file_tombstone (case_id, item_id, batch_id, case_number, archive_number, dossier_code, metadata, files, keep_until, basis, rule_version, proposed_at, approved_by, approved_at, grace_until, executed_by)
      VALUES (${id}, ${item.id}, ${b.id}, 'x', '20190001', 'x', '{}', '[]', '2000-01-01', 'case_file_simple', 1, now(), ${other.id}, now(), now(), 'sql')`;
    await expect(forge.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    // Even after rewriting the computed date, the gate checks the archived cover and the table from the source.
    await sql`UPDATE case_retention SET keep_until = '2000-01-01' WHERE case_id = ${id}`.execute(ctx.db);
    await expect(forge.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    // The executor over the forged item re-checks, finds it not due and keeps it (restored, audited).
    await expect(executeDue(ctx.deps, { actor: { kind: 'system', label: 'test' }, label: 'test' }, { caseId: id })).rejects.toMatchObject({ code: 'DISPOSAL_NOT_APPROVED' });
    expect(await ctx.db.selectFrom('disposal_item').select('state').where('id', '=', item.id).executeTakeFirstOrThrow()).toEqual({ state: 'restored' });
    for (const k of [...keys.documents, ...keys.builds]) expect(await ctx.deps.storage.exists(k)).toBe(true);
    expect((await ctx.db.selectFrom('case_retention').select('keep_until').where('case_id', '=', id).executeTakeFirstOrThrow()).keep_until).toBe('2049-12-31');
  }, 120_000);

  test('the daily sweep proposes due case files with due recordings, never a 永久 one', async () => {
    const due = await simpleCase('1990-01-10');
    const forever = permanentCase ?? (await generalArchived());
    const b = await proposeBatch(ctx.deps, null);
    const items = await ctx.db.selectFrom('disposal_item').select(['case_id']).where('batch_id', '=', b.id).where('case_id', 'is not', null).execute();
    expect(items.map((i) => i.case_id)).toContain(due);
    expect(items.map((i) => i.case_id)).not.toContain(forever);
  }, 120_000);
});
