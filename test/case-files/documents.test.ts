/**
 * Case documents, bad input (issue 9 §3): not a PDF or image (by content, whatever the name or declared type),
 * an encrypted PDF, a 2,000-page PDF (limit 500, configurable), a broken PDF, an unknown document type — each a
 * clear 4xx in both languages, and nothing written: no document row, no original, no stored object, no audit
 * event. A document is write-once in the database.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, loginAs, type TestContext } from '../support/harness.ts';
import { fileCase, generalCase, makeTeam } from '../cases/case-fixtures.ts';
import { makePdf, makePng, uploadDocument } from './case-file-fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

/** Everything an upload could leave behind. */
async function footprint() {
  const n = async (table: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.db)).rows[0]!.n);
  const objects: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else objects.push(p);
    }
  };
  await walk(path.join(ctx.dataDir, 'store', 'objects'));
  return { documents: await n('case_document'), originals: await n('original'), audit: await n('audit_event'), objects: objects.length };
}

async function manyPages(pages: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) doc.addPage([595, 842]).drawText(`page ${i}`, { x: 72, y: 700, size: 12, font });
  return Buffer.from(await doc.save());
}

describe('refused documents', () => {
  test('each bad file is a clear 4xx (zh and en) and leaves nothing behind', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx, { roles: ['officer'], asOfficer: true });
    const c = await fileCase(session, { ...generalCase(dept.id, [p1.id, p2.id]), filedOn: '2026-05-01' });
    const good = await makePdf(2, 'GOOD');
    const cases: [string, Buffer, string, number, string, RegExp][] = [
      // [what, bytes, declared type, status, code, words of the Chinese message]
      ['a text file called .pdf', Buffer.from('这不是 PDF，只是文字。\n'), 'application/pdf', 415, 'DOCUMENT_NOT_SUPPORTED', /只能上传 PDF 或图片/],
      ['a Word file', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200)]), 'application/octet-stream', 415, 'DOCUMENT_NOT_SUPPORTED', /只能上传 PDF 或图片/],
      ['an encrypted PDF', await makePdf(1, 'SECRET', { userPassword: 'pw', plain: true }), 'application/pdf', 422, 'DOCUMENT_ENCRYPTED', /已加密/],
      ['a 2,000-page PDF', await manyPages(2000), 'application/pdf', 422, 'DOCUMENT_TOO_MANY_PAGES', /共 2000 页，超过每份文书 500 页的上限/],
      ['a truncated PDF', good.subarray(0, Math.floor(good.length / 3)), 'application/pdf', 422, 'DOCUMENT_BROKEN', /文件已损坏/],
      ['a PNG cut short', makePng(50, 50).subarray(0, 40), 'image/png', 422, 'DOCUMENT_BROKEN', /文件已损坏/],
      ['an empty body', Buffer.alloc(0), 'application/pdf', 400, 'EMPTY_FILE', /文件为空/],
    ];
    const before = await footprint();
    for (const [what, bytes, type, status, code, zh] of cases) {
      const res = await uploadDocument(session, c.id, bytes, { type: 'inquiry_record', title: '询问笔录', date: '2026-05-02' }, type);
      expect(res.statusCode, what).toBe(status);
      expect(res.json().code, what).toBe(code);
      expect(res.json().message, what).toMatch(zh);
      const en = await session.request('POST', `/api/cases/${c.id}/documents?type=inquiry_record&title=x&responsible=y&date=2026-05-02&fileName=f.pdf`, bytes.length ? bytes : Buffer.alloc(0), { 'content-type': type, 'accept-language': 'en' });
      expect(en.json().message, what).toMatch(/[A-Za-z]{4,}/);
      expect(en.json().message, what).not.toMatch(/[\u3400-\u9fff]{3,}/);
    }
    // An unknown document type, a non-JSON declared type the route does not take.
    const unknown = await uploadDocument(session, c.id, good, { type: 'love_letter', title: 'x', date: '2026-05-02' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('DOCUMENT_TYPE_UNKNOWN');
    const xml = await uploadDocument(session, c.id, good, { type: 'inquiry_record', title: 'x', date: '2026-05-02' }, 'application/xml');
    expect(xml.statusCode).toBe(415);
    expect(await footprint()).toEqual(before);

    // The page limit is a setting: at 3 pages, a 4-page PDF is refused; the good 2-page one is taken.
    await ctx.db.insertInto('setting').values({ key: 'caseFile.maxDocumentPages', value: JSON.stringify(3) }).execute();
    const four = await uploadDocument(session, c.id, await makePdf(4, 'FOUR'), { type: 'inquiry_record', title: '询问笔录', date: '2026-05-02' });
    expect(four.statusCode).toBe(422);
    expect(four.json().message).toContain('共 4 页，超过每份文书 3 页的上限');
    const ok = await uploadDocument(session, c.id, good, { type: 'inquiry_record', title: '询问笔录', date: '2026-05-02' });
    expect(ok.statusCode).toBe(201);
    const after = await footprint();
    expect(after).toEqual({ documents: before.documents + 1, originals: before.originals + 1, audit: before.audit + 1, objects: before.objects + 1 });
    await ctx.db.updateTable('setting').set({ value: JSON.stringify(500) }).where('key', '=', 'caseFile.maxDocumentPages').execute();
  });

  test('a document is write-once: the serving role can neither change nor remove it', async () => {
    const { dept, p1, p2, session } = await makeTeam(ctx, { roles: ['officer'], asOfficer: true });
    const c = await fileCase(session, { ...generalCase(dept.id, [p1.id, p2.id]), filedOn: '2026-05-01' });
    const res = await uploadDocument(session, c.id, await makePdf(1, 'W1'), { type: 'decision_receipt', title: '送达回证', date: '2026-05-03', receiptSigned: false });
    expect(res.statusCode).toBe(201);
    expect(res.json().receiptSigned).toBe(false);
    await expect(sql`UPDATE case_document SET receipt_signed = true WHERE id = ${res.json().id}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM case_document WHERE id = ${res.json().id}`.execute(ctx.db)).rejects.toThrow(/permission denied/);
    // Even the owner (who holds the grants) meets the trigger.
    await expect(sql`UPDATE case_document SET receipt_signed = true WHERE id = ${res.json().id}`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
    const audit = await ctx.db.selectFrom('audit_event').select(['action', 'details']).where('target_id', '=', res.json().id).execute();
    expect(audit).toMatchObject([{ action: 'case_document.upload', details: { caseId: c.id, type: 'decision_receipt', pages: 1 } }]);
  });
});

describe('the case-file template (data, versioned)', () => {
  test('an admin adds a version; builds name it; a bad template is a 400; others may not change it', async () => {
    const admin = await loginAs(ctx, ['admin']);
    const v1 = (await admin.session.request('GET', '/api/case-file-template')).json() as { version: number; retention: { general: string } } & Record<string, unknown>;
    expect(v1.version).toBeGreaterThanOrEqual(1);
    expect(v1.retention).toEqual({ general: 'Y', simple: 'D30' });
    const { version: _v, ...body } = v1;
    const put = await admin.session.request('PUT', '/api/case-file-template', { ...body, retention: { general: 'Y', simple: 'D10' }, organisationCode: 'ZD' });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ version: v1.version + 1, retention: { simple: 'D10' }, organisationCode: 'ZD' });
    const dup = await admin.session.request('PUT', '/api/case-file-template', { ...body, documentTypes: [...(body.documentTypes as object[]), (body.documentTypes as object[])[0]] });
    expect(dup.statusCode).toBe(400);
    const officer = await loginAs(ctx, ['officer']);
    expect((await officer.session.request('PUT', '/api/case-file-template', body)).statusCode).toBe(403);
    const rows = await ctx.db.selectFrom('case_file_template').select('version').orderBy('version').execute();
    expect(rows.map((r) => r.version)).toEqual([...Array(v1.version + 1).keys()].map((i) => i + 1));
    const audit = await ctx.db.selectFrom('audit_event').select('details').where('action', '=', 'case_file_template.update').execute();
    expect(audit).toMatchObject([{ details: { previousVersion: v1.version, version: v1.version + 1 } }]);
    await expect(sql`UPDATE case_file_template SET body = '{}' WHERE version = 1`.execute(ctx.ownerDb)).rejects.toThrow(/QUANLU_APPEND_ONLY/);
  });
});
