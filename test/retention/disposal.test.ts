/**
 * Disposal (issue 11 §5, 第十一、二十条) on the local store: a batch of due recordings proposed, self-approval
 * refused, the grace period with a restore, the approved deletion (derived file first, then the original)
 * leaving a tombstone and audit events; early deletion refused by the API, the CLI, the object store and SQL
 * as the serving role — each refusal through the application recorded as a 第二十条 event.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../src/platform/errors/error-catalog.ts';
import { syncObjectStore } from '../../src/modules/retention/retention.service.ts';
import { runFixityPass } from '../../src/modules/fixity/fixity.service.ts';
import { runCli } from '../support/cli.ts';
import { createTestApp, login, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { retentionTeam, setDisposalGrace } from '../support/retention-team.ts';
import { storedRecording } from './disposal-fixtures.ts';

let ctx: TestContext;
let team: Awaited<ReturnType<typeof retentionTeam>>['team'];
let leaderB: Session;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestApp();
  ({ team, leaderB, admin } = await retentionTeam(ctx));
});
afterAll(() => ctx.close());

const stored = (recordedStart: string) => storedRecording(ctx, { departmentId: team.dept.id, officerId: team.p1.id, uploadedBy: team.user.id, recordedStart });
/** Computes the dates of new recordings and extends the store's locks, as the retention.sync job does. */
const sync = async (ids: string[]) => {
  for (const id of ids) expect((await team.session.request('GET', `/api/recordings/${id}/retention`)).statusCode).toBe(200);
  while ((await syncObjectStore(ctx.deps)) > 0);
};
const grace = (days: number) => setDisposalGrace(admin, days);
const cli = (args: string[]) => runCli(['disposal', ...args], { DATABASE_URL: ctx.dbUrl, QUANLU_DATA_DIR: ctx.dataDir, QUANLU_LOG_LEVEL: 'silent' }, 120_000);
const refusals = (id: string) => ctx.db.selectFrom('audit_event').select(['details']).where('action', '=', 'retention.deletion_refused').where('target_id', '=', id).orderBy('seq').execute();
const batches = async () => (await team.session.request('GET', '/api/disposal/batches')).json().items as { id: string; state: string; items: { id: string; recordingId: string; state: string }[] }[];

describe('disposal of due recordings', () => {
  test('proposal, self-approval refused, approval, deletion of bytes (derived first), tombstone; early attempts refused', async () => {
    const old = await stored('2020-03-01T02:00:00Z');
    const fresh = await stored(new Date().toISOString());
    await sync([old.id, fresh.id]);
    // The fresh one's original is locked in the store until after its date (6 months from today).
    const lock = await ctx.deps.storage.lockState(fresh.originalKey);
    expect(lock!.retainUntil!.getTime()).toBeGreaterThan(Date.now() + 150 * 86_400_000);

    // API: naming a recording that is not due → 409, nothing proposed, a 第二十条 event.
    const early = await team.session.request('POST', '/api/disposal/batches', { recordingIds: [old.id, fresh.id] });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('RETENTION_NOT_DUE');
    expect(early.json().message).toContain('第二十条');
    expect(await refusals(fresh.id)).toMatchObject([{ details: { article: '第二十条', via: 'api' } }]);
    expect(await ctx.db.selectFrom('disposal_item').select('id').where('recording_id', 'in', [old.id, fresh.id]).execute()).toEqual([]);
    // An officer cannot propose at all.
    const officer = await makeUser(ctx.db, { roles: ['officer'], departmentId: team.dept.id });
    const o = await login(ctx.app, officer.username, officer.password);
    expect((await o.request('POST', '/api/disposal/batches', { recordingIds: [old.id] })).statusCode).toBe(403);
    // Bad input: not a uuid list → 400.
    expect((await team.session.request('POST', '/api/disposal/batches', { recordingIds: ['x'] })).statusCode).toBe(400);

    const p = await team.session.request('POST', '/api/disposal/batches', { recordingIds: [old.id] });
    expect(p.statusCode, p.body).toBe(201);
    const batchId = p.json().id as string;
    const self = await team.session.request('POST', `/api/disposal/batches/${batchId}/approve`);
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('RETENTION_SELF_APPROVAL');
    // Proposed twice: the recording is already in a batch.
    expect((await leaderB.request('POST', '/api/disposal/batches', { recordingIds: [old.id] })).json().code).toBe('RETENTION_NOT_DUE');

    await grace(0);
    const ok = await leaderB.request('POST', `/api/disposal/batches/${batchId}/approve`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await leaderB.request('POST', `/api/disposal/batches/${batchId}/approve`)).json().code).toBe('DISPOSAL_BATCH_DECIDED');

    // CLI naming the fresh recording: refused, exit 1, recorded; its bytes stay.
    const refused = await cli(['--recording', fresh.id]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('第二十条');
    expect((await refusals(fresh.id)).at(-1)).toMatchObject({ details: { article: '第二十条', via: 'cli:disposal' } });
    expect(await ctx.deps.storage.exists(fresh.originalKey)).toBe(true);
    // Bad input to the CLI.
    expect((await cli(['--recording', 'not-a-uuid'])).code).toBe(2);

    // The approved one: executed through the CLI.
    const run = await cli(['--recording', old.id]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(await ctx.deps.storage.exists(old.proxyKey)).toBe(false);
    expect(await ctx.deps.storage.exists(old.originalKey)).toBe(false);
    // The rows stay; the tombstone holds what was destroyed, why, and who approved.
    expect(await ctx.db.selectFrom('recording').select('id').where('id', '=', old.id).executeTakeFirst()).toEqual({ id: old.id });
    const t = await ctx.db.selectFrom('disposal_tombstone').selectAll().where('recording_id', '=', old.id).executeTakeFirstOrThrow();
    expect(t).toMatchObject({ original_sha256: old.originalKey, original_sm3: old.sm3, size_bytes: '4096', keep_until: '2020-09-01', basis: 'av_patrol', rule_version: 1, batch_id: batchId, proposed_by: team.user.id, executed_by: 'cli:disposal' });
    expect(t.derived).toEqual([{ kind: 'proxy', sha256: old.proxyKey, sm3: expect.any(String), sizeBytes: 1024 }]);
    const view = (await team.session.request('GET', `/api/recordings/${old.id}/retention`)).json();
    expect(view.disposedAt).not.toBeNull();
    const actions = await ctx.db.selectFrom('audit_event').select('action').where('target_id', 'in', [old.id, batchId]).where('action', 'like', 'retention.disposal.%').orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(['retention.disposal.propose', 'retention.disposal.approve', 'retention.disposal.execute', 'retention.disposal.deleted']);
    expect((await batches()).find((b) => b.id === batchId)).toMatchObject({ state: 'done', items: [{ recordingId: old.id, state: 'deleted' }] });
    // A full fixity pass afterwards: the destroyed bytes are not a `missing` alarm, and not counted as stored.
    const pass = await runFixityPass(ctx.deps, { scope: { kind: 'all' } });
    expect(pass.failures.map((f) => f.sha256).filter((k) => k === old.originalKey || k === old.proxyKey)).toEqual([]);
    expect(pass.orphans?.rowsWithoutFiles ?? []).not.toContain(old.originalKey);
    // A tombstone is final.
    await expect(sql`UPDATE disposal_tombstone SET basis = 'x' WHERE recording_id = ${old.id}`.execute(ctx.db)).rejects.toThrow();
    await expect(sql`DELETE FROM disposal_tombstone WHERE recording_id = ${old.id}`.execute(ctx.db)).rejects.toThrow();
  }, 300_000);

  test('the grace period: a leader restores an item; nothing is deleted before the period ends', async () => {
    await grace(7);
    const a = await stored('2019-05-01T02:00:00Z');
    const b = await stored('2019-05-02T02:00:00Z');
    await sync([a.id, b.id]);
    const p = await team.session.request('POST', '/api/disposal/batches', { recordingIds: [a.id, b.id] });
    expect(p.statusCode, p.body).toBe(201);
    expect((await leaderB.request('POST', `/api/disposal/batches/${p.json().id}/approve`)).statusCode).toBe(200);
    const batch = (await batches()).find((x) => x.id === p.json().id)!;
    expect(batch.state).toBe('in_grace');
    const itemA = batch.items.find((i) => i.recordingId === a.id)!;
    expect((await team.session.request('POST', `/api/disposal/items/${itemA.id}/restore`, { reason: '' })).statusCode).toBe(400);
    expect((await team.session.request('POST', `/api/disposal/items/${itemA.id}/restore`, { reason: '发现与投诉有关，暂缓销毁' })).statusCode).toBe(204);
    expect((await team.session.request('POST', `/api/disposal/items/${itemA.id}/restore`, { reason: '再次' })).json().code).toBe('DISPOSAL_ITEM_FINAL');
    // b is approved but in its grace period: the CLI refuses it.
    expect((await cli(['--recording', b.id])).code).toBe(1);
    for (const k of [a.originalKey, a.proxyKey, b.originalKey, b.proxyKey]) expect(await ctx.deps.storage.exists(k)).toBe(true);
    expect((await batches()).find((x) => x.id === p.json().id)!.items.find((i) => i.recordingId === a.id)!.state).toBe('restored');
  }, 300_000);

  test('the store refuses an early deletion; SQL as the serving role cannot delete or forge a disposal', async () => {
    const r = await stored(new Date().toISOString());
    await sync([r.id]);
    await expect(ctx.deps.storage.deleteForDisposal(r.originalKey)).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'RETENTION_DELETE_REFUSED');
    expect(await ctx.deps.storage.exists(r.originalKey)).toBe(true);
    // The serving role: no DELETE of recordings or originals.
    await expect(sql`DELETE FROM recording WHERE id = ${r.id}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM original WHERE sha256 = ${r.originalKey}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    // Forging the disposal rows: a batch approved by someone else with no grace, an item, then the tombstone.
    const b = await ctx.db.insertInto('disposal_batch').values({ proposed_by: team.user.id }).returning('id').executeTakeFirstOrThrow();
    const other = await makeUser(ctx.db, { roles: ['leader'] });
    await sql`UPDATE disposal_batch SET approved_by = ${other.id}, approved_at = now(), grace_until = now() WHERE id = ${b.id}`.execute(ctx.db);
    const item = await ctx.db.insertInto('disposal_item').values({ batch_id: b.id, recording_id: r.id, keep_until: '2000-01-01', basis: 'av_patrol' }).returning('id').executeTakeFirstOrThrow();
    await expect(sql`UPDATE disposal_item SET state = 'deleting' WHERE id = ${item.id}`.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    const forge = sql`INSERT INTO disposal_tombstone (recording_id, item_id, batch_id, original_sha256, original_sm3, size_bytes, file_name, metadata, derived, keep_until, basis, rule_version, proposed_at, approved_by, approved_at, grace_until, executed_by)
      VALUES (${r.id}, ${item.id}, ${b.id}, ${r.originalKey}, ${r.sm3}, 1, 'x', '{}', '[]', '2000-01-01', 'av_patrol', 1, now(), ${other.id}, now(), now(), 'sql')`;
    await expect(forge.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    // Even after rewriting the computed date, the gate checks the recording's own period from the source.
    await sql`UPDATE recording_retention SET keep_until = '2000-01-01' WHERE recording_id = ${r.id}`.execute(ctx.db);
    await expect(forge.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    await expect(sql`UPDATE recording_retention SET disposed_at = now() WHERE recording_id = ${r.id}`.execute(ctx.db)).rejects.toThrow(/QUANLU_DISPOSAL_REFUSED/);
    await expect(sql`DELETE FROM disposal_item WHERE id = ${item.id}`.execute(ctx.db)).rejects.toThrow();
    // The executor, run over this forged item, is refused by the gate and records it.
    const { executeDue } = await import('../../src/modules/retention/disposal.service.ts');
    const res = await executeDue(ctx.deps, { actor: { kind: 'system', label: 'test' }, label: 'test' });
    expect(res.deleted).toBe(0);
    expect(await ctx.deps.storage.exists(r.originalKey)).toBe(true);
  }, 120_000);
});
