import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/platform/config/config.ts';
import { ffmpegPath } from '../../src/platform/media/media-tools.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { ADMIN_PASSWORD, expectText, launchBrowser, loginAs, screenshotDir, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { sequenceAuditEvents } from '../../src/platform/audit/audit-chain.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { grantAccess, makePlayableRecording, type PlaybackWorld } from '../playback/playback-fixtures.ts';

/**
 * Issue 8, the governance pages in real Chromium against the real server and PostgreSQL:
 * - an admin reads what 第十四条 requires on 调阅策略, loosens a row (confirmed, marked as a deviation), puts it back,
 *   sets the tagging window, and names a department's head (负责人) on 部门;
 * - an officer holding a copy grant makes a watermarked copy (progress while it is prepared) and a copy of the
 *   original, downloads both, and reads the signed receipts; the approving leader sees the grant's copy count;
 * - an officer holding only a view grant is offered no copy.
 * Screenshots in test-artifacts/screenshots/gov-*.png (and a frame of the watermarked copy) — look at them.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let ctx: TestContext;
let base: string;
let deptId: string;
let headPersonId: string;
let recordingId: string;
let requestId: string;
let grantId: string;
let copier: Awaited<ReturnType<typeof makeUser>>;
let copierStaffNumber: string;
let viewer: Awaited<ReturnType<typeof makeUser>>;
let leader: Awaited<ReturnType<typeof makeUser>>;
const ORIGINAL = randomBytes(20_000);
const admin = { username: 'admin', password: ADMIN_PASSWORD };
const run = promisify(execFile);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sm3 = (b: Buffer) => createHash('sm3').update(b).digest('hex');

beforeAll(async () => {
  web = await startWebServer('quanlu-web-gov-');
  base = web.server.url;
  const storage = openObjectStore(loadConfig({ QUANLU_DATA_DIR: web.dataDir, DATABASE_URL: web.database.url }));
  // The fixtures need only the database, the store and the data folder of the running server.
  ctx = { db: web.database.db, deps: { storage }, dataDir: web.dataDir } as unknown as TestContext;
  const dept = await makeDepartment(ctx.db, { name: '第二执法大队' });
  deptId = dept.id;
  const pUploader = await makePerson(ctx.db, { departmentId: dept.id, name: '周上传' });
  const uploader = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: pUploader.id });
  const pLeader = await makePerson(ctx.db, { departmentId: dept.id, name: '赵队长' });
  headPersonId = pLeader.id;
  leader = await makeUser(ctx.db, { roles: ['leader'], departmentId: dept.id, personId: pLeader.id });
  const w: PlaybackWorld = { departmentId: dept.id, uploaderId: uploader.id, leaderId: leader.id };
  const clip = await makeClip(path.join(web.dataDir, 'proxy.mp4'), { seconds: 3, size: '640x360' });
  recordingId = (await makePlayableRecording(ctx, w, { proxy: clip, original: ORIGINAL })).id;
  const pCopier = await makePerson(ctx.db, { departmentId: dept.id, name: '钱复制' });
  copierStaffNumber = pCopier.staff_number;
  copier = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: pCopier.id });
  grantId = await grantAccess(ctx, w, copier.id, [recordingId], 'copy');
  requestId = (await ctx.db.selectFrom('access_grant').select('request_id').where('id', '=', grantId).executeTakeFirstOrThrow()).request_id;
  const pViewer = await makePerson(ctx.db, { departmentId: dept.id, name: '孙查看' });
  viewer = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: pViewer.id });
  await grantAccess(ctx, w, viewer.id, [recordingId], 'view');
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 900 }));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const policyOf = async (role: string) => (await ctx.db.selectFrom('media_access_policy').select('without_grant').where('role', '=', role).executeTakeFirstOrThrow()).without_grant;
const visibleOption = (text: string) => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: text }).first();
const auditActions = async (actorId: string) => {
  // Events are chained a moment after they commit (the server's sequencer loop): chain them before reading.
  await sequenceAuditEvents(ctx.db);
  return (await ctx.db.selectFrom('audit_event').select('action').where('actor_id', '=', actorId).orderBy('seq').execute()).map((r) => r.action);
};

test('an admin reads what 第十四条 requires, edits the media policy and the tagging window, and names a department head', async (t) => {
  t.onTestFailed(() => shot(page, 'gov-failure-admin'));
  await loginAs(page, base, admin);
  await page.getByRole('menuitem', { name: '调阅策略' }).click();
  await page.waitForURL(/\/system\/access-policy$/);
  await expectText(page.getByTestId('policy-regulation'), '未经批准，不得查阅');
  await expectText(page.getByTestId('policy-regulation'), '经主管领导批准后，方可查阅');
  await expectText(page.getByTestId('policy-regulation'), '审计员只查看描述信息');
  const table = page.getByTestId('policy-table');
  await expect.poll(() => table.locator('tbody tr.ant-table-row').count()).toBe(6);
  // The seeded table is the regulation's: no row deviates.
  expect(await table.getByText('偏离条例默认').count()).toBe(0);
  await shot(page, 'gov-01-policy');

  // Loosening a row asks first and is then marked as a deviation.
  await page.getByTestId('policy-select-leader').click();
  await visibleOption('元数据范围内全部可查看').click();
  const confirm = page.getByRole('dialog').filter({ hasText: '确认放宽查看权限' });
  await expectText(confirm, '主管领导');
  await shot(page, 'gov-02-policy-confirm');
  await page.getByTestId('policy-confirm').click();
  await page.getByTestId('policy-deviates-leader').waitFor();
  await expect.poll(() => policyOf('leader')).toBe('reach');
  await shot(page, 'gov-03-policy-deviates');
  // Back to the regulation's value: no question asked.
  await page.getByTestId('policy-select-leader').click();
  await visibleOption('不可查看，须审批').click();
  await page.getByTestId('policy-deviates-leader').waitFor({ state: 'detached' });
  await expect.poll(() => policyOf('leader')).toBe('none');

  // The tagging window: 24 h → 12 h; the officer's row then says so.
  await page.getByRole('spinbutton', { name: /本人资料免审批查看时限/ }).fill('12');
  await page.getByTestId('policy-access.ownMediaHours-save').click();
  await expect
    .poll(async () => (await ctx.db.selectFrom('setting').select('value').where('key', '=', 'access.ownMediaHours').executeTakeFirst())?.value)
    .toBe(12);
  await expectText(table.locator('tbody tr.ant-table-row').filter({ hasText: '执法人员' }), '上传后 12 小时内');
  await shot(page, 'gov-04-policy-hours');

  // 部门 → 第二执法大队 → 设置负责人.
  await page.getByRole('menuitem', { name: '部门' }).click();
  await page.getByTestId('department-tree').getByText('第二执法大队').click();
  await expectText(page.locator('.ant-descriptions').first(), '未设置');
  await expectText(page.getByTestId('department-head-help'), '跨部门调阅');
  await page.getByTestId('department-head-edit').click();
  const dialog = page.getByRole('dialog').filter({ hasText: '负责人' });
  await dialog.getByLabel('负责人（人员）').click();
  await dialog.getByLabel('负责人（人员）').fill('赵队长');
  await visibleOption('赵队长').click();
  await page.getByTestId('department-head-save').click();
  await dialog.waitFor({ state: 'hidden' });
  await expectText(page.getByTestId('department-head-name'), '赵队长');
  await expect.poll(async () => (await ctx.db.selectFrom('department').select('head_person_id').where('id', '=', deptId).executeTakeFirstOrThrow()).head_person_id).toBe(headPersonId);
  await shot(page, 'gov-05-department-head');

  const adminId = (await ctx.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()).id;
  expect((await auditActions(adminId)).filter((a) => !a.startsWith('auth.'))).toEqual(['access.policy.update', 'access.policy.update', 'setting.update', 'department.head.set']);
  expect(pageErrors).toEqual([]);
}, 120_000);

/** Holds the copy request until `release` is called, so the page's "preparing" state can be seen and pictured. */
function holdCopies() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handler = async (route: Route) => {
    await gate;
    await route.continue();
  };
  return { handler, release: () => release() };
}

test('an officer with a copy grant downloads the watermarked copy and the original with signed receipts; the approver sees the count', async (t) => {
  t.onTestFailed(() => shot(page, 'gov-failure-copy'));
  await loginAs(page, base, copier);
  await page.goto(`${base}/recordings/${recordingId}`);
  const card = page.getByTestId('copy-card');
  await expectText(card, '查看并复制');

  // 下载水印副本: the page shows the copy being prepared, then the receipt and the file.
  const hold = holdCopies();
  await page.route('**/api/recordings/*/copies', hold.handler);
  await page.getByTestId('copy-watermarked').click();
  await expectText(page.getByTestId('copy-progress'), '正在制作水印副本');
  await shot(page, 'gov-06-copy-preparing');
  hold.release();
  const receiptW = page.getByTestId('copy-receipt-watermarked-proxy');
  await receiptW.waitFor({ timeout: 60_000 });
  await page.unroute('**/api/recordings/*/copies');
  await expectText(receiptW, '钱复制');
  await expectText(receiptW, copierStaffNumber);
  await expectText(receiptW, grantId);
  const shaW = await receiptW.getByTestId('copy-sha256').innerText();
  const sm3W = await receiptW.getByTestId('copy-sm3').innerText();
  expect((await receiptW.getByTestId('copy-signature').innerText()).trim()).toMatch(/^[A-Za-z0-9+/]{86}==$/);
  const [dlW] = await Promise.all([page.waitForEvent('download'), page.getByTestId('copy-download-watermarked-proxy').click()]);
  const fileW = path.join(web.dataDir, 'watermarked.mp4');
  await dlW.saveAs(fileW);
  const bytesW = await readFile(fileW);
  expect([sha256(bytesW), sm3(bytesW)]).toEqual([shaW.trim(), sm3W.trim()]);
  expect(dlW.suggestedFilename()).toMatch(/-watermarked-[0-9a-f]{8}\.mp4$/);
  // A frame of the copy, to look at: the name, staff number and time are burned into the picture.
  await run(ffmpegPath, ['-v', 'error', '-y', '-ss', '1', '-i', fileW, '-frames:v', '1', path.join(screenshotDir, 'gov-07-watermarked-frame.png')]);

  // 下载原始文件: the untouched bytes, with their own receipt.
  await page.getByTestId('copy-original').click();
  const receiptO = page.getByTestId('copy-receipt-original');
  await receiptO.waitFor();
  await expectText(receiptO.getByTestId('copy-sha256'), sha256(ORIGINAL));
  await expectText(receiptO.getByTestId('copy-sm3'), sm3(ORIGINAL));
  const [dlO] = await Promise.all([page.waitForEvent('download'), page.getByTestId('copy-download-original').click()]);
  const fileO = path.join(web.dataDir, 'original.bin');
  await dlO.saveAs(fileO);
  expect((await readFile(fileO)).equals(ORIGINAL)).toBe(true);
  await shot(page, 'gov-08-copies-receipts');
  expect((await auditActions(copier.id)).filter((a) => a.startsWith('recording.copy'))).toEqual(['recording.copy', 'recording.copy.download', 'recording.copy', 'recording.copy.download']);

  // The approving leader sees how many copies the grant made.
  await loginAs(page, base, leader);
  await page.goto(`${base}/access/${requestId}`);
  await expectText(page.getByTestId('grant-copies'), '2');
  await shot(page, 'gov-09-grant-copies');
  expect(pageErrors).toEqual([]);
}, 180_000);

test('a view-only grant offers playing but no copy', async (t) => {
  t.onTestFailed(() => shot(page, 'gov-failure-view-only'));
  await loginAs(page, base, viewer);
  const asked = page.waitForResponse((r) => r.url().endsWith(`/api/recordings/${recordingId}/media-access`));
  await page.goto(`${base}/recordings/${recordingId}`);
  const access = await (await asked).json();
  expect(access).toMatchObject({ view: true, copy: false, grant: { mode: 'view' } });
  await page.getByTestId('play-button').waitFor();
  expect(await page.getByTestId('copy-card').count()).toBe(0);
  expect(pageErrors).toEqual([]);
}, 60_000);
