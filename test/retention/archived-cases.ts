import { expect } from 'vitest';
import { makeRecording, type Session, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, type makeTeam } from '../cases/case-fixtures.ts';
import { makePdf, uploadDocument } from '../case-files/case-file-fixtures.ts';

/**
 * Case files of the retention tests, made through the API as a leader of `team` would: filed, moved through
 * their stages, their documents uploaded and the file archived (the team's officers must have passed their
 * exam before the dates used — 第七条 is checked).
 */
export function archivedCases(ctx: TestContext, team: Awaited<ReturnType<typeof makeTeam>>) {
  const s = (): Session => team.session;
  const move = async (caseId: string, to: string, on: string, reason?: string) => {
    const res = await s().request('POST', `/api/cases/${caseId}/stage`, { to, on, ...(reason && { reason }) });
    expect(res.statusCode, res.body).toBe(200);
  };
  const rec = (recordedStart: string) => makeRecording(ctx.db, { departmentId: team.dept.id, officerIds: [team.p1.id], uploadedBy: team.user.id, recordedStart });
  const link = async (caseId: string, recordingId: string, stage: string) => {
    const res = await s().request('POST', `/api/cases/${caseId}/links`, { recordingId, stage });
    expect(res.statusCode, res.body).toBe(201);
  };
  const archive = async (caseId: string) => {
    const res = await s().request('POST', `/api/cases/${caseId}/case-file/archive`);
    expect(res.statusCode, res.body).toBe(200);
  };

  /** A simple-procedure case (当场处罚) closed on `closedOn`, one decision uploaded; archived unless told not to. */
  async function simpleCase(closedOn: string, o: { archived?: boolean; linked?: string } = {}) {
    const c = await fileCase(s(), {
      ...generalCase(team.dept.id, [team.p1.id]),
      procedure: 'simple',
      filedOn: closedOn,
      parties: [{ kind: 'organisation', name: '某便利店', idType: 'credit_code', idNumber: '91130100MA0000000X' }],
    });
    if (o.linked) await link(c.id, o.linked, 'filing');
    await move(c.id, 'closed', closedOn, '当场处罚，当场结案');
    const up = await uploadDocument(s(), c.id, await makePdf(1, `DECISION-${c.id.slice(0, 6)}`), { type: 'penalty_decision', title: '当场行政处罚决定书', number: `当场〔${closedOn.slice(0, 4)}〕${c.id.slice(0, 4)}号`, date: closedOn });
    expect(up.statusCode, up.body).toBe(201);
    if (o.archived !== false) await archive(c.id);
    return c.id;
  }

  /**
   * A general-procedure case (一般程序: 永久 by the default table) filed on `filedOn` (a May; stages through
   * the same month), a recording linked, its four documents uploaded (plus `extra` scans); archived unless
   * told not to.
   */
  async function generalArchived(o: { year?: number; extra?: Buffer[]; archived?: boolean } = {}) {
    const y = o.year ?? 1994;
    const c = await fileCase(s(), { ...generalCase(team.dept.id, [team.p1.id, team.p2.id]), filedOn: `${y}-05-06` });
    await move(c.id, 'investigation', `${y}-05-07`);
    await link(c.id, await rec(`${y}-05-07T02:00:00Z`), 'investigation');
    for (const [to, on] of [['review', `${y}-05-10`], ['notice', `${y}-05-11`], ['decision', `${y}-05-20`], ['service', `${y}-05-21`]]) await move(c.id, to!, on!);
    expect([201, 204]).toContain((await s().request('POST', `/api/cases/${c.id}/written-reasons`, { stage: 'service', reason: '邮寄送达，无法录像' })).statusCode);
    await move(c.id, 'closed', `${y}-05-30`, '罚款已缴纳，无需执行');
    for (const [type, title, date, extra] of [
      ['filing_approval', '立案审批表', `${y}-05-06`, {}],
      ['penalty_notice', '行政处罚告知书', `${y}-05-11`, {}],
      ['penalty_decision', '行政处罚决定书', `${y}-05-20`, { number: `冀商执罚〔${y}〕${c.id.slice(0, 4)}号` }],
      ['decision_receipt', '送达回证', `${y}-05-21`, { receiptSigned: true }],
    ] as const) {
      const up = await uploadDocument(s(), c.id, await makePdf(1, `${type}-${c.id.slice(0, 6)}`), { type, title, date, ...extra });
      expect(up.statusCode, up.body).toBe(201);
    }
    for (const bytes of o.extra ?? []) {
      const up = await uploadDocument(s(), c.id, bytes, { type: 'other', title: '现场照片说明', date: `${y}-05-07` });
      expect(up.statusCode, up.body).toBe(201);
    }
    if (o.archived !== false) await archive(c.id);
    return c.id;
  }

  /** The stored keys of a case file: its documents' originals and its built PDFs. */
  const keysOf = async (caseId: string) => ({
    documents: (await ctx.db.selectFrom('case_document').select('sha256').where('case_id', '=', caseId).execute()).map((r) => r.sha256),
    builds: (await ctx.db.selectFrom('case_file_build').select('sha256').where('case_id', '=', caseId).execute()).map((r) => r.sha256),
  });

  return { move, rec, link, archive, simpleCase, generalArchived, keysOf };
}
