/**
 * Cases (issue 9 §1, §3): a general-procedure case through its stages with links, the 第七条 officers rule,
 * duplicate numbers, the stage rule (skip / back need a reason, the hearing may be passed over), links from
 * both sides, and the write-once history in the database. Real PostgreSQL, through the HTTP API.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, makePerson, makeRecording, type TestContext } from '../support/harness.ts';
import { caseNo, fileCase, generalCase, makeTeam, type CaseBody } from './case-fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

const auditOf = (caseId: string, action: string) =>
  ctx.db.selectFrom('audit_event').select(['action', 'details']).where('target_type', '=', 'case').where('target_id', '=', caseId).where('action', '=', action).orderBy('seq').execute();

describe('the handling officers (第七条)', () => {
  test('general procedure: two qualified officers; one, or an unqualified one, is refused with nothing written', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const expired = await makePerson(ctx.db, { departmentId: dept.id, certificate: { number: 'X-1', validUntil: '2020-01-01', examPassedOn: '2015-01-01' } });
    const noCert = await makePerson(ctx.db, { departmentId: dept.id, certificate: null });
    const before = await ctx.db.selectFrom('enforcement_case').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();

    const one = await session.request('POST', '/api/cases', generalCase(dept.id, [p1.id]));
    expect(one.statusCode).toBe(422);
    expect(one.json().code).toBe('CASE_OFFICERS_TOO_FEW');
    expect(one.json().message).toContain('至少 2 名');

    const withExpired = await session.request('POST', '/api/cases', generalCase(dept.id, [p1.id, expired.id]));
    expect(withExpired.statusCode).toBe(422);
    expect(withExpired.json().code).toBe('OFFICER_NOT_QUALIFIED');
    expect(withExpired.json().message).toContain(expired.name);

    const withoutCert = await session.request('POST', '/api/cases', generalCase(dept.id, [p1.id, noCert.id]));
    expect(withoutCert.statusCode).toBe(422);
    expect(withoutCert.json().code).toBe('OFFICER_NOT_QUALIFIED');

    // The same person twice is one officer.
    const twice = await session.request('POST', '/api/cases', generalCase(dept.id, [p1.id, p1.id]));
    expect(twice.statusCode).toBe(422);
    expect(twice.json().code).toBe('CASE_OFFICERS_TOO_FEW');

    const after = await ctx.db.selectFrom('enforcement_case').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);

    const ok = await session.request('POST', '/api/cases', generalCase(dept.id, [p1.id, p2.id]));
    expect(ok.statusCode).toBe(201);
    expect((ok.json() as CaseBody).officers.map((o) => o.personId).sort()).toEqual([p1.id, p2.id].sort());

    // Simple procedure (当场处罚): one qualified officer suffices.
    const simple = await session.request('POST', '/api/cases', { ...generalCase(dept.id, [p1.id]), procedure: 'simple' });
    expect(simple.statusCode).toBe(201);

    // Changing the officers later follows the same rule.
    const c = ok.json() as CaseBody;
    const down = await session.request('PATCH', `/api/cases/${c.id}`, { officers: [{ personId: p1.id }] });
    expect(down.statusCode).toBe(422);
    expect(down.json().code).toBe('CASE_OFFICERS_TOO_FEW');
  });

  test('an officer from outside the caller’s reach is refused like an unknown person', async () => {
    const { dept, p1, session } = await makeTeam(ctx, { roles: ['officer'] });
    const elsewhere = await makeTeam(ctx);
    const res = await session.request('POST', '/api/cases', generalCase(dept.id, [p1.id, elsewhere.p1.id]));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('PERSON_NOT_FOUND');
  });
});

describe('case numbers', () => {
  test('a duplicate case number is 409 and writes nothing (no case, party, officer or stage row)', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const body = generalCase(dept.id, [p1.id, p2.id]);
    await fileCase(session, body);
    const count = async () =>
      (
        await sql<{ c: number; p: number; o: number; e: number }>`SELECT (SELECT count(*) FROM enforcement_case)::int AS c, (SELECT count(*) FROM case_party)::int AS p,
        (SELECT count(*) FROM case_officer)::int AS o, (SELECT count(*) FROM case_stage_event)::int AS e`.execute(ctx.db)
      ).rows[0];
    const before = await count();
    const again = await session.request('POST', '/api/cases', { ...body, cause: '另一案由' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CASE_NUMBER_TAKEN');
    expect(again.json().message).toContain(body.caseNumber);
    expect(await count()).toEqual(before);
  });
});

describe('a general-procedure case through its stages', () => {
  test('立案 → … → 结案 with links from both sides, skips and a move back with reasons, all audited', async () => {
    const { dept, p1, p2, user, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    expect(c.status).toBe('filing');
    expect(c.stages).toMatchObject([{ kind: 'file', fromStage: null, toStage: 'filing' }]);
    expect((await auditOf(c.id, 'case.create')).length).toBe(1);

    const move = (to: string, reason?: string) => session.request('POST', `/api/cases/${c.id}/stage`, reason ? { to, reason } : { to });

    // Next stage: no reason needed.
    expect((await move('investigation')).statusCode).toBe(200);
    // The same stage again.
    const same = await move('investigation');
    expect(same.statusCode).toBe(409);
    expect(same.json().code).toBe('CASE_STAGE_SAME');

    // Links: r1 from the case page at 调查取证, r2 from the recording page at 送达; r1 also serves a second case.
    const r1 = await makeRecording(ctx.db, { departmentId: dept.id, officerIds: [p1.id], uploadedBy: user.id, recordedStart: '2026-11-20T01:00:00Z' });
    const r2 = await makeRecording(ctx.db, { departmentId: dept.id, officerIds: [p2.id], uploadedBy: user.id, recordedStart: '2026-11-21T01:00:00Z' });
    const l1 = await session.request('POST', `/api/cases/${c.id}/links`, { recordingId: r1, stage: 'investigation', note: '现场检查' });
    expect(l1.statusCode).toBe(201);
    const dup = await session.request('POST', `/api/cases/${c.id}/links`, { recordingId: r1, stage: 'investigation' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('CASE_LINK_EXISTS');
    const l2 = await session.request('POST', `/api/recordings/${r2}/cases`, { caseId: c.id, stage: 'service' });
    expect(l2.statusCode).toBe(201);
    const other = await fileCase(session, { ...generalCase(dept.id, [p1.id]), procedure: 'simple' });
    expect((await session.request('POST', `/api/cases/${other.id}/links`, { recordingId: r1, stage: 'investigation' })).statusCode).toBe(201);
    const casesOfR1 = (await session.request('GET', `/api/recordings/${r1}/cases`)).json() as { items: { caseId: string; stage: string }[] };
    expect(casesOfR1.items.map((i) => i.caseId).sort()).toEqual([c.id, other.id].sort());

    // 调查取证 → 告知 skips 审核: refused without a reason, nothing moves.
    const skip = await move('notice');
    expect(skip.statusCode).toBe(400);
    expect(skip.json().code).toBe('CASE_STAGE_REASON_REQUIRED');
    expect(skip.json().message).toContain('审核');
    expect((await session.request('GET', `/api/cases/${c.id}`)).json().status).toBe('investigation');

    expect((await move('review')).statusCode).toBe(200);
    // Back to 立案 without a reason: refused; with one: allowed and audited with it.
    const back = await move('filing');
    expect(back.statusCode).toBe(400);
    expect(back.json().code).toBe('CASE_STAGE_REASON_REQUIRED');
    const backOk = await move('filing', '审核发现立案材料不全，退回补正');
    expect(backOk.statusCode).toBe(200);
    const backEvent = (await auditOf(c.id, 'case.stage')).at(-1)!;
    expect(backEvent.details).toMatchObject({ from: 'review', to: 'filing', kind: 'back', reason: '审核发现立案材料不全，退回补正' });

    // A skip with a reason is allowed and recorded with what it skipped.
    const skipOk = await move('review', '补正后直接送法制审核');
    expect(skipOk.statusCode).toBe(200);
    expect((skipOk.json() as CaseBody).stages.at(-1)).toMatchObject({ kind: 'skip', skipped: ['investigation'], reason: '补正后直接送法制审核' });

    expect((await move('notice')).statusCode).toBe(200);
    // 告知 → 决定: the hearing alone may be passed over without a reason (none was requested).
    const noHearing = await move('decision');
    expect(noHearing.statusCode).toBe(200);
    expect((noHearing.json() as CaseBody).stages.at(-1)).toMatchObject({ kind: 'skip', skipped: ['hearing'], reason: null });
    expect((await move('service')).statusCode).toBe(200);
    expect((await move('execution')).statusCode).toBe(200);
    const closed = await move('closed');
    expect(closed.statusCode).toBe(200);
    const final = closed.json() as CaseBody;
    expect(final.status).toBe('closed');
    expect(final.closedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(final.stages.map((s) => `${s.kind}:${s.toStage}`)).toEqual([
      'file:filing',
      'advance:investigation',
      'advance:review',
      'back:filing',
      'skip:review',
      'advance:notice',
      'skip:decision',
      'advance:service',
      'advance:execution',
      'advance:closed',
    ]);
    expect((await auditOf(c.id, 'case.stage')).length).toBe(9);
    expect(final.links.map((l) => `${l.recordingId}:${l.stage}`).sort()).toEqual([`${r1}:investigation`, `${r2}:service`].sort());

    // Unlink with a reason (the row stays, ended); twice is 409; both audited.
    const link2 = final.links.find((l) => l.recordingId === r2)!;
    expect((await session.request('POST', `/api/cases/${c.id}/links/${link2.id}/unlink`, { reason: '关联错误' })).statusCode).toBe(204);
    const again = await session.request('POST', `/api/cases/${c.id}/links/${link2.id}/unlink`, { reason: '关联错误' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CASE_LINK_ENDED');
    const afterUnlink = (await session.request('GET', `/api/cases/${c.id}`)).json() as CaseBody;
    expect(afterUnlink.links.find((l) => l.id === link2.id)!.unlinkedAt).not.toBeNull();
    expect((await auditOf(c.id, 'case.link')).length).toBe(2);
    expect((await auditOf(c.id, 'case.unlink')).map((e) => e.details)).toMatchObject([{ recordingId: r2, stage: 'service', reason: '关联错误' }]);

    // Reopening a closed case is a move back: needs a reason, clears the closing date.
    const reopen = await move('investigation', '复议机关责令重新调查');
    expect(reopen.statusCode).toBe(200);
    expect((reopen.json() as CaseBody).closedOn).toBeNull();
  });

  test('a stage the procedure does not have is refused (简易程序 has no 审核 or 听证)', async () => {
    const { dept, p1, session } = await makeTeam(ctx);
    const c = await fileCase(session, { ...generalCase(dept.id, [p1.id]), procedure: 'simple' });
    const res = await session.request('POST', `/api/cases/${c.id}/stage`, { to: 'review', reason: '试图审核' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('CASE_STAGE_NOT_APPLICABLE');
    // filing → investigation → notice is plain advancing in the simple procedure.
    expect((await session.request('POST', `/api/cases/${c.id}/stage`, { to: 'investigation' })).statusCode).toBe(200);
    const notice = await session.request('POST', `/api/cases/${c.id}/stage`, { to: 'notice' });
    expect(notice.statusCode).toBe(200);
    expect((notice.json() as CaseBody).stages.at(-1)!.kind).toBe('advance');
  });

  test('a stage date before the previous one, or in the future, is refused', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id], { filedOn: '2026-10-10' }));
    const early = await session.request('POST', `/api/cases/${c.id}/stage`, { to: 'investigation', on: '2026-10-09' });
    expect(early.statusCode).toBe(400);
    expect(early.json().code).toBe('CASE_STAGE_DATE');
    const future = await session.request('POST', `/api/cases/${c.id}/stage`, { to: 'investigation', on: '2099-01-01' });
    expect(future.statusCode).toBe(400);
    expect((await session.request('POST', `/api/cases/${c.id}/stage`, { to: 'investigation', on: '2026-10-12' })).statusCode).toBe(200);
  });
});

describe('the history in the database', () => {
  test('stage events and written reasons cannot be changed; a link can only be ended, once; nothing is deleted', async () => {
    const { dept, p1, p2, user, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    const r = await makeRecording(ctx.db, { departmentId: dept.id, officerIds: [p1.id], uploadedBy: user.id, recordedStart: '2026-11-20T01:00:00Z' });
    await session.request('POST', `/api/cases/${c.id}/links`, { recordingId: r, stage: 'filing' });
    await session.request('POST', `/api/cases/${c.id}/written-reasons`, { stage: 'filing', reason: '现场无法录像，已制作笔录' });
    const refused = async (q: ReturnType<typeof sql>) => {
      await expect(q.execute(ctx.db)).rejects.toThrow(/QUANLU_APPEND_ONLY|permission denied/);
    };
    await refused(sql`UPDATE case_stage_event SET reason = 'x' WHERE case_id = ${c.id}`);
    await refused(sql`DELETE FROM case_stage_event WHERE case_id = ${c.id}`);
    await refused(sql`UPDATE case_stage_written_reason SET reason = 'x' WHERE case_id = ${c.id}`);
    await refused(sql`DELETE FROM case_recording_link WHERE case_id = ${c.id}`);
    await refused(sql`UPDATE case_recording_link SET stage = 'service' WHERE case_id = ${c.id}`);
    await refused(sql`DELETE FROM enforcement_case WHERE id = ${c.id}`);
    // The owner role (who could drop privileges) is held by the triggers too.
    await expect(sql`UPDATE case_stage_event SET reason = 'x' WHERE case_id = ${c.id}`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
    await expect(sql`UPDATE case_recording_link SET recording_id = recording_id, stage = 'service' WHERE case_id = ${c.id}`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
    await expect(sql`UPDATE recording_checklist_item SET method = 'written'`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
  });
});

describe('case list', () => {
  test('filters by status, procedure and text; pages with a cursor', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const a = await fileCase(session, generalCase(dept.id, [p1.id, p2.id], { caseNumber: caseNo('甲') }));
    const b = await fileCase(session, { ...generalCase(dept.id, [p1.id], { caseNumber: caseNo('乙') }), procedure: 'simple' });
    await session.request('POST', `/api/cases/${a.id}/stage`, { to: 'investigation' });
    const ids = async (q: string) => ((await session.request('GET', `/api/cases?departmentId=${dept.id}&${q}`)).json() as { items: { id: string }[] }).items.map((i) => i.id);
    expect(await ids('status=investigation')).toEqual([a.id]);
    expect(await ids('procedure=simple')).toEqual([b.id]);
    expect(await ids(`q=${encodeURIComponent('乙')}`)).toEqual([b.id]);
    expect(await ids(`q=${encodeURIComponent('王某某')}`)).toEqual([b.id, a.id]);
    const page1 = (await session.request('GET', `/api/cases?departmentId=${dept.id}&limit=1`)).json() as { items: { id: string }[]; nextCursor: string };
    expect(page1.items.map((i) => i.id)).toEqual([b.id]);
    const page2 = (await session.request('GET', `/api/cases?departmentId=${dept.id}&limit=1&cursor=${page1.nextCursor}`)).json() as { items: { id: string }[]; nextCursor: string | null };
    expect(page2.items.map((i) => i.id)).toEqual([a.id]);
    expect(page2.nextCursor).toBeNull();
    expect((await session.request('GET', '/api/cases?cursor=garbage')).statusCode).toBe(400);
  });
});
