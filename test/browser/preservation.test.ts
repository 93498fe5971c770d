import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { enqueueJob } from '../../src/platform/jobs/queue.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { storeRecording } from '../preservation/preservation-fixtures.ts';

/**
 * 第十二条 in real Chromium: an officer marks a recording for long-term preservation with a ground from its page, a
 * leader approves it from 工作台, a custodian builds a DVD set (the build job runs), sees it read back, and
 * registers the burned disc in the media register.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let officer: Awaited<ReturnType<typeof makeUser>>;
let leader: Awaited<ReturnType<typeof makeUser>>;
let custodian: Awaited<ReturnType<typeof makeUser>>;
let recordingId: string;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-preservation-');
  const db = web.database.db;
  const dept = await makeDepartment(db, { name: '第二执法大队' });
  const pOfficer = await makePerson(db, { departmentId: dept.id, name: '赵执法' });
  officer = await makeUser(db, { roles: ['officer'], departmentId: dept.id, personId: pOfficer.id });
  leader = await makeUser(db, { roles: ['leader'], departmentId: dept.id });
  custodian = await makeUser(db, { roles: ['custodian'], departmentId: dept.id });
  const ctx = { db, deps: web.server.app.deps } as unknown as TestContext;
  recordingId = (await storeRecording(ctx, { bytes: randomBytes(256 * 1024), departmentId: dept.id, uploadedBy: custodian.id, personId: pOfficer.id, fileName: '现场执法_阻碍检查.mp4' })).id;
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 900 }));
  // The machine is shared and loaded: pages get longer than the default 10 s to settle.
  page.context().setDefaultTimeout(30_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

/** Runs the queued jobs to the end, as a worker would (workers are off in browser tests). */
async function drainJobs() {
  const runner = await startJobRunner(web.server.app.deps, jobCatalog, { background: false });
  try {
    await runner.drain();
  } finally {
    await runner.stop();
  }
}

test('mark with a ground, approve, build a DVD set, register the disc', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'preservation-failure'));
  const base = web.server.url;
  await loginAs(page, base, officer);
  await page.goto(`${base}/recordings/${recordingId}`);
  await page.getByTestId('pres-mark-open').click();
  await page.getByTestId('pres-ground-obstruction').click();
  await page.getByTestId('pres-description').fill('当事人拒绝配合检查并推搡执法人员');
  await page.getByRole('button', { name: '提交审批' }).click();
  await expectText(page.getByTestId('preservation-card'), '待审批');
  await expectText(page.getByTestId('preservation-card'), '（二）逃避、拒绝、阻碍执法');
  await shot(page, 'preservation-01-proposed');

  await loginAs(page, base, leader);
  await expectText(page.getByTestId('dash-pres-approve'), '1');
  await page.getByTestId('dash-pres-approve').click();
  await expectText(page.getByTestId('marks-table'), '现场执法_阻碍检查.mp4');
  await page.locator('[data-testid^="mark-approve-"]').first().click();
  await page.getByText('已批准：资料已保全').waitFor();
  await page.goto(`${base}/preservation?state=approved`);
  await expectText(page.getByTestId('marks-table'), '已批准（保全中）');
  await shot(page, 'preservation-02-approved');

  await loginAs(page, base, custodian);
  await page.goto(`${base}/preservation/media`);
  await page.getByTestId('media-label').fill('QL_DVD_2026');
  await page.getByTestId('media-build').click();
  await expectText(page.getByTestId('media-sets-table'), 'QL_DVD_2026');
  // Workers are off in browser tests: the build job runs here, as a worker would run it.
  await drainJobs();
  await page.reload();
  await expectText(page.getByTestId('media-sets-table'), '回读校验通过', 20_000);
  await page.getByTestId('register-QL_DVD_2026_1').click();
  await page.getByTestId('reg-label').fill('DVD-2026-0001');
  await page.getByTestId('reg-maker').fill('孙档案');
  await page.getByTestId('reg-made-on').click();
  await page.keyboard.type('2026-12-01');
  await page.keyboard.press('Enter');
  await page.getByTestId('reg-place').fill('档案室 2 号柜第 3 层');
  await page.getByRole('dialog').getByRole('button', { name: /确\s*定|OK/ }).click();
  await page.getByText('介质已登记').waitFor();
  await expectText(page.getByTestId('media-table'), 'DVD-2026-0001');
  await expectText(page.getByTestId('media-table'), '档案室 2 号柜第 3 层');
  await shot(page, 'preservation-03-media');

  // The scheduled re-verification (the daily media.checkRound job, run here as a worker would): the first
  // round samples the one registered medium; the register shows the round.
  await enqueueJob(web.database.db, 'media.checkRound', {});
  await drainJobs();
  await page.reload();
  await expectText(page.getByTestId('check-round'), '抽检 1 / 1 件');
  await expectText(page.getByTestId('check-round'), '已检 0 件，逾期 0 件');
  await shot(page, 'preservation-04-check-round');
  expect(pageErrors).toEqual([]);
}, 240_000);
