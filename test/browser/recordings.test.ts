import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { upsertSetting } from '../../src/modules/settings/settings.repository.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import { expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeUser } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';

/**
 * 声像资料 in real Chromium against the real server and PostgreSQL: a custodian uploads three clips
 * with tus (progress, 已保存), the media job makes thumbnails, the list and detail show them with the
 * SHA-256, the day's hand-over is confirmed; then an upload cut off by a page reload resumes when the
 * same file is chosen again, and the same bytes again are linked as a duplicate.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let database: Awaited<ReturnType<typeof startWebServer>>['database'];
let dataDir: string;
let server: Awaited<ReturnType<typeof startWebServer>>['server'];
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
const clips: string[] = [];
let bigFile: string;
let custodian: { username: string; password: string };
const officerName = '李明';
const departmentName = '商务综合执法支队';

beforeAll(async () => {
  // Workers off: the test drains the media jobs itself, so it knows when thumbnails exist.
  web = await startWebServer('quanlu-web-rec-');
  ({ database, dataDir, server } = web);

  const dept = await makeDepartment(database.db, { name: departmentName });
  await makePerson(database.db, { departmentId: dept.id, name: officerName });
  // 第七条: a certificate that expired years ago — not a possible recording officer.
  await makePerson(database.db, { departmentId: dept.id, name: '王芳', certificate: { number: '冀商执字第0099号', validUntil: '2020-12-31', examPassedOn: '2018-01-01' } });
  const custodianUser = await makeUser(database.db, { roles: ['custodian'], departmentId: dept.id });
  custodian = custodianUser;
  // 第十条's cut-off at the end of the next day, so clips "recorded 30 minutes ago" are on time even when
  // the run crosses Beijing midnight (recorded 23:50, stored 00:05 is late under the default 24); the file
  // recorded two days ago is late under either cut-off.
  await upsertSetting(database.db, { key: 'offload.cutoffHour', value: 48, updatedBy: custodianUser.id });

  // Three short clips with different content (length and picture size differ), and a 10 MB file
  // that needs two 8 MB chunks, to cut off in the middle.
  const media = path.join(dataDir, 'fixtures');
  await mkdir(media, { recursive: true });
  const specs = [
    { name: 'DSJ1234567_000123_20260315093012_0001.mp4', seconds: 1, size: '320x240' },
    { name: 'DSJ1234567_000123_20260315094500_0002.mp4', seconds: 2, size: '320x240' },
    { name: 'DSJ1234567_000123_20260315101530_0003.mp4', seconds: 1, size: '352x288' },
  ];
  clips.push(...(await Promise.all(specs.map((s) => makeClip(path.join(media, s.name), { seconds: s.seconds, size: s.size })))));
  bigFile = path.join(media, '询问录音_大文件.wav');
  await writeFile(bigFile, randomBytes(10 * 1024 * 1024));

  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 900 }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const uploadRow = (file: string) => page.getByTestId('upload-list').getByRole('row', { name: new RegExp(path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
const visibleOption = (text: string) => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: text }).first();

async function setStart(wallClock: string) {
  const field = page.getByTestId('upload-form').getByLabel('开始时间（北京时间）', { exact: true });
  await field.fill(wallClock);
  await field.press('Enter');
}

/** Fills the batch metadata: device, activity, officer (searched by name), start time, party, case, informed. */
async function fillUploadForm(startWallClock: string) {
  const form = page.getByTestId('upload-form');
  // The custodian's own department is preselected.
  await expectText(form.locator('.ant-select').first(), departmentName);
  await form.getByLabel('设备编号', { exact: true }).fill('DSJ1234567');
  await form.getByLabel('执法活动', { exact: true }).click();
  await visibleOption('调查取证').click();
  await form.getByLabel('执法人员', { exact: true }).click();
  await form.getByLabel('执法人员', { exact: true }).fill(officerName);
  await visibleOption(officerName).click();
  await page.keyboard.press('Escape');
  await setStart(startWallClock);
  await form.getByLabel('当事人', { exact: true }).fill('某某商贸有限公司');
  await form.getByLabel('案由名称', { exact: true }).fill('某某商贸有限公司未按规定备案案');
  await form.getByLabel('已告知', { exact: true }).check();
}

/** A Beijing wall-clock time a few minutes ago, as the picker takes it. */
function beijingMinutesAgo(minutes: number): string {
  const d = new Date(Date.now() - minutes * 60_000 + 8 * 3_600_000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

test('a custodian uploads three clips, finds them with thumbnails, reads the SHA-256 and confirms the hand-over', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'rec-failure'));
  await loginAs(page, server.url, custodian);

  // 声像资料 → 上传
  const nav = page.getByTestId('main-nav');
  for (const label of ['上传', '资料列表', '当日交接', '迟交统计']) await nav.getByRole('menuitem', { name: label }).waitFor();
  await nav.getByRole('menuitem', { name: '上传' }).click();
  await page.getByRole('heading', { name: '上传声像资料' }).waitFor();
  await page.getByText('重新选择同一文件即可续传').waitFor();
  await fillUploadForm(beijingMinutesAgo(30));

  await page.getByTestId('upload-drop').locator('input[type=file]').setInputFiles(clips);
  for (const c of clips) await expectText(uploadRow(c), '等待');

  // Hold each chunk for a moment so the screenshot catches the bars moving.
  await page.route('**/api/uploads/*', async (route) => {
    if (route.request().method() === 'PATCH') await new Promise((r) => setTimeout(r, 700));
    await route.continue();
  });
  const started = Date.now();
  await page.getByTestId('upload-start').click();
  await expectText(page.getByTestId('upload-list'), /上传中 \d+%/);
  await shot(page, 'rec-01-upload-progress');
  for (const c of clips) await expectText(uploadRow(c), '已保存', 15_000);
  ctx.annotate(`three uploads took ${Date.now() - started} ms (with 700 ms held per request)`);
  await page.unrouteAll({ behavior: 'wait' });
  await expectText(page.getByTestId('upload-summary'), '已保存 3');
  await page.waitForTimeout(500); // let the bars finish their animation for the picture
  await shot(page, 'rec-02-upload-done');

  // The media jobs (probe, proxy, thumbnail) run in a worker on the same database.
  const worker = await startJobRunner(server.app.deps, jobCatalog, { background: false });
  expect(await worker.drain()).toBeGreaterThanOrEqual(3);
  await worker.stop();

  // 资料列表: three rows, each with a decoded thumbnail.
  await nav.getByRole('menuitem', { name: '资料列表' }).click();
  const table = page.getByTestId('recordings-table');
  for (const c of clips) await expectText(table.getByRole('row', { name: new RegExp(path.basename(c)) }), '已处理');
  await expect
    .poll(() => page.$$eval('img[data-testid=recording-thumbnail]', (imgs) => (imgs as HTMLImageElement[]).filter((i) => i.complete && i.naturalWidth > 0).length), { timeout: 10_000 })
    .toBe(3);
  const firstRow = table.getByRole('row', { name: new RegExp(path.basename(clips[0]!)) });
  await expectText(firstRow, officerName);
  await expectText(firstRow, '调查取证');
  await expectText(firstRow, '某某商贸有限公司');
  await shot(page, 'rec-03-list');

  // A filter of 第十五条: by party (text), then back to all.
  await page.getByTestId('recording-filters').getByPlaceholder('当事人', { exact: true }).fill('不存在的当事人');
  await page.getByTestId('recording-filters').getByRole('button', { name: /查\s*询/ }).click();
  await table.getByText('没有符合条件的声像资料').waitFor();
  await page.getByTestId('recording-filters').getByRole('button', { name: /重\s*置/ }).click();
  await table.getByRole('row', { name: new RegExp(path.basename(clips[0]!)) }).waitFor();

  // Detail: the SHA-256 the server computed, the media facts, and no player yet.
  await firstRow.getByRole('link', { name: path.basename(clips[0]!) }).click();
  await page.waitForURL(/\/recordings\/[0-9a-f-]{36}$/);
  await expectText(page.getByTestId('sha256'), /^[0-9a-f]{64}$/);
  await expectText(page.getByTestId('sm3'), /^[0-9a-f]{64}$/);
  await expectText(page.getByTestId('playback-notice'), '播放须有已批准的调阅授权');
  await page.getByText('320 × 240').waitFor();
  await page.getByText('h264').waitFor();
  await shot(page, 'rec-04-detail');

  // Editing the description: the server's change is shown back.
  await page.getByRole('button', { name: '编辑信息' }).click();
  const drawer = page.getByRole('dialog').filter({ hasText: '编辑描述信息' });
  await drawer.getByLabel('执法地点').fill('某某商贸有限公司经营场所');
  await shot(page, 'rec-04b-edit');
  await drawer.getByRole('button', { name: /^保\s*存$/ }).click();
  await drawer.waitFor({ state: 'hidden' });
  await expectText(page.getByTestId('recording-metadata'), '某某商贸有限公司经营场所');

  // 当日交接: the officer's three files, confirmed by the custodian.
  await nav.getByRole('menuitem', { name: '当日交接' }).click();
  const handover = page.getByTestId('handover-table').getByRole('row', { name: new RegExp(officerName) });
  await expectText(handover, '待确认');
  await expect.poll(() => handover.locator('td').nth(2).innerText()).toBe('3');
  await handover.getByRole('button', { name: '确认交接' }).click();
  const dialog = page.getByRole('dialog').filter({ hasText: `确认 ${officerName} 的交接` });
  await dialog.getByLabel('备注').fill('已核对文件数量与设备记录一致');
  await dialog.getByRole('button', { name: '确认交接' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await expectText(handover, '已确认');
  // The receipt names the custodian by display name (the harness gives every user 测试用户).
  await expectText(handover, '测试用户');
  await shot(page, 'rec-05-handover');

  expect(pageErrors).toEqual([]);
}, 60_000);

test('an upload cut off by a reload resumes from where it stopped; the same bytes again are a linked duplicate', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'rec-failure-resume'));
  await page.getByTestId('main-nav').getByRole('menuitem', { name: '上传' }).click();
  // The form kept the last batch's details; this file was recorded two days ago, so it reaches
  // central storage late (第十条).
  await setStart(beijingMinutesAgo(2 * 24 * 60));
  await page.getByTestId('upload-drop').locator('input[type=file]').setInputFiles([bigFile]);
  // The first 8 MB chunk goes through; the second is held until the page is reloaded.
  let patches = 0;
  await page.route('**/api/uploads/*', async (route) => {
    if (route.request().method() === 'PATCH' && ++patches >= 2) return;
    await route.continue();
  });
  await page.getByTestId('upload-start').click();
  await expect.poll(() => patches, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  await expectText(uploadRow(bigFile), '上传中');

  // Leaving mid-upload asks first (the browser's "leave site?" prompt).
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.type());
    void d.accept();
  });
  await page.reload();
  await page.getByRole('heading', { name: '上传声像资料' }).waitFor();
  expect(asked).toEqual(['beforeunload']);
  // Only now: unrouting earlier would let the held chunk through and finish the upload.
  await page.unrouteAll({ behavior: 'ignoreErrors' });

  // After the reload: the same file chosen again (and one clip a second time). The resumed upload
  // keeps the details it was created with, whatever the form says now.
  await fillUploadForm(beijingMinutesAgo(20));
  await page.getByTestId('upload-drop').locator('input[type=file]').setInputFiles([bigFile, clips[0]!]);
  await page.getByTestId('upload-start').click();
  await expectText(uploadRow(bigFile), '从 80% 处续传');
  await expectText(uploadRow(bigFile), '已保存', 20_000);
  await expectText(uploadRow(clips[0]!), '重复（已关联）');
  await page.waitForTimeout(500);
  await shot(page, 'rec-06-resumed');

  // One upload on the server for the big file: the second try continued the first.
  const uploads = await database.db.selectFrom('upload').select(['state', 'size_bytes']).where('file_name', '=', path.basename(bigFile)).execute();
  expect(uploads).toEqual([{ state: 'stored', size_bytes: expect.anything() }]);

  // Random bytes are no media: processing marks it "not readable" and the list shows an icon instead.
  const worker = await startJobRunner(server.app.deps, jobCatalog, { background: false });
  await worker.drain();
  await worker.stop();
  const nav = page.getByTestId('main-nav');
  await nav.getByRole('menuitem', { name: '资料列表' }).click();
  const row = page.getByTestId('recordings-table').getByRole('row', { name: /询问录音_大文件/ });
  await expectText(row, '无法解析');
  await expectText(row, '迟交');
  expect(await row.locator('img').count()).toBe(0);
  await page.waitForTimeout(300);
  await shot(page, 'rec-07-list-late');

  // 迟交统计: the late file under its officer and device.
  await nav.getByRole('menuitem', { name: '迟交统计' }).click();
  const summary = page.getByTestId('late-summary').getByRole('row', { name: new RegExp(officerName) });
  await expectText(summary, 'DSJ1234567');
  await expect.poll(() => summary.locator('td').nth(2).innerText()).toBe('1');
  await page.getByRole('link', { name: path.basename(bigFile) }).waitFor();
  await shot(page, 'rec-08-late');
  expect(pageErrors).toEqual([]);
}, 60_000);

test('an unqualified officer is refused by the server, with its reason on the file and on the form', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'rec-failure-refused'));
  await page.getByTestId('main-nav').getByRole('menuitem', { name: '上传' }).click();
  const form = page.getByTestId('upload-form');
  const officers = form.getByLabel('执法人员', { exact: true });
  await officers.click();
  await officers.fill('王芳');
  // The option already warns: the qualification tag of the register.
  await expectText(visibleOption('王芳'), '不具备执法资格');
  await visibleOption('王芳').click();
  await page.keyboard.press('Escape');
  await page.getByTestId('upload-drop').locator('input[type=file]').setInputFiles([clips[1]!]);
  await page.getByTestId('upload-start').click();
  const row = uploadRow(clips[1]!);
  await expectText(row, '失败');
  await expectText(row.getByTestId('upload-error'), /王芳.*不具备执法记录主体资格/);
  await expectText(form.locator('.ant-form-item-explain-error'), '王芳');
  await shot(page, 'rec-09-refused');

  // English second: the same list in the other language.
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'English' }).click();
  await page.locator('.ant-dropdown').waitFor({ state: 'hidden' });
  await page.getByTestId('main-nav').getByRole('menuitem', { name: 'All recordings' }).click();
  await page.getByRole('heading', { name: 'Recordings' }).waitFor();
  await expectText(page.getByTestId('recordings-table').getByRole('row', { name: /询问录音_大文件/ }), 'Not readable');
  await page.waitForTimeout(300);
  await shot(page, 'rec-10-english');
  expect(pageErrors).toEqual([]);
}, 30_000);
