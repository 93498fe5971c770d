/**
 * Superseding a case document (issue 9 follow-up, migration 0015): a document uploaded with a mistake is replaced
 * by another document of the same case with a written reason. The old one stays stored and listed (已被替换, with
 * who/when/why and its replacement); it leaves the bound case file and 案卷评查. Refusals: no reason (400), twice
 * (409), a replacement already replaced (409), another case's document (400), after archiving (409), someone
 * outside the case's scope (404). The new table is write-once for the serving role and the owner alike.
 * Real PostgreSQL, pdfkit, poppler.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, login, makeUser, type Session, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam } from '../cases/case-fixtures.ts';
import { makePdf, readPdf, squash, uploadDocument } from './case-file-fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
  await ctx.db.insertInto('setting').values({ key: 'agency.fondsNumber', value: JSON.stringify('F001') }).execute();
});
afterAll(() => ctx.close());

interface Doc {
  id: string;
  title: string;
  receiptSigned: boolean | null;
  supersededBy: null | { documentId: string; reason: string; at: string; by: string };
  supersedes: string | null;
}

/** A department's handling officer and its custodian (who archives). */
async function team() {
  const t = await makeTeam(ctx, { roles: ['officer'], asOfficer: true });
  const custodian = await makeUser(ctx.db, { roles: ['custodian'], departmentId: t.dept.id });
  return { ...t, custodian: await login(ctx.app, custodian.username, custodian.password) };
}

/**
 * A simple-procedure case closed on `on` with its decision, and a 送达回证 recorded as unsigned by mistake: the one
 * thing the review finds.
 */
async function caseWithUnsignedReceipt(t: Awaited<ReturnType<typeof team>>, on: string, marker: string) {
  const c = await fileCase(t.session, { ...generalCase(t.dept.id, [t.p1.id]), procedure: 'simple', filedOn: on, parties: [{ kind: 'organisation', name: '某便利店', idType: 'credit_code', idNumber: '91130100MA0000000X' }] });
  const mv = await t.session.request('POST', `/api/cases/${c.id}/stage`, { to: 'closed', on, reason: '当场处罚，当场结案' });
  expect(mv.statusCode, mv.body).toBe(200);
  const dec = await uploadDocument(t.session, c.id, await makePdf(1, `${marker}DECISION`), { type: 'penalty_decision', title: '当场行政处罚决定书', number: `当场〔2026〕${c.id.slice(0, 4)}号`, date: on });
  expect(dec.statusCode, dec.body).toBe(201);
  const bad = await uploadDocument(t.session, c.id, await makePdf(1, `${marker}UNSIGNED`), { type: 'decision_receipt', title: '送达回证（误录未签收）', date: on, receiptSigned: false });
  expect(bad.statusCode, bad.body).toBe(201);
  return { caseId: c.id as string, unsigned: bad.json().id as string };
}

const supersede = (s: Session, caseId: string, documentId: string, body: Record<string, unknown>, lang?: string) =>
  s.request('POST', `/api/cases/${caseId}/documents/${documentId}/supersede`, body, lang ? { 'accept-language': lang } : undefined);
const problemCodes = async (s: Session, caseId: string) =>
  ((await s.request('GET', `/api/cases/${caseId}/case-file`)).json() as { review: { problems: { code: string }[] } }).review.problems.map((p) => p.code);
const count = async (table: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.db)).rows[0]!.n);
const supersedeEvents = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'case_document.supersede'`.execute(ctx.db)).rows[0]!.n);

describe('superseding a document', () => {
  test('an unsigned receipt replaced by the signed one: the review passes, archiving succeeds, the PDF holds only the replacement', async () => {
    const t = await team();
    const { caseId, unsigned } = await caseWithUnsignedReceipt(t, '2026-04-07', 'SUP1');
    expect(await problemCodes(t.session, caseId)).toEqual(['receipt_unsigned']);
    // Archiving refuses while the unsigned receipt is in force.
    expect((await t.custodian.request('POST', `/api/cases/${caseId}/case-file/archive`)).statusCode).toBe(409);

    const good = await uploadDocument(t.session, caseId, await makePdf(1, 'SUP1SIGNED'), { type: 'decision_receipt', title: '送达回证（签收件）', date: '2026-04-07', receiptSigned: true });
    expect(good.statusCode, good.body).toBe(201);
    // Still blocked: the wrong one has not been superseded yet.
    expect(await problemCodes(t.session, caseId)).toEqual(['receipt_unsigned']);

    const reason = '原送达回证误录为未签收，现上传当事人签收件';
    const res = await supersede(t.session, caseId, unsigned, { replacementId: good.json().id, reason });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: unsigned, supersededBy: { documentId: good.json().id, reason, by: t.user.username } });

    // Both stay listed: the old one marked 已被替换 with its replacement, the new one naming what it replaced.
    const list = (await t.session.request('GET', `/api/cases/${caseId}/documents`)).json() as Doc[];
    expect(list).toHaveLength(3);
    const old = list.find((d) => d.id === unsigned)!;
    expect(old.supersededBy).toMatchObject({ documentId: good.json().id, reason, by: t.user.username });
    expect(Date.now() - Date.parse(old.supersededBy!.at)).toBeLessThan(120_000);
    expect(list.find((d) => d.id === good.json().id)).toMatchObject({ supersededBy: null, supersedes: unsigned, receiptSigned: true });
    // Its bytes are still readable.
    expect((await t.session.request('GET', `/api/cases/${caseId}/documents/${unsigned}/content`)).statusCode).toBe(200);

    // Audited with the reason, in the same transaction as the row.
    const audit = await ctx.db.selectFrom('audit_event').select(['action', 'details']).where('target_id', '=', unsigned).where('action', '=', 'case_document.supersede').execute();
    expect(audit).toMatchObject([{ details: { caseId, replacementId: good.json().id, reason } }]);

    expect(await problemCodes(t.session, caseId)).toEqual([]);
    const ar = await t.custodian.request('POST', `/api/cases/${caseId}/case-file/archive`);
    expect(ar.statusCode, ar.body).toBe(200);
    const st = ar.json() as { archive: { buildId: string }; builds: { id: string; catalogue: { documentId?: string }[] }[] };
    const final = st.builds.find((b) => b.id === st.archive.buildId)!;
    const docIds = final.catalogue.map((r) => r.documentId).filter(Boolean);
    expect(docIds).toContain(good.json().id);
    expect(docIds).not.toContain(unsigned);
    const pdf = await t.session.request('GET', `/api/cases/${caseId}/case-file/builds/${final.id}/pdf`);
    expect(pdf.statusCode).toBe(200);
    const text = squash((await readPdf(pdf.rawPayload)).text.join('\n'));
    expect(text).toContain('SUP1SIGNED-P1');
    expect(text).toContain('SUP1DECISION-P1');
    expect(text).not.toContain('SUP1UNSIGNED');
    expect(text).not.toContain('误录未签收');
  });

  test('refusals: no reason 400, twice 409, a replaced replacement 409, another case 400, itself 400, out of scope 404 — nothing written', async () => {
    const t = await team();
    const a = await caseWithUnsignedReceipt(t, '2026-04-08', 'SUP2');
    const b = await caseWithUnsignedReceipt(t, '2026-04-09', 'SUP3');
    const r1 = (await uploadDocument(t.session, a.caseId, await makePdf(1, 'SUP2R1'), { type: 'decision_receipt', title: '送达回证（签收件）', date: '2026-04-08', receiptSigned: true })).json().id as string;
    const r2 = (await uploadDocument(t.session, a.caseId, await makePdf(1, 'SUP2R2'), { type: 'decision_receipt', title: '送达回证（签收件二）', date: '2026-04-08', receiptSigned: true })).json().id as string;
    const before = { rows: await count('case_document_supersession'), audit: await supersedeEvents() };

    // No reason, an empty one, blanks only: 400 with its own message in both languages.
    for (const body of [{ replacementId: r1 }, { replacementId: r1, reason: '' }, { replacementId: r1, reason: '   ' }]) {
      const zh = await supersede(t.session, a.caseId, a.unsigned, body);
      expect(zh.statusCode, JSON.stringify(body)).toBe(400);
      expect(zh.json()).toMatchObject({ code: 'SUPERSEDE_REASON_REQUIRED' });
      expect(zh.json().message).toContain('须写明理由');
      const en = await supersede(t.session, a.caseId, a.unsigned, body, 'en');
      expect(en.json().message).toContain('needs a written reason');
    }
    // Another case's document as the replacement; the document as its own replacement; a random id.
    const other = await supersede(t.session, a.caseId, a.unsigned, { replacementId: b.unsigned, reason: '换' });
    expect([other.statusCode, other.json().code]).toEqual([400, 'SUPERSEDE_OTHER_CASE']);
    expect(other.json().message).toContain('同一案件');
    const self = await supersede(t.session, a.caseId, a.unsigned, { replacementId: a.unsigned, reason: '换' });
    expect([self.statusCode, self.json().code]).toEqual([400, 'SUPERSEDE_SELF']);
    // The superseded document of another case, addressed through this case: not found here.
    expect((await supersede(t.session, a.caseId, b.unsigned, { replacementId: r1, reason: '换' })).statusCode).toBe(404);
    // An officer of another department (outside the case's scope) sees nothing: 404.
    const stranger = await makeTeam(ctx, { roles: ['officer'], asOfficer: true });
    expect((await supersede(stranger.session, a.caseId, a.unsigned, { replacementId: r1, reason: '换' })).statusCode).toBe(404);
    expect({ rows: await count('case_document_supersession'), audit: await supersedeEvents() }).toEqual(before);

    // Once: the second time is a 409, whatever the replacement.
    expect((await supersede(t.session, a.caseId, a.unsigned, { replacementId: r1, reason: '误录未签收' })).statusCode).toBe(200);
    const twice = await supersede(t.session, a.caseId, a.unsigned, { replacementId: r2, reason: '再换一次' });
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'DOCUMENT_ALREADY_SUPERSEDED']);
    expect(twice.json().message).toContain('不能再次替换');
    // A replaced document cannot serve as a replacement.
    const stale = await supersede(t.session, a.caseId, r2, { replacementId: a.unsigned, reason: '换回旧件' });
    expect([stale.statusCode, stale.json().code]).toEqual([409, 'REPLACEMENT_SUPERSEDED']);
    expect(await count('case_document_supersession')).toBe(before.rows + 1);
  });

  test('after archiving: the API answers 409 and the database refuses the row as the serving role', async () => {
    const t = await team();
    const { caseId, unsigned } = await caseWithUnsignedReceipt(t, '2026-04-10', 'SUP4');
    const good = (await uploadDocument(t.session, caseId, await makePdf(1, 'SUP4SIGNED'), { type: 'decision_receipt', title: '送达回证（签收件）', date: '2026-04-10', receiptSigned: true })).json().id as string;
    const extra = (await uploadDocument(t.session, caseId, await makePdf(1, 'SUP4EXTRA'), { type: 'inquiry_record', title: '询问笔录', date: '2026-04-10' })).json().id as string;
    expect((await supersede(t.session, caseId, unsigned, { replacementId: good, reason: '误录未签收' })).statusCode).toBe(200);
    expect((await t.custodian.request('POST', `/api/cases/${caseId}/case-file/archive`)).statusCode).toBe(200);

    const late = await supersede(t.session, caseId, extra, { replacementId: good, reason: '归档后再换' });
    expect([late.statusCode, late.json().code]).toEqual([409, 'CASE_ARCHIVED']);
    await expect(
      sql`INSERT INTO case_document_supersession (superseded_id, replacement_id, case_id, reason, superseded_by) VALUES (${extra}, ${good}, ${caseId}, 'x', ${t.user.id})`.execute(ctx.db),
    ).rejects.toThrow(/QUANLU_CASE_ARCHIVED/);
  });

  test('the supersession is write-once: UPDATE, DELETE refused to the serving role; the owner meets the triggers; the same-case rule holds in SQL', async () => {
    const t = await team();
    const a = await caseWithUnsignedReceipt(t, '2026-04-11', 'SUP5');
    const b = await caseWithUnsignedReceipt(t, '2026-04-12', 'SUP6');
    const good = (await uploadDocument(t.session, a.caseId, await makePdf(1, 'SUP5SIGNED'), { type: 'decision_receipt', title: '送达回证（签收件）', date: '2026-04-11', receiptSigned: true })).json().id as string;
    expect((await supersede(t.session, a.caseId, a.unsigned, { replacementId: good, reason: '误录未签收' })).statusCode).toBe(200);

    await expect(sql`UPDATE case_document_supersession SET reason = 'changed' WHERE superseded_id = ${a.unsigned}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM case_document_supersession WHERE superseded_id = ${a.unsigned}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`TRUNCATE case_document_supersession`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`UPDATE case_document_supersession SET reason = 'changed' WHERE superseded_id = ${a.unsigned}`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
    await expect(sql`DELETE FROM case_document_supersession WHERE superseded_id = ${a.unsigned}`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
    await expect(sql`TRUNCATE case_document_supersession`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
    // A second row for the same document, and a replacement from another case, written straight in SQL.
    await expect(
      sql`INSERT INTO case_document_supersession (superseded_id, replacement_id, case_id, reason, superseded_by) VALUES (${a.unsigned}, ${good}, ${a.caseId}, 'x', ${t.user.id})`.execute(ctx.db),
    ).rejects.toThrow(/duplicate key/);
    await expect(
      sql`INSERT INTO case_document_supersession (superseded_id, replacement_id, case_id, reason, superseded_by) VALUES (${b.unsigned}, ${good}, ${b.caseId}, 'x', ${t.user.id})`.execute(ctx.db),
    ).rejects.toThrow(/QUANLU_SUPERSEDE_OTHER_CASE/);
    expect(await ctx.db.selectFrom('case_document_supersession').select(['reason']).where('superseded_id', '=', a.unsigned).execute()).toEqual([{ reason: '误录未签收' }]);
  });
  test('role × action → status: superseding is decided like uploading a document', async () => {
    const t = await team();
    const c = await fileCase(t.session, { ...generalCase(t.dept.id, [t.p1.id, t.p2.id]), filedOn: '2026-04-01' });
    const as = async (roles: Parameters<typeof makeUser>[1]['roles'], sameDept: boolean) => {
      const u = await makeUser(ctx.db, { roles, departmentId: sameDept ? t.dept.id : (await makeTeam(ctx)).dept.id });
      return login(ctx.app, u.username, u.password);
    };
    /** A fresh pair uploaded by the handling officer, then superseded by `s`. */
    const probe = async (s: Session) => {
      const [a, b] = await Promise.all(['A', 'B'].map(async (m) => (await uploadDocument(t.session, c.id, await makePdf(1, `ACL${m}`), { type: 'other', title: `其他${m}`, date: '2026-04-02' })).json().id as string));
      return (await supersede(s, c.id, a!, { replacementId: b!, reason: '扫描件有误' })).statusCode;
    };
    const expected: [string, Session, number][] = [
      ['handling officer', t.session, 200],
      ['officer of the department, not handling', await as(['officer'], true), 404],
      ['officer elsewhere', await as(['officer'], false), 404],
      ['custodian of the department', t.custodian, 200],
      ['leader of the department', await as(['leader'], true), 200],
      ['leader elsewhere', await as(['leader'], false), 404],
      ['supervisor', await as(['supervisor'], false), 403],
      ['admin', await as(['admin'], false), 403],
      ['auditor', await as(['auditor'], false), 403],
    ];
    for (const [who, s, status] of expected) expect(await probe(s), who).toBe(status);
  });
});
