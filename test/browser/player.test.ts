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
import { expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { sequenceAuditEvents } from '../../src/platform/audit/audit-chain.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { grantAccess, makePlayableRecording, makeWorld, type PlaybackWorld } from '../playback/playback-fixtures.ts';

/**
 * Playback in real Chromium (issue 8 §3, 第十四条): an officer holding a view grant opens the recording, presses 播放,
 * the proxy plays through range requests, and a watermark with their name, staff number and the Beijing time lies
 * over the picture (screenshot in test-artifacts/screenshots — look at it). Leaving the page ends the session in
 * the audit log. Without a grant the player says so and offers the request page.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let w: PlaybackWorld;
let ctx: TestContext;
let recordingId: string;
let viewer: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;
let staffNumber: string;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-player-');
  const storage = openObjectStore(loadConfig({ QUANLU_DATA_DIR: web.dataDir, DATABASE_URL: web.database.url }));
  // The fixtures need only the database, the store and the data folder of the running server.
  ctx = { db: web.database.db, deps: { storage }, dataDir: web.dataDir } as unknown as TestContext;
  w = await makeWorld(ctx);
  const clip = await makeClip(path.join(web.dataDir, 'proxy.mp4'), { seconds: 6, size: '640x360' });
  const thumb = path.join(web.dataDir, 'thumb.jpg');
  await promisify(execFile)(ffmpegPath, ['-v', 'error', '-y', '-ss', '1', '-i', clip, '-frames:v', '1', '-vf', 'scale=320:-2', thumb]);
  recordingId = (await makePlayableRecording(ctx, w, { proxy: clip, thumbnail: await readFile(thumb) })).id;
  const person = await makePerson(ctx.db, { departmentId: w.departmentId, name: '孙观看' });
  staffNumber = person.staff_number;
  viewer = await makeUser(ctx.db, { roles: ['officer'], departmentId: w.departmentId, personId: person.id });
  stranger = await makeUser(ctx.db, { roles: ['officer'], departmentId: w.departmentId });
  await grantAccess(ctx, w, viewer.id, [recordingId], 'view');
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1366, height: 900 }));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const events = async (userId: string) => {
  // Events are chained a moment after they commit (the server's sequencer loop): chain them before reading.
  await sequenceAuditEvents(ctx.db);
  return (await sql<{ action: string }>`SELECT action FROM audit_event WHERE actor_id = ${userId} AND action LIKE 'recording.playback.%' ORDER BY seq`.execute(ctx.db)).rows.map((r) => r.action);
};

test('an officer with a view grant plays the clip; the watermark names them and the Beijing time; leaving ends the session', async (t) => {
  t.onTestFailed(() => shot(page, 'player-failure'));
  await loginAs(page, web.server.url, viewer);
  await page.goto(`${web.server.url}/recordings/${recordingId}`);
  await page.getByTestId('play-button').click();
  await page.waitForURL(/\/play$/);
  const video = page.getByTestId('player-video');
  await video.waitFor();
  // Playing: muted autoplay is allowed headless; wait until the picture advances.
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(1);
  // Seek (Chromium asks for a range when the bytes are not buffered yet) and keep playing.
  await video.evaluate((v: HTMLVideoElement) => {
    v.currentTime = 4;
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(4.2);
  await video.evaluate((v: HTMLVideoElement) => v.pause());
  const watermark = page.getByTestId('player-watermark');
  await expectText(watermark, '孙观看');
  await expectText(watermark, staffNumber);
  await expectText(watermark, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 北京时间/);
  // The watermark lies over the picture.
  const vb = (await video.boundingBox())!;
  const wb = (await watermark.boundingBox())!;
  expect(wb.x).toBeGreaterThanOrEqual(vb.x - 1);
  expect(wb.y).toBeGreaterThanOrEqual(vb.y - 1);
  expect(wb.x + wb.width).toBeLessThanOrEqual(vb.x + vb.width + 1);
  expect(wb.y + wb.height).toBeLessThanOrEqual(vb.y + vb.height + 1);
  // Native fullscreen, picture-in-picture and download would show the picture without the watermark.
  expect(await video.evaluate((v: HTMLVideoElement) => [v.disablePictureInPicture, v.getAttribute('controlsList')])).toEqual([true, 'nodownload nofullscreen noremoteplayback']);
  await shot(page, 'player-01-watermark');
  // It moves: a few seconds later it is elsewhere.
  const before = await watermark.boundingBox();
  await expect.poll(async () => {
    const now = await watermark.boundingBox();
    return Math.abs(now!.x - before!.x) + Math.abs(now!.y - before!.y);
  }, { timeout: 10_000 }).toBeGreaterThan(10);
  await shot(page, 'player-02-watermark-moved');

  // Leaving the page ends the session: start … end in the audit log.
  await page.getByText('返回详情').click();
  await page.waitForURL(new RegExp(`/recordings/${recordingId}$`));
  await expect.poll(() => events(viewer.id), { timeout: 10_000 }).toContain('recording.playback.end');
  const actions = await events(viewer.id);
  expect(actions[0]).toBe('recording.playback.start');
  expect(actions.at(-1)).toBe('recording.playback.end');
  expect(pageErrors).toEqual([]);
}, 120_000);

test('without a grant the player says so and offers the request page; no session is opened', async (t) => {
  t.onTestFailed(() => shot(page, 'player-refused-failure'));
  await loginAs(page, web.server.url, stranger);
  await page.goto(`${web.server.url}/recordings/${recordingId}/play`);
  await expectText(page.locator('.ant-result'), '您没有播放该声像资料的有效授权');
  await page.getByRole('link', { name: '申请调阅' }).waitFor();
  await shot(page, 'player-03-no-grant');
  expect(await events(stranger.id)).toEqual([]);
}, 60_000);

test('a list page’s thumbnails are one audit event per page view, not one per image', async (t) => {
  t.onTestFailed(() => shot(page, 'player-list-failure'));
  const count = async (action: string) => {
    await sequenceAuditEvents(ctx.db);
    return Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE actor_id = ${viewer.id} AND action = ${action}`.execute(ctx.db)).rows[0]!.n);
  };
  const viewsBefore = await count('recording.thumbnails.view');
  const readsBefore = await count('recording.thumbnail.read');
  await loginAs(page, web.server.url, viewer);
  await page.goto(`${web.server.url}/recordings`);
  await expect
    .poll(() => page.$$eval('img[data-testid=recording-thumbnail]', (imgs) => (imgs as HTMLImageElement[]).filter((i) => i.complete && i.naturalWidth > 0 && i.src.includes('ticket=')).length), { timeout: 10_000 })
    .toBe(1);
  await shot(page, 'player-04-list-thumbnail');
  expect(await count('recording.thumbnails.view')).toBe(viewsBefore + 1);
  expect(await count('recording.thumbnail.read')).toBe(readsBefore);
  // Another page view: one more event.
  await page.reload();
  await expect.poll(() => count('recording.thumbnails.view'), { timeout: 10_000 }).toBe(viewsBefore + 2);
  expect(await count('recording.thumbnail.read')).toBe(readsBefore);
  expect(pageErrors).toEqual([]);
}, 60_000);
