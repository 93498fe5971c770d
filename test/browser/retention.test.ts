import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/platform/config/config.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { syncObjectStore } from '../../src/modules/retention/retention.service.ts';
import { apiAs, expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { storedRecording } from '../retention/disposal-fixtures.ts';
import { makePdf } from '../case-files/case-file-fixtures.ts';

/**
 * Issue 11 in real Chromium: a leader approves another leader's retention table version (巡查 12 months) on
 * 保存期限表, sees a recording's new "保存至" line on its page, and approves a disposal batch on 销毁 holding a
 * recording and an archived case file (which then waits its grace period). Screenshots
 * test-artifacts/screenshots/retention-*.png.
 */
let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let ctx: TestContext;
let leaderA: Awaited<ReturnType<typeof makeUser>>;
let leaderB: Awaited<ReturnType<typeof makeUser>>;
let fresh: { id: string };
let old: { id: string };
let admin: Awaited<ReturnType<typeof makeUser>>;
let deptId: string;
let officerId: string;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-retention-');
  const storage = openObjectStore(loadConfig({ QUANLU_DATA_DIR: web.dataDir, DATABASE_URL: web.database.url }));
  ctx = { db: web.database.db, deps: { storage, db: web.database.db }, dataDir: web.dataDir } as unknown as TestContext;
  const dept = await makeDepartment(ctx.db, { name: '第三执法大队' });
  // A case handled in 1994 (its file is due now): the officer passed the exam before then.
  const p = await makePerson(ctx.db, { departmentId: dept.id, name: '吴巡查', certificate: { number: '冀商执0001', validUntil: '2099-12-31', examPassedOn: '1990-01-01' } });
  deptId = dept.id;
  officerId = p.id;
  admin = await makeUser(ctx.db, { roles: ['admin'] });
  leaderA = await makeUser(ctx.db, { roles: ['leader'], departmentId: dept.id });
  leaderB = await makeUser(ctx.db, { roles: ['leader'], departmentId: dept.id });
  const mk = (recordedStart: string) => storedRecording(ctx, { departmentId: dept.id, officerId: p.id, uploadedBy: leaderA.id, recordedStart });
  fresh = await mk('2026-01-15T02:00:00Z');
  old = await mk('2020-03-01T02:00:00Z');
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 900 }));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

test('approve a table version, see the keep-until date, approve a disposal batch', async () => {
  const base = web.server.url;
  const a = await apiAs(base, leaderA.username, leaderA.password);
  await a('POST', '/api/retention/table', {
    note: '档案部门批复：巡查资料保存 1 年',
    rules: [
      { category: 'av_patrol', unit: 'years', count: 1 },
      { category: 'av_other', unit: 'months', count: 6 },
      { category: 'case_file_general', unit: 'permanent' },
      { category: 'case_file_simple', unit: 'years', count: 30 },
    ],
  });

  await loginAs(page, base, leaderB);
  await page.goto(`${base}/system/retention`);
  await page.getByTestId('approve-version-2').click();
  await expectText(page.locator('.ant-table-row').first(), '现行');
  await shot(page, 'retention-table');

  await page.goto(`${base}/recordings/${fresh.id}`);
  await expectText(page.getByTestId('retention-line'), '保存至 2027-01-15 — 依据 日常巡查声像资料');
  await shot(page, 'retention-recording');

  // The due recording is proposed by leader A (its date computed, the store in step, as the sync job does).
  await a('GET', `/api/recordings/${old.id}/retention`);
  while ((await syncObjectStore(ctx.deps)) > 0);
  // A simple-procedure case closed and archived in 1994: kept through 2024-12-31, due with the recording.
  await (await apiAs(base, admin.username, admin.password))('PUT', '/api/settings/agency.fondsNumber', { value: 'F001' });
  const c = (await a('POST', '/api/cases', {
    caseNumber: '冀商简罚〔1994〕12号',
    cause: '未明码标价',
    actKind: 'penalty',
    procedure: 'simple',
    departmentId: deptId,
    officers: [{ personId: officerId }],
    parties: [{ kind: 'organisation', name: '某便利店', idType: 'credit_code', idNumber: '91130100MA0000000X' }],
    filedOn: '1994-03-01',
  })) as { id: string };
  await a('POST', `/api/cases/${c.id}/stage`, { to: 'closed', on: '1994-03-01', reason: '当场处罚，当场结案' });
  const q = new URLSearchParams({ type: 'penalty_decision', title: '当场行政处罚决定书', responsible: '市商务局商务综合执法支队', date: '1994-03-01', fileName: 'decision.pdf', number: '当场〔1994〕12号' });
  await a('POST', `/api/cases/${c.id}/documents?${q}`, await makePdf(1, 'DECISION-1994'), 'application/pdf');
  await a('POST', `/api/cases/${c.id}/case-file/archive`);
  const batch = (await a('POST', '/api/disposal/batches', { recordingIds: [old.id], caseIds: [c.id] })) as { id: string };
  await page.goto(`${base}/system/disposal`);
  const row = page.getByTestId(`batch-${batch.id}`);
  await expectText(row.getByTestId('batch-state'), '待审批');
  await expectText(row.getByTestId(`disposal-case-${c.id}`), '冀商简罚〔1994〕12号');
  await expectText(row.getByTestId(`disposal-case-${c.id}`), '归档号 19940001');
  await expectText(row, '结案于 1994-03-01');
  await row.getByTestId('approve-batch').click();
  await expectText(row.getByTestId('batch-state'), '冷静期中');
  await shot(page, 'retention-disposal');

  await page.goto(`${base}/`);
  await page.getByTestId('dash-retention-digest').waitFor();
  await shot(page, 'retention-dashboard');
  expect(pageErrors).toEqual([]);
}, 180_000);
