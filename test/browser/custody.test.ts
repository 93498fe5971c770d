import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/platform/config/config.ts';
import { ffmpegPath } from '../../src/platform/media/media-tools.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { expectText, launchBrowser, loginAs, screenshotDir, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { sequenceAuditEvents } from '../../src/platform/audit/audit-chain.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { makePlayableRecording, type PlaybackWorld } from '../playback/playback-fixtures.ts';

/**
 * The chain of custody in real Chromium (issue 8 §7): an officer requests to view a recording, a leader
 * approves, the officer plays the clip; the leader opens the recording's 保管链 page from its detail page and
 * sees the request, the approval and the playback events with the audit chain's sequence numbers (compared
 * with audit_event), and downloads the PDF. Screenshots in test-artifacts/screenshots — look at them.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let ctx: TestContext;
let recordingId: string;
let officer: Awaited<ReturnType<typeof makeUser>>;
let leader: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-custody-');
  const storage = openObjectStore(loadConfig({ QUANLU_DATA_DIR: web.dataDir, DATABASE_URL: web.database.url }));
  ctx = { db: web.database.db, deps: { storage }, dataDir: web.dataDir } as unknown as TestContext;
  const dept = await makeDepartment(ctx.db, { name: '第二执法大队' });
  const uploaderPerson = await makePerson(ctx.db, { departmentId: dept.id, name: '赵上传' });
  const uploader = await makeUser(ctx.db, { roles: ['custodian'], departmentId: dept.id, personId: uploaderPerson.id });
  const leaderPerson = await makePerson(ctx.db, { departmentId: dept.id, name: '钱队长' });
  leader = await makeUser(ctx.db, { roles: ['leader'], departmentId: dept.id, personId: leaderPerson.id });
  const officerPerson = await makePerson(ctx.db, { departmentId: dept.id, name: '孙执法' });
  officer = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: officerPerson.id });
  const w: PlaybackWorld = { departmentId: dept.id, uploaderId: uploader.id, leaderId: leader.id };
  const clip = await makeClip(path.join(web.dataDir, 'proxy.mp4'), { seconds: 4, size: '640x360' });
  const thumb = path.join(web.dataDir, 'thumb.jpg');
  await promisify(execFile)(ffmpegPath, ['-v', 'error', '-y', '-ss', '1', '-i', clip, '-frames:v', '1', '-vf', 'scale=320:-2', thumb]);
  recordingId = (await makePlayableRecording(ctx, w, { proxy: clip, thumbnail: await readFile(thumb) })).id;
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1366, height: 900 }));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const chainRows = async (actions: string[]) => {
  // Events are chained a moment after they commit (the server's sequencer loop): chain them before reading.
  await sequenceAuditEvents(ctx.db);
  return (
    await sql<{ seq: string; action: string }>`SELECT seq::text AS seq, action FROM audit_event
      WHERE action = ANY(${actions}::text[]) AND (target_id = ${recordingId} OR details->'recordingIds' ? ${recordingId}::text) ORDER BY audit_event.seq`.execute(ctx.db)
  ).rows;
};

test('an officer requests, a leader approves, the officer plays; the leader sees the playback in the custody page', async (t) => {
  t.onTestFailed(() => shot(page, 'custody-failure'));
  // The officer asks to view the recording.
  await loginAs(page, web.server.url, officer);
  await page.goto(`${web.server.url}/access/new?recordingIds=${recordingId}`);
  await page.getByLabel('调阅事由').fill('复核现场执法过程');
  await page.getByTestId('submit-request').click();
  await page.waitForURL(/\/access\/[0-9a-f-]{36}$/);
  const requestUrl = page.url();

  // A leader of the department approves it.
  await loginAs(page, web.server.url, leader);
  await page.goto(requestUrl);
  await page.getByText('复核现场执法过程').waitFor();
  await page.getByTestId('approve').click();
  await expectText(page.locator('.ant-descriptions').nth(1), '有效');

  // The officer plays the clip (the proxy through range requests), then leaves the player.
  await loginAs(page, web.server.url, officer);
  await page.goto(`${web.server.url}/recordings/${recordingId}/play`);
  const video = page.getByTestId('player-video');
  await video.waitFor();
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(1);
  await page.getByText('返回详情').click();
  await page.waitForURL(new RegExp(`/recordings/${recordingId}$`));
  await expect.poll(async () => (await chainRows(['recording.playback.end'])).length, { timeout: 10_000 }).toBe(1);
  // An officer holds no custody permission: no link on the detail page.
  expect(await page.getByTestId('custody-link').count()).toBe(0);

  // The leader opens the recording, then its 保管链.
  await loginAs(page, web.server.url, leader);
  await page.goto(`${web.server.url}/recordings/${recordingId}`);
  await page.getByTestId('custody-link').click();
  await page.waitForURL(new RegExp(`/recordings/${recordingId}/custody$`));
  const table = page.getByTestId('custody-events');
  await expectText(table, '结束播放');
  const expected = await chainRows(['access.request.create', 'access.request.approve', 'recording.playback.start', 'recording.playback.end', 'recording.custody.read']);
  expect(expected.map((r) => r.action)).toEqual(['access.request.create', 'access.request.approve', 'recording.playback.start', 'recording.playback.end', 'recording.custody.read']);
  for (const r of expected) {
    const row = table.locator(`tr[data-seq="${r.seq}"]`);
    await expect.poll(() => row.getAttribute('data-action')).toBe(r.action);
  }
  await expectText(table.locator(`tr[data-seq="${expected[2]!.seq}"]`), '孙执法');
  await expectText(table.locator(`tr[data-seq="${expected[2]!.seq}"]`), '开始播放');
  await expectText(table.locator(`tr[data-seq="${expected[1]!.seq}"]`), '钱队长');
  // The page's own read is the last event it lists.
  await expectText(page.getByTestId('custody-read-seq'), `序号 ${expected.at(-1)!.seq}`);
  await shot(page, 'custody-01-page');

  // 下载 PDF: a PDF, audited as a second read.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('custody-pdf').click()]);
  const file = path.join(screenshotDir, 'custody-download.pdf');
  await download.saveAs(file);
  expect((await readFile(file)).subarray(0, 5).toString()).toBe('%PDF-');
  const { stdout } = await promisify(execFile)('pdftotext', ['-layout', file, '-']);
  expect(stdout).toContain('音视频记录保管链报告');
  expect(stdout).toContain('开始播放');
  expect((await chainRows(['recording.custody.read'])).length).toBe(2);
  expect(pageErrors).toEqual([]);
}, 180_000);
