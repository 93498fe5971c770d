/**
 * Party ID numbers (issue 9 §1): encrypted at rest with a key outside the database (AES-256-GCM, key file
 * 0600 in <data>/keys), masked in the API, revealed only with the permission, each reveal audited.
 */
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, login, makeUser, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam, RESIDENT_ID, type CaseBody } from './case-fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

const revealEvents = async (caseId: string) =>
  (await ctx.db.selectFrom('audit_event').select('details').where('target_id', '=', caseId).where('action', '=', 'case.party.reveal').execute()).map((e) => e.details);

describe('party ID numbers', () => {
  test('the key lives in the data folder (0600), the table and the audit log hold no plaintext', async () => {
    const keyFile = path.join(ctx.dataDir, 'keys', 'party-id-aes256gcm.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(keyFile))).mode & 0o777).toBe(0o700);
    expect(Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'base64').length).toBe(32);

    const { dept, p1, p2, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    // Every column of the row, as text (bytea as hex and as escaped bytes): no plaintext, not even its middle.
    const rows = (await sql<{ t: string; raw: string }>`SELECT row_to_json(p)::text AS t, encode(p.id_ciphertext, 'escape') AS raw FROM case_party p WHERE case_id = ${c.id}`.execute(ctx.ownerDb)).rows;
    expect(rows.length).toBe(1);
    for (const r of rows) {
      expect(r.t).not.toContain(RESIDENT_ID);
      expect(r.t).not.toContain('19900101');
      expect(r.raw).not.toContain('19900101');
      expect(r.t).toContain('3201**********1234');
    }
    const plainHex = Buffer.from(RESIDENT_ID).toString('hex');
    const hexRow = (await sql<{ h: string }>`SELECT encode(id_ciphertext, 'hex') AS h FROM case_party WHERE case_id = ${c.id}`.execute(ctx.db)).rows[0]!;
    expect(hexRow.h).not.toContain(plainHex);
    // The audit log of the filing names the party by its masked number only.
    const created = await sql<{ t: string }>`SELECT details::text AS t FROM audit_event WHERE target_id = ${c.id}`.execute(ctx.db);
    for (const e of created.rows) expect(e.t).not.toContain(RESIDENT_ID);
    // The API shows the masked form; the full number nowhere in the body.
    const res = await session.request('GET', `/api/cases/${c.id}`);
    expect(res.body).not.toContain(RESIDENT_ID);
    expect((res.json() as CaseBody).parties[0]!.idMasked).toBe('3201**********1234');
  });

  test('revealed with the permission and audited with the reason; refused without it (nothing audited)', async () => {
    const { dept, p1, p2, session: leader } = await makeTeam(ctx);
    const c = await fileCase(leader, generalCase(dept.id, [p1.id, p2.id]));
    const partyId = c.parties[0]!.id;
    const url = `/api/cases/${c.id}/parties/${partyId}/reveal`;

    const ok = await leader.request('POST', url, { reason: '制作处罚决定书' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ partyId, idNumber: RESIDENT_ID });
    expect(await revealEvents(c.id)).toEqual([{ partyId, name: '王某某', idMasked: '3201**********1234', reason: '制作处罚决定书' }]);

    // The handling officer (own case) may; another officer of the department reads the case but may not reveal.
    const handling = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: p1.id });
    const handlingS = await login(ctx.app, handling.username, handling.password);
    expect((await handlingS.request('POST', url, { reason: '送达前核对' })).statusCode).toBe(200);
    const colleague = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id });
    const colleagueS = await login(ctx.app, colleague.username, colleague.password);
    expect((await colleagueS.request('GET', `/api/cases/${c.id}`)).statusCode).toBe(200);
    const refused = await colleagueS.request('POST', url, { reason: '好奇' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain(RESIDENT_ID);
    // Roles without the permission at all: custodian, admin, auditor.
    for (const role of ['custodian', 'admin', 'auditor'] as const) {
      const u = await makeUser(ctx.db, { roles: [role], departmentId: dept.id });
      const s = await login(ctx.app, u.username, u.password);
      const r = await s.request('POST', url, { reason: '查看' });
      expect(r.statusCode, role).toBe(403);
      expect(r.body).not.toContain(RESIDENT_ID);
    }
    // A leader of another department: the case is out of reach → 404.
    const other = await makeTeam(ctx);
    expect((await other.session.request('POST', url, { reason: '查看' })).statusCode).toBe(404);
    // A reason is required.
    expect((await leader.request('POST', url, {})).statusCode).toBe(400);
    // Only the two allowed reveals were audited.
    expect((await revealEvents(c.id)).length).toBe(2);
    // A wrong party id on the right case is 404.
    expect((await leader.request('POST', `/api/cases/${c.id}/parties/${c.id}/reveal`, { reason: '查看' })).statusCode).toBe(404);
  });

  test('a ciphertext copied onto another party does not decrypt (bound to its row)', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    const added = await session.request('POST', `/api/cases/${c.id}/parties`, { kind: 'organisation', name: '某某商贸有限公司', idType: 'credit_code', idNumber: '91130100MA0XXXXX1Q', representative: '赵某' });
    expect(added.statusCode).toBe(201);
    const [a, b] = (added.json() as CaseBody).parties;
    expect(b!.idMasked).toBe('9113**********XX1Q');
    await sql`UPDATE case_party SET id_ciphertext = (SELECT id_ciphertext FROM case_party WHERE id = ${a!.id}) WHERE id = ${b!.id}`.execute(ctx.db);
    const cipherHex = (await sql<{ h: string }>`SELECT encode(id_ciphertext, 'hex') AS h FROM case_party WHERE id = ${b!.id}`.execute(ctx.db)).rows[0]!.h;
    const res = await session.request('POST', `/api/cases/${c.id}/parties/${b!.id}/reveal`, { reason: '核对' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('PARTY_ID_UNREADABLE');
    expect(res.json().message).toContain('完整性校验');
    expect(res.body).not.toContain(RESIDENT_ID);
    expect(res.body).not.toContain(cipherHex.slice(0, 24));
    // The case itself stays readable, the party with its masked number.
    const view = await session.request('GET', `/api/cases/${c.id}`);
    expect(view.statusCode).toBe(200);
    expect((view.json() as CaseBody).parties.map((p) => p.idMasked)).toEqual(['3201**********1234', '9113**********XX1Q']);
    // One audit event for the failed attempt, naming the cause, never the ciphertext.
    const failed = await sql<{ details: Record<string, unknown>; t: string }>`SELECT details, details::text AS t FROM audit_event WHERE target_id = ${c.id} AND action = 'case.party.reveal.failed'`.execute(ctx.db);
    expect(failed.rows.length).toBe(1);
    expect(failed.rows[0]!.details).toMatchObject({ partyId: b!.id, idMasked: '9113**********XX1Q', reason: '核对', cause: 'integrity' });
    expect(failed.rows[0]!.t).not.toContain(cipherHex.slice(0, 24));
    expect(await revealEvents(c.id)).toEqual([]);
  });

  test('a number encrypted under another key: 503 telling the admin to restore the key file (zh and en), case readable, attempt audited once', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    const partyId = c.parties[0]!.id;
    await sql`UPDATE case_party SET id_key_id = '00000000deadbeef' WHERE id = ${partyId}`.execute(ctx.db);
    const url = `/api/cases/${c.id}/parties/${partyId}/reveal`;
    const zh = await session.request('POST', url, { reason: '核对' });
    expect(zh.statusCode).toBe(503);
    expect(zh.json().code).toBe('PARTY_KEY_UNAVAILABLE');
    expect(zh.json().message).toContain('00000000deadbeef');
    expect(zh.json().message).toContain('请系统管理员从备份恢复原密钥文件');
    expect(zh.body).not.toContain(RESIDENT_ID);
    const en = await session.request('POST', url, { reason: 'check' }, { 'accept-language': 'en' });
    expect(en.statusCode).toBe(503);
    expect(en.json().message).toContain('An administrator must restore the original key file from backup');
    const view = await session.request('GET', `/api/cases/${c.id}`);
    expect(view.statusCode).toBe(200);
    expect((view.json() as CaseBody).parties[0]!.idMasked).toBe('3201**********1234');
    const failed = (await ctx.db.selectFrom('audit_event').select('details').where('target_id', '=', c.id).where('action', '=', 'case.party.reveal.failed').orderBy('seq').execute()).map((e) => e.details);
    expect(failed).toEqual([
      { partyId, name: '王某某', idMasked: '3201**********1234', reason: '核对', cause: 'key-mismatch', rowKeyId: '00000000deadbeef', nodeKeyId: expect.stringMatching(/^[0-9a-f]{16}$/) },
      { partyId, name: '王某某', idMasked: '3201**********1234', reason: 'check', cause: 'key-mismatch', rowKeyId: '00000000deadbeef', nodeKeyId: expect.stringMatching(/^[0-9a-f]{16}$/) },
    ]);
  });
});
