/**
 * The recording checklist (第十六条; issue 9 §2): per required stage, linked recordings or a written reason;
 * a stage with neither is a gap, on the case and on 工作台. The checklist is versioned: a filed case keeps
 * the version it was filed under.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, login, makeRecording, makeUser, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam, type CaseBody } from './case-fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

describe('gaps', () => {
  test('an entered AV stage without link or reason is a gap; a link or a written reason closes it; skipped and unreached stages are not gaps', async () => {
    const { dept, p1, p2, user, session } = await makeTeam(ctx);
    const c = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    const get = async () => (await session.request('GET', `/api/cases/${c.id}`)).json() as CaseBody;
    const move = (to: string) => session.request('POST', `/api/cases/${c.id}/stage`, { to });
    const dashGaps = async () => ((await session.request('GET', '/api/cases/gaps')).json() as { items: { caseId: string; stage: string }[] }).items.filter((i) => i.caseId === c.id).map((i) => i.stage);

    // The default list (v1) for 行政处罚: AV at 调查取证, 听证, 送达, 执行; written at 立案, 审核, 告知, 决定, 结案.
    const first = await get();
    expect(first.checklist.map((s) => `${s.stage}:${s.required}`)).toEqual([
      'filing:written',
      'investigation:av',
      'review:written',
      'notice:written',
      'hearing:av',
      'decision:written',
      'service:av',
      'execution:av',
      'closed:written',
    ]);
    expect(first.gaps).toEqual([]);

    await move('investigation');
    expect((await get()).gaps).toEqual(['investigation']);
    expect(await dashGaps()).toEqual(['investigation']);

    const r = await makeRecording(ctx.db, { departmentId: dept.id, officerIds: [p1.id], uploadedBy: user.id, recordedStart: '2026-11-20T01:00:00Z' });
    const link = (await session.request('POST', `/api/cases/${c.id}/links`, { recordingId: r, stage: 'investigation' })).json() as { id: string };
    expect((await get()).gaps).toEqual([]);
    expect(await dashGaps()).toEqual([]);
    // Unlinked again: the gap is back.
    await session.request('POST', `/api/cases/${c.id}/links/${link.id}/unlink`, { reason: '关联错误' });
    expect((await get()).gaps).toEqual(['investigation']);
    // A written reason (受客观条件限制) closes it.
    expect((await session.request('POST', `/api/cases/${c.id}/written-reasons`, { stage: 'investigation', reason: '现场网络与电源中断，执法记录仪无法工作，已制作现场笔录' })).statusCode).toBe(204);
    const withReason = await get();
    expect(withReason.gaps).toEqual([]);
    expect(withReason.checklist.find((s) => s.stage === 'investigation')).toMatchObject({ gap: false, linkedRecordings: 0, writtenReason: { reason: '现场网络与电源中断，执法记录仪无法工作，已制作现场笔录' } });

    for (const s of ['review', 'notice', 'decision', 'service']) expect((await move(s)).statusCode).toBe(200);
    // The hearing was passed over: not a gap. 送达 needs AV: a gap.
    const atService = await get();
    expect(atService.gaps).toEqual(['service']);
    expect(atService.checklist.find((s) => s.stage === 'hearing')).toMatchObject({ entered: false, gap: false });
    expect(atService.checklist.find((s) => s.stage === 'execution')).toMatchObject({ entered: false, gap: false });

    // A department colleague's recording the leader may not see still closes the gap, and is counted, not listed.
    const elsewhere = await makeTeam(ctx);
    const hidden = await makeRecording(ctx.db, { departmentId: elsewhere.dept.id, officerIds: [elsewhere.p1.id], uploadedBy: elsewhere.user.id, recordedStart: '2026-11-21T01:00:00Z' });
    await ctx.db.insertInto('case_recording_link').values({ case_id: c.id, recording_id: hidden, stage: 'service', linked_by: elsewhere.user.id }).execute();
    const withHidden = await get();
    expect(withHidden.gaps).toEqual([]);
    expect(withHidden.hiddenLinks).toBe(1);
    expect(withHidden.links.map((l) => l.recordingId)).not.toContain(hidden);

    // Closed cases leave the 工作台 list.
    await move('execution');
    expect(await dashGaps()).toEqual(['execution']);
    await session.request('POST', `/api/cases/${c.id}/stage`, { to: 'closed' });
    expect(await dashGaps()).toEqual([]);
    expect((await get()).gaps).toEqual(['execution']);
    // Another department's leader sees none of these gaps.
    expect(((await elsewhere.session.request('GET', '/api/cases/gaps')).json() as { items: { caseId: string }[] }).items.filter((i) => i.caseId === c.id)).toEqual([]);
  });

  test('coercive-measure rows apply only to cases where measures were taken', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const withMeasures = await fileCase(session, generalCase(dept.id, [p1.id, p2.id], { coerciveMeasures: true }));
    const without = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    const items = (c: CaseBody) => c.checklist.find((s) => s.stage === 'investigation')!;
    expect((items(withMeasures) as unknown as { items: { item: string }[] }).items.map((i) => i.item)).toContain('查封、扣押等行政强制措施');
    expect((items(without) as unknown as { items: { item: string }[] }).items.map((i) => i.item)).not.toContain('查封、扣押等行政强制措施');
  });
});

describe('checklist versions', () => {
  test('a new version applies to cases filed after it; a filed case keeps its version; only settings:write may save one', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx);
    const old = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    const admin = await makeUser(ctx.db, { roles: ['admin'] });
    const adminS = await login(ctx.app, admin.username, admin.password);
    const current = (await adminS.request('GET', '/api/recording-checklist')).json() as { version: number; items: Record<string, unknown>[] };
    // The new version makes 审核 need AV (an agency recording its collective review).
    const items = current.items.map((i) => (i.stage === 'review' && i.actKind === 'penalty' ? { ...i, method: 'av' } : i));
    expect((await session.request('POST', '/api/recording-checklist', { note: '审核须录像', items })).statusCode).toBe(403);
    const saved = await adminS.request('POST', '/api/recording-checklist', { note: '审核须录像', items });
    expect(saved.statusCode).toBe(201);
    const v = (saved.json() as { version: number }).version;
    expect(v).toBe(current.version + 1);
    expect(((await adminS.request('GET', '/api/recording-checklist/versions')).json() as { items: { version: number }[] }).items[0]!.version).toBe(v);

    const fresh = await fileCase(session, generalCase(dept.id, [p1.id, p2.id]));
    for (const c of [old, fresh]) {
      for (const to of ['investigation', 'review']) await session.request('POST', `/api/cases/${c.id}/stage`, { to });
      await session.request('POST', `/api/cases/${c.id}/written-reasons`, { stage: 'investigation', reason: '已制作笔录替代' });
    }
    expect(((await session.request('GET', `/api/cases/${old.id}`)).json() as CaseBody).gaps).toEqual([]);
    const f = (await session.request('GET', `/api/cases/${fresh.id}`)).json() as CaseBody & { checklistVersion: number };
    expect(f.checklistVersion).toBe(v);
    expect(f.gaps).toEqual(['review']);
    // An unknown kind of act is refused when filing.
    const bad = await session.request('POST', '/api/cases', generalCase(dept.id, [p1.id, p2.id], { actKind: 'levy' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('CASE_ACT_KIND_UNKNOWN');
  });
});
