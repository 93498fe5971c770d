/**
 * Scope and custody findings of issue 6, attacked as an outsider would (items 2, 4, 5, 6). The role ×
 * action table itself is test/security/access-spec.test.ts; here each finding is replayed with what it
 * changed, wrote or told.
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { insertOriginal, insertRecording } from '../../src/modules/recordings/recordings.repository.ts';
import { settingsRegistry } from '../../src/modules/settings/settings.registry.ts';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, loginAs, makeDepartment, makePerson, makeRecording, type Session, type TestContext } from '../support/harness.ts';

let ctx: TestContext;
let X: string;
let A: string;
let B: string;
beforeAll(async () => {
  ctx = await createTestApp();
  X = (await makeDepartment(ctx.db, { kind: 'bureau', name: '商务综合执法支队' })).id;
  A = (await makeDepartment(ctx.db, { parentId: X, name: '一大队' })).id;
  B = (await makeDepartment(ctx.db, { parentId: X, name: '二大队' })).id;
});
afterAll(() => ctx.close());

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
/** What a caller learns from an answer: its status and body without the request id. */
const seen = (r: LightMyRequestResponse) => {
  const { requestId: _, ...body } = r.json() as Record<string, unknown>;
  return { status: r.statusCode, body };
};
const count = async (table: 'recording_time_correction' | 'audit_event' | 'offload_receipt' | 'upload') =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.db)).rows[0]!.n);
const b64 = (v: string) => Buffer.from(v).toString('base64');
const createUpload = (s: Session, meta: Record<string, unknown>) =>
  s.request('POST', '/api/uploads', undefined, {
    'tus-resumable': '1.0.0',
    'upload-length': '10',
    'upload-metadata': `filename ${b64('a.mp4')},metadata ${b64(JSON.stringify({ recordedStart: '2026-03-10T01:00:00Z', activity: 'patrol', partyInformed: 'not_applicable', ...meta }))}`,
  });

describe('item 2: combining roles never widens a write', () => {
  for (const roles of [['officer', 'auditor'], ['officer', 'supervisor'], ['leader', 'auditor']] as const) {
    test(`${roles.join(' + ')} of 一大队 reads 二大队's recording but cannot change it or upload there`, async () => {
      const me = await makePerson(ctx.db, { departmentId: A });
      const pB = await makePerson(ctx.db, { departmentId: B });
      const { session } = await loginAs(ctx, [...roles], { departmentId: A, personId: me.id });
      const custodianB = (await loginAs(ctx, ['custodian'], { departmentId: B })).user.id;
      const rec = await makeRecording(ctx.db, { departmentId: B, officerIds: [pB.id], uploadedBy: custodianB, recordedStart: '2026-03-10T01:00:00Z', notes: '原始备注' });
      expect((await session.request('GET', `/api/recordings/${rec}`)).statusCode).toBe(200);
      const events = await count('audit_event');
      const patch = await session.request('PATCH', `/api/recordings/${rec}`, { notes: '篡改', departmentId: A });
      expect(patch.statusCode).toBe(403);
      expect(patch.json().code).toBe('FORBIDDEN');
      expect((await ctx.db.selectFrom('recording').select(['notes', 'department_id']).where('id', '=', rec).executeTakeFirstOrThrow())).toEqual({ notes: '原始备注', department_id: B });
      expect(await count('audit_event')).toBe(events);
      if (roles[0] === 'officer') {
        const uploads = await count('upload');
        const up = await createUpload(session, { departmentId: B, officerIds: [me.id] });
        expect(up.statusCode).toBe(400);
        expect(JSON.parse(up.body)).toMatchObject({ code: 'DEPARTMENT_OUT_OF_SCOPE', fields: { departmentId: expect.stringMatching(/部门范围/) } });
        expect(await count('upload')).toBe(uploads);
        expect((await createUpload(session, { departmentId: A, officerIds: [me.id] })).statusCode).toBe(201);
      }
    });
  }
});

describe('item 4: a late offload stays late (第十条)', () => {
  let officer: Session;
  let officerId: string;
  let me: string;
  let late: string;
  const lateList = async (s: Session) =>
    ((await s.request('GET', `/api/offload/late?from=${encodeURIComponent('2026-01-01T00:00:00Z')}&to=${encodeURIComponent('2026-12-31T00:00:00Z')}`)).json() as { items: { recordingId: string }[] }).items.map((i) => i.recordingId);

  beforeAll(async () => {
    me = (await makePerson(ctx.db, { departmentId: A })).id;
    const o = await loginAs(ctx, ['officer'], { departmentId: A, personId: me });
    officer = o.session;
    officerId = o.user.id;
    // Through the repository function the upload path uses (no lateness passed in): recorded 2026-03-10
    // 09:00 Beijing, stored now — long after midnight of that day.
    const sha = randomBytes(32).toString('hex');
    await insertOriginal(ctx.db, { sha256: sha, sm3: randomBytes(32).toString('hex'), sizeBytes: 10, storage: 'local', uploadedBy: officerId });
    late = await insertRecording(ctx.db, {
      originalSha256: sha,
      fileName: 'late.mp4',
      uploadedBy: officerId,
      departmentId: A,
      officerIds: [me],
      recordedStart: '2026-03-10T01:00:00Z',
      activity: 'patrol',
      partyInformed: 'not_applicable',
    });
  });

  test('lateness is computed when the row is stored, whoever stores it', async () => {
    expect((await officer.request('GET', `/api/recordings/${late}`)).json()).toMatchObject({ lateOffload: true, corrections: [] });
    const { session: custodian } = await loginAs(ctx, ['custodian'], { departmentId: A });
    expect(await lateList(custodian)).toContain(late);
  });

  test('moving the start needs a reason: 400 on the field, nothing written', async () => {
    const before = { corrections: await count('recording_time_correction'), events: await count('audit_event') };
    const res = await officer.request('PATCH', `/api/recordings/${late}`, { recordedStart: new Date().toISOString() });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', fields: { reason: '修改录制时间须说明原因' } });
    const en = await officer.request('PATCH', `/api/recordings/${late}`, { recordedEnd: '2026-03-10T02:00:00Z' }, { 'accept-language': 'en' });
    expect(en.json().fields).toEqual({ reason: 'a reason is required to correct the recording time' });
    expect(await count('recording_time_correction')).toBe(before.corrections);
    expect(await count('audit_event')).toBe(before.events);
    const row = await ctx.db.selectFrom('recording').select('recorded_start').where('id', '=', late).executeTakeFirstOrThrow();
    expect(row.recorded_start.toISOString()).toBe('2026-03-10T01:00:00.000Z');
    // Other fields, and the same start sent again, need none.
    expect((await officer.request('PATCH', `/api/recordings/${late}`, { notes: '补充说明', recordedStart: '2026-03-10T09:00:00+08:00' })).statusCode).toBe(200);
  });

  test('with a reason the correction is stored, shown and audited — and the flag stays', async () => {
    const now = new Date(Date.now() - 60_000).toISOString();
    const res = await officer.request('PATCH', `/api/recordings/${late}`, { recordedStart: now, reason: '设备时钟错误' });
    expect(res.statusCode, res.body).toBe(200);
    const expected = {
      lateOffload: true,
      recordedStart: now,
      corrections: [{ field: 'recordedStart', before: '2026-03-10T01:00:00.000Z', after: now, reason: '设备时钟错误', correctedBy: { id: officerId, username: expect.any(String) } }],
    };
    expect(res.json()).toMatchObject(expected);
    expect((await officer.request('GET', `/api/recordings/${late}`)).json()).toMatchObject(expected);
    const { session: custodian } = await loginAs(ctx, ['custodian'], { departmentId: A });
    expect(await lateList(custodian)).toContain(late);
    const ev = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'recording.update').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(ev.details).toMatchObject({ reason: '设备时钟错误', before: { recordedStart: '2026-03-10T01:00:00.000Z' }, after: { recordedStart: now } });
  });

  test('the database refuses clearing the flag, moving the deadline later, or rewriting a correction', async () => {
    await expect(sql`UPDATE recording SET late_offload = false WHERE id = ${late}`.execute(ctx.db)).rejects.toThrow(/QUANLU_LATE_OFFLOAD/);
    await expect(sql`UPDATE recording SET offload_deadline = offload_deadline + interval '1 year' WHERE id = ${late}`.execute(ctx.db)).rejects.toThrow(/QUANLU_LATE_OFFLOAD/);
    // Corrections: even the owner role is refused (the serving role may only add and read them).
    await expect(sql`UPDATE recording_time_correction SET reason = 'x' WHERE recording_id = ${late}`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM recording_time_correction WHERE recording_id = ${late}`.execute(ctx.ownerDb)).rejects.toThrow(/append-only/);
  });

  test('a correction that puts the recording day earlier can make an on-time upload late, never the reverse', async () => {
    const onTime = await makeRecording(ctx.db, { departmentId: A, officerIds: [me], uploadedBy: officerId, recordedStart: '2026-03-12T01:00:00Z', uploadedAt: '2026-03-12T05:00:00Z' });
    expect((await officer.request('GET', `/api/recordings/${onTime}`)).json().lateOffload).toBe(false);
    const res = await officer.request('PATCH', `/api/recordings/${onTime}`, { recordedStart: '2026-03-11T01:00:00Z', reason: '按执法记录更正日期' });
    expect(res.json().lateOffload).toBe(true);
    const back = await officer.request('PATCH', `/api/recordings/${onTime}`, { recordedStart: '2026-03-12T01:00:00Z', reason: '改回' });
    expect(back.statusCode).toBe(200);
    expect(back.json().lateOffload).toBe(true);
    expect(back.json().corrections).toHaveLength(2);
  });

  test('the database default cut-off equals the setting registry default', async () => {
    // A fixture step (the server never deletes a setting, so its role may not): as the owner.
    await sql`DELETE FROM setting WHERE key = 'offload.cutoffHour'`.execute(ctx.ownerDb);
    const r = await sql<{ h: number }>`SELECT offload_cutoff_hour() AS h`.execute(ctx.db);
    expect(r.rows[0]!.h).toBe(settingsRegistry['offload.cutoffHour'].default);
  });
});

describe('item 5: a hand-over receipt belongs to the person’s department', () => {
  test('二大队’s custodian cannot confirm (or block) the receipt of a 一大队 officer tagged on a 二大队 upload', async () => {
    const pA = await makePerson(ctx.db, { departmentId: A, name: '周八' });
    const cB = await loginAs(ctx, ['custodian'], { departmentId: B });
    const rec = await makeRecording(ctx.db, { departmentId: B, officerIds: [pA.id], uploadedBy: cB.user.id, recordedStart: '2026-04-02T01:00:00Z', uploadedAt: '2026-04-02T03:00:00Z' });
    const day = '2026-04-02';
    const listB = (await cB.session.request('GET', `/api/offload/days/${day}`)).json() as { items: { personId: string }[] };
    expect(listB.items.map((i) => i.personId)).not.toContain(pA.id);
    const receipts = await count('offload_receipt');
    const refused = await cB.session.request('POST', '/api/offload/receipts', { personId: pA.id, day });
    const unknown = await cB.session.request('POST', '/api/offload/receipts', { personId: UNKNOWN, day });
    expect(seen(refused)).toEqual(seen(unknown));
    expect(refused.statusCode).toBe(404);
    expect(await count('offload_receipt')).toBe(receipts);

    const cA = await loginAs(ctx, ['custodian'], { departmentId: A });
    const listA = (await cA.session.request('GET', `/api/offload/days/${day}`)).json() as { items: { personId: string; recordingIds: string[] }[] };
    expect(listA.items).toEqual([expect.objectContaining({ personId: pA.id, recordingIds: [rec] })]);
    // The list never names a recording its reader could not open.
    expect((await cA.session.request('GET', `/api/recordings/${rec}`)).statusCode).toBe(200);
    const ok = await cA.session.request('POST', '/api/offload/receipts', { personId: pA.id, day });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().recordingIds).toEqual([rec]);
  });
});

describe('item 6: out of scope looks exactly like not found', () => {
  let officer: Session;
  let me: string;
  let pB: { id: string; name: string };
  let recB: string;
  let shaA: string;
  let shaB: string;
  beforeAll(async () => {
    me = (await makePerson(ctx.db, { departmentId: A })).id;
    // Unqualified as well, so a qualification message would name them if it were reached.
    pB = await makePerson(ctx.db, { departmentId: B, name: '吴九隐名', certificate: null });
    const o = await loginAs(ctx, ['officer'], { departmentId: A, personId: me });
    officer = o.session;
    const other = (await loginAs(ctx, ['custodian'], { departmentId: X })).user.id;
    recB = await makeRecording(ctx.db, { departmentId: B, officerIds: [pB.id], uploadedBy: other, recordedStart: '2026-03-10T01:00:00Z' });
    const recA = await makeRecording(ctx.db, { departmentId: A, officerIds: [me], uploadedBy: other, recordedStart: '2026-03-10T01:00:00Z' });
    const sha = async (id: string) => (await ctx.db.selectFrom('recording').select('original_sha256').where('id', '=', id).executeTakeFirstOrThrow()).original_sha256;
    shaA = await sha(recA);
    shaB = await sha(recB);
  });

  test('naming a person outside one’s scope as officer: the same error as an unknown person, without the name', async () => {
    const uploads = await count('upload');
    const out = await createUpload(officer, { departmentId: A, officerIds: [me, pB.id] });
    const unknown = await createUpload(officer, { departmentId: A, officerIds: [me, UNKNOWN] });
    expect(out.statusCode).toBe(400);
    const strip = (r: LightMyRequestResponse) => {
      const { requestId: _, ...b } = JSON.parse(r.body) as { requestId?: string; fields: Record<string, string> };
      return { ...b, fields: Object.fromEntries(Object.entries(b.fields).map(([k, v]) => [k, v.replace(/[0-9a-f-]{36}/, 'ID')])) };
    };
    expect(strip(out)).toEqual(strip(unknown));
    expect(out.body).not.toContain(pB.name);
    expect(await count('upload')).toBe(uploads);

    const mine = await makeRecording(ctx.db, { departmentId: A, officerIds: [me], uploadedBy: (await loginAs(ctx, ['custodian'], { departmentId: A })).user.id, recordedStart: '2026-03-10T01:00:00Z' });
    const patch = await officer.request('PATCH', `/api/recordings/${mine}`, { officerIds: [me, pB.id] });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().code).toBe('PERSON_NOT_FOUND');
    expect(patch.body).not.toContain(pB.name);
    expect((await officer.request('GET', `/api/recordings/${mine}`)).json().officers.map((o: { id: string }) => o.id)).toEqual([me]);
  });

  test('/api/originals tells only about content in a recording the caller may read', async () => {
    const ok = await officer.request('GET', `/api/originals/${shaA}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ sha256: shaA, recordingId: expect.any(String) });
    const out = await officer.request('GET', `/api/originals/${shaB}`);
    const unknown = await officer.request('GET', `/api/originals/${'0'.repeat(64)}`);
    expect(seen(out)).toEqual(seen(unknown));
    expect(out.statusCode).toBe(404);
    expect(out.body).not.toContain(shaB);
  });

  test('every recording and person route answers an out-of-scope id exactly as an unknown one', async () => {
    const pairs: [string, string, string, unknown?][] = [
      ['GET', `/api/recordings/${recB}`, `/api/recordings/${UNKNOWN}`],
      ['GET', `/api/recordings/${recB}/thumbnail`, `/api/recordings/${UNKNOWN}/thumbnail`],
      ['PATCH', `/api/recordings/${recB}`, `/api/recordings/${UNKNOWN}`, { notes: 'x' }],
      ['PATCH', `/api/recordings/${recB}`, `/api/recordings/${UNKNOWN}`, { recordedStart: '2026-03-09T01:00:00Z', reason: '试探' }],
      ['GET', `/api/personnel/${pB.id}`, `/api/personnel/${UNKNOWN}`],
      ['GET', `/api/personnel/${pB.id}/qualification`, `/api/personnel/${UNKNOWN}/qualification`],
      ['GET', `/api/personnel/${pB.id}/training-records`, `/api/personnel/${UNKNOWN}/training-records`],
    ];
    for (const [method, outOfScope, unknown, body] of pairs) {
      const a = await officer.request(method, outOfScope, body);
      const b = await officer.request(method, unknown, body);
      expect(seen(a), `${method} ${outOfScope}`).toEqual(seen(b));
      expect(a.statusCode, `${method} ${outOfScope}`).toBe(404);
    }
    // Nor does a list or a search show it.
    const list = (await officer.request('GET', `/api/recordings?ids=${recB}`)).json();
    expect(list.items).toEqual([]);
    const people = (await officer.request('GET', `/api/personnel?q=${encodeURIComponent(pB.name)}`)).json();
    expect(people.items).toEqual([]);
  });
});

describe('moving a recording to another department follows the mover’s own reach', () => {
  test('a leader moves within the subtree only; an officer + auditor only within their department; the admin anywhere', async () => {
    const A1 = (await makeDepartment(ctx.db, { parentId: A, name: '一大队一中队' })).id;
    const pA = await makePerson(ctx.db, { departmentId: A });
    const by = (await loginAs(ctx, ['custodian'], { departmentId: A })).user.id;
    const rec = () => makeRecording(ctx.db, { departmentId: A, officerIds: [pA.id], uploadedBy: by, recordedStart: '2026-03-10T01:00:00Z' });
    const move = async (roles: Role[], id: string, to: string) =>
      (await loginAs(ctx, roles, { departmentId: A })).session.request('PATCH', `/api/recordings/${id}`, { departmentId: to });

    expect((await move(['leader'], await rec(), A1)).statusCode).toBe(200);
    const refused = await move(['leader'], await rec(), B);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().code).toBe('DEPARTMENT_OUT_OF_SCOPE');
    // An officer + auditor moves their own footage within their department, never out of it.
    const own = await makeRecording(ctx.db, { departmentId: A, officerIds: [pA.id], uploadedBy: by, recordedStart: '2026-03-10T01:00:00Z' });
    const { session: officerAuditor } = await loginAs(ctx, ['officer', 'auditor'], { departmentId: A, personId: pA.id });
    expect((await officerAuditor.request('PATCH', `/api/recordings/${own}`, { departmentId: A1 })).statusCode).toBe(200);
    expect((await officerAuditor.request('PATCH', `/api/recordings/${own}`, { departmentId: B })).json().code).toBe('DEPARTMENT_OUT_OF_SCOPE');
    expect((await move(['admin'], await rec(), B)).statusCode).toBe(200);
  });
});
