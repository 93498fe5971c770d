import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiAs, expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeUser } from '../support/harness.ts';
import { makePdf } from '../case-files/case-file-fixtures.ts';

/**
 * 替换 in real Chromium (issue 9 follow-up): a closed simple-procedure case whose 送达回证 was recorded unsigned by
 * mistake; the signed one is uploaded; the officer clicks 替换 on the wrong row, chooses the signed one, is told a
 * reason is needed, writes it; the row stays listed, struck through and marked 已被替换 with who/why and its
 * replacement; the review turns green. Screenshots of each step.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let officer: { username: string; password: string };
let caseId: string;
let unsignedId: string;
let signedId: string;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-supersede-');
  const { database, server } = web;
  await database.db.insertInto('setting').values({ key: 'agency.fondsNumber', value: JSON.stringify('F001') }).execute();
  const dept = await makeDepartment(database.db, { name: '商务综合执法二大队' });
  const p1 = await makePerson(database.db, { departmentId: dept.id, name: '王强' });
  officer = await makeUser(database.db, { roles: ['officer'], departmentId: dept.id, personId: p1.id });
  const api = await apiAs(server.url, officer.username, officer.password);
  const c = await api('POST', '/api/cases', {
    caseNumber: '当场〔2026〕15号',
    cause: '占道经营',
    actKind: 'penalty',
    procedure: 'simple',
    departmentId: dept.id,
    filedOn: '2026-07-01',
    officers: [{ personId: p1.id }],
    parties: [{ kind: 'organisation', name: '某便利店', idType: 'credit_code', idNumber: '91130100MA0000000X' }],
  });
  caseId = c.id;
  await api('POST', `/api/cases/${caseId}/stage`, { to: 'closed', on: '2026-07-01', reason: '当场处罚，当场结案' });
  const upload = async (type: string, title: string, marker: string, signed?: boolean) =>
    (
      await api(
        'POST',
        `/api/cases/${caseId}/documents?${new URLSearchParams({ type, title, date: '2026-07-01', responsible: '市商务局商务综合执法支队', fileName: `${type}.pdf`, ...(signed !== undefined && { receiptSigned: String(signed) }) })}`,
        await makePdf(1, marker),
        'application/pdf',
      )
    ).id as string;
  await upload('penalty_decision', '当场行政处罚决定书', 'DECISION');
  unsignedId = await upload('decision_receipt', '送达回证（误录为未签收）', 'UNSIGNED', false);
  signedId = await upload('decision_receipt', '送达回证（当事人签收件）', 'SIGNED', true);
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 1000 }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

test('the officer replaces the unsigned receipt by the signed one with a reason; it stays listed, marked 已被替换', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'supersede-failure'));
  const base = web.server.url;
  await loginAs(page, base, officer);
  await page.goto(`${base}/cases/${caseId}/case-file`);
  const card = page.getByTestId('case-file-card');
  await expectText(card.getByTestId('case-file-review'), '未经受送达人签收');
  await shot(page, 'supersede-1-blocked');

  await card.getByTestId(`supersede-${unsignedId}`).click();
  const modal = page.locator('.ant-modal').filter({ hasText: '替换文书' });
  await modal.getByTestId('supersede-replacement').click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: '当事人签收件' }).first().click();
  // No reason: the form says so and nothing is sent.
  await modal.getByRole('button', { name: /替\s*换/ }).click();
  await expectText(modal, '请写明替换理由');
  await shot(page, 'supersede-2-reason-required');
  expect(await web.database.db.selectFrom('case_document_supersession').selectAll().execute()).toEqual([]);
  await modal.getByTestId('supersede-reason').fill('原送达回证误录为未签收，现以当事人签收件替换');
  await modal.getByRole('button', { name: /替\s*换/ }).click();

  await expectText(card.getByTestId('superseded-note'), '原送达回证误录为未签收');
  const note = await card.getByTestId('superseded-note').innerText();
  expect(note).toContain('已被替换');
  expect(note).toContain(officer.username);
  expect(note).toContain('替换为“送达回证（当事人签收件）”');
  // Still listed (three rows), the replacement names what it replaced, and no 替换 button on the replaced row.
  expect(await card.getByTestId('case-file-documents').locator('tbody tr.ant-table-row').count()).toBe(3);
  await expectText(card.getByTestId('case-file-documents'), '替换了“送达回证（误录为未签收）”');
  expect(await card.getByTestId(`supersede-${unsignedId}`).count()).toBe(0);
  expect(await card.getByTestId(`supersede-${signedId}`).count()).toBe(1);
  await expectText(card.getByTestId('case-file-review'), '评查通过');
  await shot(page, 'supersede-3-done');
  expect(await web.database.db.selectFrom('case_document_supersession').select(['superseded_id', 'replacement_id']).execute()).toEqual([{ superseded_id: unsignedId, replacement_id: signedId }]);
  expect(pageErrors).toEqual([]);
}, 240_000);
