import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiAs, expectText, launchBrowser, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeRecording, makeUser } from '../support/harness.ts';
import { sequenceAuditEvents } from '../../src/platform/audit/audit-chain.ts';
import { makePdf, readPdf, squash } from '../case-files/case-file-fixtures.ts';

/**
 * 卷宗 in real Chromium against the real server and PostgreSQL: a closed general-procedure case lacks only its
 * signed service receipt; the custodian uploads it on the case-file page (PDF chosen in the file dialog), the
 * review turns green, 生成案卷 builds the PDF, the link serves it inline (read back with pdftotext), and 归档
 * gives the 归档号. Screenshots of each step.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let custodian: { username: string; password: string };
let caseId: string;
let receiptFile: string;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-casefile-');
  const { database, server, dataDir } = web;
  await database.db.insertInto('setting').values({ key: 'agency.fondsNumber', value: JSON.stringify('F001') }).execute();
  const dept = await makeDepartment(database.db, { name: '商务综合执法一大队' });
  const p1 = await makePerson(database.db, { departmentId: dept.id, name: '张明' });
  const p2 = await makePerson(database.db, { departmentId: dept.id, name: '李华' });
  const officer = await makeUser(database.db, { roles: ['officer'], departmentId: dept.id, personId: p1.id });
  custodian = await makeUser(database.db, { roles: ['custodian'], departmentId: dept.id });
  const api = await apiAs(server.url, officer.username, officer.password);
  const c = await api('POST', '/api/cases', {
    caseNumber: '冀商执罚〔2026〕8号',
    cause: '未经许可从事经营活动',
    actKind: 'penalty',
    procedure: 'general',
    departmentId: dept.id,
    filedOn: '2026-06-01',
    officers: [{ personId: p1.id }, { personId: p2.id }],
    parties: [{ kind: 'organisation', name: '某某商贸有限公司', idType: 'credit_code', idNumber: '91130100MA0ABCDE1X' }],
  });
  caseId = c.id;
  const r1 = await makeRecording(database.db, { departmentId: dept.id, officerIds: [p1.id, p2.id], uploadedBy: officer.id, recordedStart: '2026-06-02T02:00:00Z' });
  const r2 = await makeRecording(database.db, { departmentId: dept.id, officerIds: [p1.id, p2.id], uploadedBy: officer.id, recordedStart: '2026-06-12T02:00:00Z' });
  const stage = (to: string, on: string, reason?: string) => api('POST', `/api/cases/${caseId}/stage`, { to, on, ...(reason && { reason }) });
  await stage('investigation', '2026-06-02');
  await api('POST', `/api/cases/${caseId}/links`, { recordingId: r1, stage: 'investigation' });
  await stage('review', '2026-06-05');
  await stage('notice', '2026-06-06');
  await stage('decision', '2026-06-10');
  await stage('service', '2026-06-12');
  await api('POST', `/api/cases/${caseId}/links`, { recordingId: r2, stage: 'service' });
  await stage('closed', '2026-06-20', '罚款已当场缴纳，无需执行');
  const upload = async (type: string, title: string, date: string, pages: number, number = '') =>
    api('POST', `/api/cases/${caseId}/documents?${new URLSearchParams({ type, title, date, responsible: '市商务局商务综合执法支队', fileName: `${type}.pdf`, number })}`, await makePdf(pages, type.toUpperCase()), 'application/pdf');
  await upload('filing_approval', '立案审批表', '2026-06-01', 1);
  await upload('inquiry_record', '询问笔录', '2026-06-02', 3);
  await upload('penalty_notice', '行政处罚告知书', '2026-06-06', 1, '冀商执告〔2026〕8号');
  await upload('penalty_decision', '行政处罚决定书', '2026-06-10', 2, '冀商执罚〔2026〕8号');
  receiptFile = path.join(dataDir, '送达回证.pdf');
  await writeFile(receiptFile, await makePdf(1, 'RECEIPT'));
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 1000 }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

test('the custodian uploads the signed receipt, builds and views the case file, and archives it', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'case-file-failure'));
  const base = web.server.url;
  await page.goto(base);
  await page.waitForURL(/\/login$/);
  await page.getByLabel('用户名').fill(custodian.username);
  await page.getByLabel('密码').fill(custodian.password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.getByText('欢迎').waitFor();

  await page.goto(`${base}/cases/${caseId}/case-file`);
  const card = page.getByTestId('case-file-card');
  await expectText(card.getByTestId('case-file-review'), '缺少送达回证（处罚决定书）');
  await expectText(card.getByTestId('case-file-documents'), '行政处罚决定书');
  await shot(page, 'case-file-1-review');

  // Upload the signed receipt.
  await card.getByTestId('case-file-upload').click();
  const modal = page.locator('.ant-modal');
  await modal.getByTestId('upload-type').click();
  await page.keyboard.type('送达回证（处罚');
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: '送达回证（处罚决定书）' }).first().click();
  await modal.getByTestId('upload-title').fill('送达回证（行政处罚决定书）');
  await modal.getByTestId('upload-responsible').fill('市商务局商务综合执法支队');
  const date = modal.getByLabel('日期');
  await date.fill('2026-06-12');
  await date.press('Enter');
  await modal.getByRole('switch').click();
  await modal.locator('input[type=file]').setInputFiles(receiptFile);
  await shot(page, 'case-file-2-upload');
  await modal.getByRole('button', { name: /确\s*定|OK/ }).click();
  await expectText(card.getByTestId('case-file-documents'), '送达回证（行政处罚决定书）');
  await expectText(card.getByTestId('case-file-review'), '评查通过');

  // Build; the progress shows while it runs.
  await card.getByTestId('case-file-build').click();
  await expectText(card.getByTestId('case-file-builds'), '工作版', 60_000);
  const link = card.getByTestId('case-file-pdf-link').first();
  const href = await link.getAttribute('href');
  expect(href).toMatch(new RegExp(`/api/cases/${caseId}/case-file/builds/[0-9a-f-]{36}/pdf$`));
  await card.getByTestId('case-file-builds').locator('.ant-table-row-expand-icon').first().click();
  await expectText(card.getByTestId('case-file-builds'), '电子数据（声像资料）清单');
  await shot(page, 'case-file-3-built');

  // The link opens the PDF in a new tab; it is served inline in the browser's own session.
  const [popup] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await expect.poll(() => popup.url()).toMatch(/\/pdf$/);
  await popup.close();
  const resp = await page.context().request.get(`${base}${href}`);
  expect(resp.status()).toBe(200);
  expect(resp.headers()['content-type']).toBe('application/pdf');
  expect(resp.headers()['content-disposition']).toMatch(/^inline/);
  const pdf = await readPdf(await resp.body());
  // cover + catalogue + (1 + 2 + 1 + 1 + 3 + 1 electronic data) + 备考表
  expect(pdf.pages).toBe(12);
  expect(squash(pdf.text[0]!)).toContain('某某商贸有限公司未经许可从事经营活动案');
  // Both reads (the tab and the check) are in the audit log as consultations of the case file.
  await sequenceAuditEvents(web.database.db);
  const views = await web.database.db.selectFrom('audit_event').select('action').where('action', '=', 'case_file.view').where('target_id', '=', caseId).execute();
  expect(views.length).toBe(2);

  // Archive.
  await card.getByTestId('case-file-archive').click();
  await page.locator('.ant-popconfirm').getByRole('button', { name: /确\s*定|OK/ }).click();
  await expectText(card.getByTestId('archive-number'), '20260001');
  await expectText(card.getByTestId('case-file-archived'), '已归档');
  // Read-only now: no upload or build buttons.
  expect(await card.getByTestId('case-file-upload').count()).toBe(0);
  expect(await card.getByTestId('case-file-build').count()).toBe(0);
  await shot(page, 'case-file-4-archived');
  expect(pageErrors).toEqual([]);
}, 240_000);
