/**
 * The bound case file (issue 9 §3 documents, §4, §5): a general-procedure case from 立案 to 归档 through the API
 * with documents and recording links — the PDF's page count, page numbers only on document pages (checked per
 * page with pdftotext), the catalogue's page numbers where each document starts, extractable Chinese, the
 * 归档号 sequence per year (also under concurrency), the lock after archiving (API and SQL as the serving role);
 * a simple-procedure variant; missing-document and missing-AV detection. Real PostgreSQL, poppler, pdfkit.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, makeRecording, makeUser, login, type Session, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam, type CaseBody } from '../cases/case-fixtures.ts';
import { makePdf, makePng, readPdf, squash, uploadDocument } from './case-file-fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
  // 全宗号 for the 档号 (an admin's setting; a fixture row here).
  await ctx.db.insertInto('setting').values({ key: 'agency.fondsNumber', value: JSON.stringify('F001') }).execute();
});
afterAll(() => ctx.close());

interface CatalogueRow {
  seq: number;
  title: string;
  startPage: number;
  pages: number;
  kind: string;
  documentId?: string;
  recordingId?: string;
  sha256?: string;
}
interface State {
  review: { ok: boolean; problems: { code: string; ref?: string; zh: string }[] };
  builds: { id: string; totalPages: number; numberedPages: number; catalogue: CatalogueRow[]; final: boolean; sha256: string }[];
  archive: null | { archiveNumber: string; dossierCode: string; retentionCode: string; retainUntil: string | null; buildId: string };
}

const stateOf = async (s: Session, caseId: string) => {
  const res = await s.request('GET', `/api/cases/${caseId}/case-file`);
  expect(res.statusCode).toBe(200);
  return res.json() as State;
};
const move = async (s: Session, caseId: string, to: string, on: string, reason?: string) => {
  const res = await s.request('POST', `/api/cases/${caseId}/stage`, { to, on, ...(reason && { reason }) });
  expect(res.statusCode, res.body).toBe(200);
};
const problemCodes = (st: State) => st.review.problems.map((p) => `${p.code}${p.ref ? `:${p.ref}` : ''}`).sort();

/** A department with two officers, the handling officer's session, and the department's custodian (who archives). */
async function team() {
  const t = await makeTeam(ctx, { roles: ['officer'], asOfficer: true });
  const custodian = await makeUser(ctx.db, { roles: ['custodian'], departmentId: t.dept.id });
  return { ...t, custodian: await login(ctx.app, custodian.username, custodian.password) };
}

/** A simple-procedure case (当场处罚) filed, closed the same day and given its decision: ready to archive. */
async function closedSimpleCase(t: Awaited<ReturnType<typeof team>>, filedOn: string) {
  const c = await fileCase(t.session, { ...generalCase(t.dept.id, [t.p1.id]), procedure: 'simple', filedOn, parties: [{ kind: 'organisation', name: '某便利店', idType: 'credit_code', idNumber: '91130100MA0000000X' }] });
  await move(t.session, c.id, 'closed', filedOn, '当场处罚，当场结案');
  const up = await uploadDocument(t.session, c.id, await makePdf(1, 'SIMPLE'), { type: 'penalty_decision', title: '当场行政处罚决定书', number: `当场〔${filedOn.slice(0, 4)}〕${c.id.slice(0, 4)}号`, date: filedOn });
  expect(up.statusCode, up.body).toBe(201);
  return c;
}

describe('a general-procedure case from 立案 to 归档', () => {
  test('documents, links, review findings, the bound PDF, archiving and the lock', async () => {
    const t = await team();
    const s = t.session;
    const c = await fileCase(s, {
      ...generalCase(t.dept.id, [t.p1.id, t.p2.id]),
      cause: '未经许可从事经营活动',
      filedOn: '2026-03-02',
      parties: [{ kind: 'organisation', name: '某某商贸有限公司', idType: 'credit_code', idNumber: '91130100MA0ABCDE1X' }],
    });
    const rec = async (start: string) => makeRecording(ctx.db, { departmentId: t.dept.id, officerIds: [t.p1.id, t.p2.id], uploadedBy: t.user.id, recordedStart: start });
    const r1 = await rec('2026-03-03T02:00:00Z');
    const r2 = await rec('2026-03-03T03:00:00Z');
    const r3 = await rec('2026-03-26T02:00:00Z');

    // Before anything: the review lists the required documents of the general procedure, and the open case.
    let st = await stateOf(s, c.id);
    expect(problemCodes(st)).toEqual(['case_not_closed', 'missing_document:decision_receipt', 'missing_document:filing_approval', 'missing_document:penalty_decision', 'missing_document:penalty_notice']);

    // Stages; the investigation has its two recordings, the service its one.
    await move(s, c.id, 'investigation', '2026-03-03');
    for (const r of [r1, r2]) expect((await s.request('POST', `/api/cases/${c.id}/links`, { recordingId: r, stage: 'investigation' })).statusCode).toBe(201);
    await move(s, c.id, 'review', '2026-03-15');
    await move(s, c.id, 'notice', '2026-03-20');
    await move(s, c.id, 'decision', '2026-03-25');
    await move(s, c.id, 'service', '2026-03-26');
    // Missing AV: the service stage needs a recording or a written reason.
    st = await stateOf(s, c.id);
    expect(problemCodes(st)).toContain('stage_without_av:service');
    expect((await s.request('POST', `/api/cases/${c.id}/links`, { recordingId: r3, stage: 'service' })).statusCode).toBe(201);
    await move(s, c.id, 'execution', '2026-03-28');
    expect(problemCodes(await stateOf(s, c.id))).toContain('stage_without_av:execution');
    expect((await s.request('POST', `/api/cases/${c.id}/written-reasons`, { stage: 'execution', reason: '当事人自行到银行缴纳罚款，无现场执行' })).statusCode).toBe(204);

    // Documents, uploaded out of binding order.
    const docs = [
      { type: 'inquiry_record', title: '询问笔录（法定代表人）', date: '2026-03-05', pages: 2, marker: 'INQUIRY' },
      { type: 'penalty_decision', title: '行政处罚决定书', number: '冀商执罚〔2026〕1号', date: '2026-03-25', pages: 3, marker: 'DECISION' },
      { type: 'filing_approval', title: '立案审批表', date: '2026-03-02', pages: 2, marker: 'FILING' },
      { type: 'penalty_notice', title: '行政处罚告知书', number: '冀商执告〔2026〕1号', date: '2026-03-20', pages: 1, marker: 'NOTICE' },
    ];
    const ids: Record<string, string> = {};
    for (const d of docs) {
      const res = await uploadDocument(s, c.id, await makePdf(d.pages, d.marker), d);
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json() as { id: string; pageCount: number; sha256: string; sm3: string; mimeType: string; typeName: { zh: string } };
      expect(body).toMatchObject({ pageCount: d.pages, mimeType: 'application/pdf' });
      expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(body.sm3).toMatch(/^[0-9a-f]{64}$/);
      ids[d.marker] = body.id;
    }
    // A photo (PNG) becomes one A4 page; the declared type says octet-stream, the bytes say PNG.
    const photo = await uploadDocument(s, c.id, makePng(640, 360), { type: 'site_photo', title: '现场照片（门店外景）', date: '2026-03-03', fileName: 'photo.bin' }, 'application/octet-stream');
    expect(photo.statusCode, photo.body).toBe(201);
    expect(photo.json()).toMatchObject({ mimeType: 'image/png', pageCount: 1 });
    ids.PHOTO = photo.json().id;
    // An unsigned service receipt blocks archiving; the signed one is uploaded next to it (documents are write-once).
    const unsigned = await uploadDocument(s, c.id, await makePdf(1, 'RECEIPT0'), { type: 'decision_receipt', title: '送达回证（未签收）', date: '2026-03-26', receiptSigned: false });
    expect(unsigned.statusCode).toBe(201);

    await move(s, c.id, 'closed', '2026-03-30');
    st = await stateOf(s, c.id);
    expect(problemCodes(st)).toEqual([`receipt_unsigned:${unsigned.json().id}`]);
    // Archiving refuses while anything blocks, and writes nothing.
    const refused = await t.custodian.request('POST', `/api/cases/${c.id}/case-file/archive`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('CASE_FILE_INCOMPLETE');
    expect(refused.json().message).toContain('送达回证（未签收）');
    expect(await ctx.db.selectFrom('case_archive').selectAll().where('case_id', '=', c.id).execute()).toEqual([]);
    expect(await ctx.db.selectFrom('case_archive_counter').selectAll().where('year', '=', 2026).execute()).toEqual([]);
    // A working build is made whatever the review says (the 评查 reads it); only archiving needs a clean review.
    const built = await s.request('POST', `/api/cases/${c.id}/case-file/builds`);
    expect(built.statusCode, built.body).toBe(201);
    const build = built.json() as State['builds'][number];

    // The catalogue: binding order (立案审批表 → 决定书 + 回证 → 其他文书 → 证据 → 电子数据), pages in sequence.
    expect(build.catalogue.map((r) => `${r.kind}:${r.title}:${r.startPage}`)).toEqual([
      'document:立案审批表:1',
      'document:行政处罚决定书:3',
      'document:送达回证（未签收）:6',
      'document:行政处罚告知书:7',
      'document:询问笔录（法定代表人）:8',
      'document:现场照片（门店外景）:10',
      'electronic_data_list:电子数据（声像资料）清单:11',
      `recording:${build.catalogue[7]!.title}:11`,
      `recording:${build.catalogue[8]!.title}:11`,
      `recording:${build.catalogue[9]!.title}:11`,
    ]);
    expect(build.catalogue.filter((r) => r.kind === 'recording').map((r) => r.recordingId)).toEqual([r1, r2, r3]);
    expect(build.numberedPages).toBe(11);
    // cover + one catalogue page + 11 numbered pages + 备考表
    expect(build.totalPages).toBe(14);

    const pdfRes = await s.request('GET', `/api/cases/${c.id}/case-file/builds/${build.id}/pdf`);
    expect(pdfRes.statusCode).toBe(200);
    expect(pdfRes.headers['content-type']).toBe('application/pdf');
    expect(String(pdfRes.headers['content-disposition'])).toMatch(/^inline;/);
    const pdf = await readPdf(pdfRes.rawPayload);
    expect(pdf.pages).toBe(14);
    // Page numbers: none on the cover (1), the catalogue (2) and the 备考表 (14); 1…11 on pages 3…13.
    expect(pdf.top).toEqual(['', '', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '']);
    // Each catalogue row starts where the catalogue says: its document's first page carries its marker.
    const front = 2;
    const at = (page: number) => pdf.text[front + page - 1]!;
    expect(at(1)).toContain('FILING-P1');
    expect(at(2)).toContain('FILING-P2');
    expect(at(3)).toContain('DECISION-P1');
    expect(at(6)).toContain('RECEIPT0-P1');
    expect(at(7)).toContain('NOTICE-P1');
    expect(at(8)).toContain('INQUIRY-P1');
    expect(squash(at(11))).toContain('电子数据（声像资料）清单');
    // The photo page is an image page: no text but its number.
    expect(squash(at(10))).toBe('10');
    // Chinese text is real text: the cover and the catalogue read back.
    const cover = squash(pdf.text[0]!);
    for (const s2 of ['行政处罚案卷', '某某商贸有限公司未经许可从事经营活动案', '冀商执罚〔2026〕1号', '2026-03-02', '2026-03-30', '永久', '本卷件数7件', '本卷页数11页', 'F001']) expect(cover).toContain(s2);
    const catalogueText = pdf.text[1]!;
    expect(squash(catalogueText)).toContain('卷内目录');
    // The printed page column matches the stored catalogue (each title's line ends with its start page).
    for (const row of build.catalogue.filter((r) => r.kind === 'document')) {
      const line = catalogueText.split('\n').find((l) => squash(l).includes(squash(row.title).slice(0, 6)))!;
      expect(line, row.title).toBeDefined();
      expect(line).toMatch(new RegExp(`\\s${row.startPage}(-\\d+)?\\s*$`));
    }
    // Every linked recording is listed with its hashes and storage reference on the 电子数据 page.
    const ed = squash(at(11));
    for (const row of build.catalogue.filter((r) => r.kind === 'recording')) expect(ed).toContain(row.sha256!);
    expect(squash(pdf.text[13]!)).toContain('卷内备考表');
    expect(squash(pdf.text[13]!)).toContain('本卷共有文件材料7件，共11页');

    // Viewing the PDF and the documents is audited (第十四条).
    const views = await ctx.db.selectFrom('audit_event').select('action').where('target_id', '=', c.id).where('action', '=', 'case_file.view').execute();
    expect(views.length).toBe(1);
    const content = await s.request('GET', `/api/cases/${c.id}/documents/${ids.PHOTO}/content`);
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toBe('image/png');
    expect(content.rawPayload.equals(makePng(640, 360))).toBe(true);
  });
});

describe('archiving', () => {
  test('a clean general-procedure case is archived: 归档号, 档号, 永久, final PDF with the numbers; then locked (API and SQL)', async () => {
    const t = await team();
    const s = t.session;
    const c = await fileCase(s, { ...generalCase(t.dept.id, [t.p1.id, t.p2.id]), cause: '违规经营', filedOn: '2024-05-06' });
    const r = await makeRecording(ctx.db, { departmentId: t.dept.id, officerIds: [t.p1.id], uploadedBy: t.user.id, recordedStart: '2024-05-07T02:00:00Z' });
    await move(s, c.id, 'investigation', '2024-05-07');
    await s.request('POST', `/api/cases/${c.id}/links`, { recordingId: r, stage: 'investigation' });
    await move(s, c.id, 'review', '2024-05-10');
    await move(s, c.id, 'notice', '2024-05-11');
    await move(s, c.id, 'decision', '2024-05-20');
    await move(s, c.id, 'service', '2024-05-21');
    await s.request('POST', `/api/cases/${c.id}/written-reasons`, { stage: 'service', reason: '邮寄送达，无法录像' });
    await move(s, c.id, 'closed', '2024-05-30', '罚款已缴纳，无需执行');
    for (const [type, title, date, o] of [
      ['filing_approval', '立案审批表', '2024-05-06', {}],
      ['penalty_notice', '行政处罚告知书', '2024-05-11', {}],
      ['penalty_decision', '行政处罚决定书', '2024-05-20', { number: '冀商执罚〔2024〕9号' }],
      ['decision_receipt', '送达回证', '2024-05-21', { receiptSigned: true }],
    ] as const) {
      expect((await uploadDocument(s, c.id, await makePdf(1, type), { type, title, date, ...o })).statusCode).toBe(201);
    }
    expect((await stateOf(s, c.id)).review).toEqual({ ok: true, problems: [] });

    // The handling officer may compile, not archive (the custodian or leader does).
    expect((await s.request('POST', `/api/cases/${c.id}/case-file/archive`)).statusCode).toBe(403);
    const res = await t.custodian.request('POST', `/api/cases/${c.id}/case-file/archive`);
    expect(res.statusCode, res.body).toBe(200);
    const st = res.json() as State;
    expect(st.archive).toMatchObject({ archiveNumber: '20240001', dossierCode: 'F001-ZF·2024-Y-0001', retentionCode: 'Y', retainUntil: null });
    const final = st.builds.find((b) => b.id === st.archive!.buildId)!;
    expect(final.final).toBe(true);
    const pdf = await readPdf((await t.custodian.request('GET', `/api/cases/${c.id}/case-file/builds/${final.id}/pdf`)).rawPayload);
    const cover = squash(pdf.text[0]!);
    expect(cover).toContain('20240001');
    expect(cover).toContain('F001-ZF·2024-Y-0001');
    const audit = await ctx.db.selectFrom('audit_event').select(['details']).where('target_id', '=', c.id).where('action', '=', 'case_file.archive').execute();
    expect(audit).toMatchObject([{ details: { archiveNumber: '20240001' } }]);

    // The lock through the API: a document, a build, a stage move, a link, archiving again.
    const doc = await uploadDocument(s, c.id, await makePdf(1, 'LATE'), { type: 'other', title: '补充材料', date: '2024-05-30' });
    expect(doc.statusCode).toBe(409);
    expect(doc.json().code).toBe('CASE_ARCHIVED');
    expect((await s.request('POST', `/api/cases/${c.id}/case-file/builds`)).json().code).toBe('CASE_ARCHIVED');
    const back = await s.request('POST', `/api/cases/${c.id}/stage`, { to: 'decision', reason: '重新决定（测试）', on: '2024-05-30' });
    expect(back.statusCode).toBe(409);
    expect(back.json().code).toBe('CASE_LOCKED');
    const r2 = await makeRecording(ctx.db, { departmentId: t.dept.id, officerIds: [t.p1.id], uploadedBy: t.user.id, recordedStart: '2024-05-08T02:00:00Z' });
    const link = await s.request('POST', `/api/cases/${c.id}/links`, { recordingId: r2, stage: 'investigation' });
    expect(link.statusCode).toBe(409);
    expect((await t.custodian.request('POST', `/api/cases/${c.id}/case-file/archive`)).json().code).toBe('CASE_ARCHIVED');

    // The lock in the database, as the serving role itself: every change to the case's rows is refused.
    // (The trigger's refusal, or no privilege at all for the serving role on a write-once table.)
    const refused = async (q: ReturnType<typeof sql>) => {
      await expect(q.execute(ctx.db)).rejects.toThrow(/QUANLU_(CASE_ARCHIVED|APPEND_ONLY)|permission denied/);
    };
    await refused(sql`UPDATE enforcement_case SET cause = 'changed' WHERE id = ${c.id}`);
    await refused(sql`UPDATE enforcement_case SET updated_at = now() WHERE id = ${c.id}`);
    await refused(sql`DELETE FROM case_officer WHERE case_id = ${c.id}`);
    await refused(sql`INSERT INTO case_officer (case_id, person_id) VALUES (${c.id}, ${(await ctx.db.selectFrom('person').select('id').where('id', 'not in', [t.p1.id, t.p2.id]).executeTakeFirstOrThrow()).id})`);
    await refused(sql`UPDATE case_party SET name = 'x' WHERE case_id = ${c.id}`);
    await refused(sql`UPDATE case_recording_link SET unlinked_at = now(), unlinked_by = ${t.user.id}, unlink_reason = 'x' WHERE case_id = ${c.id}`);
    await refused(sql`INSERT INTO case_stage_event (case_id, to_stage, kind, reason, occurred_on, by_user) VALUES (${c.id}, 'decision', 'back', 'x', '2024-05-30', ${t.user.id})`);
    await refused(sql`UPDATE case_document SET title = 'x' WHERE case_id = ${c.id}`);
    await refused(sql`DELETE FROM case_archive WHERE case_id = ${c.id}`);
    await refused(sql`UPDATE case_archive SET retention_code = 'D10', retain_until = '2030-01-01' WHERE case_id = ${c.id}`);
    await expect(sql`UPDATE case_archive_counter SET last_serial = 1 WHERE year = 2024`.execute(ctx.db)).rejects.toThrow(/QUANLU_ARCHIVE_SERIAL/);
    const after = await ctx.db.selectFrom('enforcement_case').select(['cause', 'status']).where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ cause: '违规经营', status: 'closed' });
  });

  test('归档号 runs per year handled (立案 year), gap-free, also when two archive at once; simple procedure keeps 30 years', async () => {
    const t = await team();
    const a = await closedSimpleCase(t, '2023-02-01');
    const b = await closedSimpleCase(t, '2023-03-01');
    const older = await closedSimpleCase(t, '2022-12-30');
    const [ra, rb] = await Promise.all([a, b].map((c) => t.custodian.request('POST', `/api/cases/${c.id}/case-file/archive`)));
    expect([ra!.statusCode, rb!.statusCode]).toEqual([200, 200]);
    const numbers = [ra!.json(), rb!.json()].map((x: State) => x.archive!.archiveNumber).sort();
    expect(numbers).toEqual(['20230001', '20230002']);
    const ro = await t.custodian.request('POST', `/api/cases/${older.id}/case-file/archive`);
    expect((ro.json() as State).archive).toMatchObject({ archiveNumber: '20220001', dossierCode: 'F001-ZF·2022-D30-0001', retentionCode: 'D30', retainUntil: '2053-01-01' });
    expect(await ctx.db.selectFrom('case_archive_counter').selectAll().where('year', 'in', [2022, 2023]).orderBy('year').execute()).toEqual([
      { year: 2022, last_serial: 1 },
      { year: 2023, last_serial: 2 },
    ]);
  });

  test('a simple-procedure case misses its decision: the review says so and archiving refuses', async () => {
    const t = await team();
    const c = await fileCase(t.session, { ...generalCase(t.dept.id, [t.p1.id]), procedure: 'simple', filedOn: '2026-01-05' });
    await move(t.session, c.id, 'closed', '2026-01-05', '当场处罚，当场结案');
    const st = await stateOf(t.session, c.id);
    // The simple procedure needs the decision only (no filing form, notice or receipt), and one officer.
    expect(problemCodes(st)).toEqual(['missing_document:penalty_decision']);
    const res = await t.custodian.request('POST', `/api/cases/${c.id}/case-file/archive`);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('CASE_FILE_INCOMPLETE');
  });

  test('dates out of order and a recording whose fixity failed are found', async () => {
    const t = await team();
    const s = t.session;
    const c = await fileCase(s, { ...generalCase(t.dept.id, [t.p1.id, t.p2.id]), filedOn: '2026-02-02' });
    const r = await makeRecording(ctx.db, { departmentId: t.dept.id, officerIds: [t.p1.id], uploadedBy: t.user.id, recordedStart: '2026-02-03T02:00:00Z' });
    await move(s, c.id, 'investigation', '2026-02-03');
    await s.request('POST', `/api/cases/${c.id}/links`, { recordingId: r, stage: 'investigation' });
    // A filing form dated before the filing; a decision dated before its notice.
    await uploadDocument(s, c.id, await makePdf(1, 'F'), { type: 'filing_approval', title: '立案审批表', date: '2026-02-01' });
    await uploadDocument(s, c.id, await makePdf(1, 'N'), { type: 'penalty_notice', title: '告知书', date: '2026-02-20' });
    await uploadDocument(s, c.id, await makePdf(1, 'D'), { type: 'penalty_decision', title: '决定书', date: '2026-02-10' });
    const sha = (await ctx.db.selectFrom('recording').select('original_sha256').where('id', '=', r).executeTakeFirstOrThrow()).original_sha256;
    await ctx.db.updateTable('fixity_object').set({ last_result: 'sha256-mismatch', failing_since: new Date(), last_checked_at: new Date() }).where('sha256', '=', sha).execute();
    const codes = problemCodes(await stateOf(s, c.id));
    expect(codes.filter((x) => x.startsWith('dates_out_of_order'))).toHaveLength(2);
    expect(codes).toContain(`fixity_failed:${r}`);
  });
});

describe('who may see and do what (第十四条)', () => {
  test('role × action → status', async () => {
    const t = await team();
    const c = await fileCase(t.session, { ...generalCase(t.dept.id, [t.p1.id, t.p2.id]), filedOn: '2026-04-01' });
    const up = await uploadDocument(t.session, c.id, await makePdf(1, 'ACL'), { type: 'filing_approval', title: '立案审批表', date: '2026-04-01' });
    expect(up.statusCode).toBe(201);
    const docId = up.json().id as string;
    const buildId = (await t.session.request('POST', `/api/cases/${c.id}/case-file/builds`)).json().id as string;
    const as = async (roles: Parameters<typeof makeUser>[1]['roles'], sameDept: boolean) => {
      const u = await makeUser(ctx.db, { roles, departmentId: sameDept ? t.dept.id : (await makeTeam(ctx)).dept.id });
      return login(ctx.app, u.username, u.password);
    };
    const probe = async (s: Session) => [
      (await s.request('GET', `/api/cases/${c.id}/documents`)).statusCode,
      (await s.request('GET', `/api/cases/${c.id}/documents/${docId}/content`)).statusCode,
      (await s.request('GET', `/api/cases/${c.id}/case-file/builds/${buildId}/pdf`)).statusCode,
      (await uploadDocument(s, c.id, await makePdf(1, 'X'), { type: 'other', title: '其他', date: '2026-04-02' })).statusCode,
    ];
    // [list documents, read a document, read the PDF, upload]
    const expected: [string, Session, number[]][] = [
      ['handling officer', t.session, [200, 200, 200, 201]],
      ['officer of the department, not handling', await as(['officer'], true), [200, 404, 404, 404]],
      ['officer elsewhere', await as(['officer'], false), [404, 404, 404, 404]],
      ['custodian of the department', t.custodian, [200, 200, 200, 201]],
      ['leader of the department', await as(['leader'], true), [200, 200, 200, 201]],
      ['leader elsewhere', await as(['leader'], false), [404, 404, 404, 404]],
      ['supervisor', await as(['supervisor'], false), [200, 200, 200, 403]],
      ['admin', await as(['admin'], false), [200, 403, 403, 403]],
      ['auditor', await as(['auditor'], false), [200, 403, 403, 403]],
    ];
    for (const [who, s, statuses] of expected) expect(await probe(s), who).toEqual(statuses);
  });
});
