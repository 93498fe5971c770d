import path from 'node:path';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/platform/config/config.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';
import { expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { sequenceAuditEvents } from '../../src/platform/audit/audit-chain.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { grantAccess, makePlayableRecording, makeWorld, type PlaybackWorld } from '../playback/playback-fixtures.ts';

/**
 * Annotations and transcripts in real Chromium (issue 8 §6): an officer holding a view grant opens the player,
 * adds a 重点内容 note 00:07–00:09, clicks its time and the video seeks there; edits it (version 2) and reads
 * 历史版本; adds a transcript segment and deletes it. Screenshots in test-artifacts/screenshots — look at them. An officer
 * without a grant sees neither the player nor the panel.
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

beforeAll(async () => {
  web = await startWebServer('quanlu-web-annot-');
  const storage = openObjectStore(loadConfig({ QUANLU_DATA_DIR: web.dataDir, DATABASE_URL: web.database.url }));
  ctx = { db: web.database.db, deps: { storage }, dataDir: web.dataDir } as unknown as TestContext;
  w = await makeWorld(ctx);
  const clip = await makeClip(path.join(web.dataDir, 'proxy.mp4'), { seconds: 12, size: '640x360' });
  const r = await makePlayableRecording(ctx, w, { proxy: clip });
  recordingId = r.id;
  await sql`UPDATE media_info SET duration_sec = 12 WHERE original_sha256 = ${r.originalSha256}`.execute(ctx.db);
  const person = await makePerson(ctx.db, { departmentId: w.departmentId, name: '周标注' });
  viewer = await makeUser(ctx.db, { roles: ['officer'], departmentId: w.departmentId, personId: person.id });
  stranger = await makeUser(ctx.db, { roles: ['officer'], departmentId: w.departmentId });
  await grantAccess(ctx, w, viewer.id, [recordingId], 'view');
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1366, height: 1100 }));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const actions = async (userId: string) => {
  // Events are chained a moment after they commit (the server's sequencer loop): chain them before reading.
  await sequenceAuditEvents(ctx.db);
  return (await sql<{ action: string }>`SELECT action FROM audit_event WHERE actor_id = ${userId} AND (action LIKE 'recording.annotation%' OR action LIKE 'recording.transcript.%') ORDER BY seq`.execute(ctx.db)).rows.map(
    (r) => r.action,
  );
};

/** Fills the open annotation dialog and saves it. */
async function fillAndSave(o: { start?: string; end?: string; text: string; speaker?: string }) {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  if (o.speaker) await dialog.getByLabel('说话人').fill(o.speaker);
  if (o.start) await dialog.getByTestId('annotation-start').fill(o.start);
  if (o.end) await dialog.getByTestId('annotation-end').fill(o.end);
  await dialog.getByTestId('annotation-text').fill(o.text);
  await dialog.getByRole('button', { name: /保\s*存/ }).click();
  await dialog.waitFor({ state: 'hidden' });
}

test('an officer with a grant adds a note on the player page; clicking it seeks the video; edit, history, transcript', async (t) => {
  t.onTestFailed(() => shot(page, 'annotations-failure'));
  await loginAs(page, web.server.url, viewer);
  await page.goto(`${web.server.url}/recordings/${recordingId}/play`);
  const video = page.getByTestId('player-video');
  await video.waitFor();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  const panel = page.getByTestId('annotations-panel');
  await expectText(panel, '还没有标注');

  // Add a 重点内容 note 00:07–00:09.
  await panel.getByTestId('annotation-add').click();
  await fillAndSave({ start: '00:07', end: '00:09', text: '当事人出示营业执照，承认超范围经营' });
  const item = panel.getByTestId('annotation-item');
  await expectText(item, '00:07–00:09');
  await expectText(item, '重点内容');
  await expectText(item, '当事人出示营业执照');
  expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(1);

  // Clicking its time moves the player to 7 s.
  await item.getByTestId('annotation-seek').click();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeCloseTo(7, 1);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.seeking), { timeout: 10_000 }).toBe(false);
  await shot(page, 'annotations-01-note-seeked');

  // Edit: a new version; the list shows version 2.
  await item.getByTestId('annotation-edit').click();
  await fillAndSave({ end: '00:10.5', text: '当事人出示营业执照，承认超范围经营（已核对）' });
  await expectText(item, '00:07–00:10');
  await expectText(item, '第 2 版');

  // 历史版本: both versions, newest first, with the author.
  await item.getByTestId('annotation-history-button').click();
  const history = page.getByTestId('annotation-history');
  await history.waitFor();
  await expect.poll(() => history.getByTestId('annotation-version').count()).toBe(2);
  await expectText(history.getByTestId('annotation-version').nth(0), '第 2 版');
  await expectText(history.getByTestId('annotation-version').nth(1), '承认超范围经营');
  await expectText(history, '00:07–00:09');
  await shot(page, 'annotations-02-history');
  await page.keyboard.press('Escape');
  await history.waitFor({ state: 'hidden' });

  // The transcript tab: a segment with its speaker, taken at the player's position.
  await page.getByRole('tab', { name: /转写/ }).click();
  await video.evaluate((v: HTMLVideoElement) => {
    v.currentTime = 2;
  });
  await panel.getByTestId('annotation-add').click();
  await page.getByRole('dialog').getByRole('button', { name: '取当前播放位置' }).first().click();
  await expect.poll(() => page.getByRole('dialog').getByTestId('annotation-start').inputValue()).toBe('00:02');
  await fillAndSave({ end: '00:04', speaker: '执法人员', text: '我们是市商务局执法人员，现在开始录像。' });
  await expectText(panel.getByTestId('annotation-item'), '00:02–00:04');
  await expectText(panel.getByTestId('annotation-item'), '执法人员');
  await shot(page, 'annotations-03-transcript');
  // The page read the list once (audited); the user's own writes came back in their answers.
  expect((await actions(viewer.id)).filter((a) => a === 'recording.annotations.view')).toHaveLength(1);

  // Delete the segment: it leaves the list, and shows again (marked) with 显示已删除 — a second, audited read.
  await panel.getByTestId('annotation-item').getByTestId('annotation-delete').click();
  await page.locator('.ant-popconfirm').getByRole('button', { name: /删\s*除/ }).click();
  await expectText(panel, '还没有转写');
  await panel.getByTestId('annotation-show-deleted').click();
  await expectText(panel.getByTestId('annotation-item'), '已删除');
  await shot(page, 'annotations-04-deleted-shown');

  const written = await actions(viewer.id);
  expect(written.filter((a) => a !== 'recording.annotations.view' && a !== 'recording.annotation.history.view')).toEqual([
    'recording.annotation.create',
    'recording.annotation.update',
    'recording.transcript.create',
    'recording.transcript.delete',
  ]);
  expect(written.filter((a) => a === 'recording.annotations.view')).toHaveLength(2);
  expect(written.filter((a) => a === 'recording.annotation.history.view')).toHaveLength(1);
  expect(pageErrors).toEqual([]);
}, 120_000);

test('without a grant: no player, no panel, no read of the annotations', async (t) => {
  t.onTestFailed(() => shot(page, 'annotations-refused-failure'));
  await loginAs(page, web.server.url, stranger);
  await page.goto(`${web.server.url}/recordings/${recordingId}/play`);
  await expectText(page.locator('.ant-result'), '您没有播放该声像资料的有效授权');
  expect(await page.getByTestId('annotations-panel').count()).toBe(0);
  expect(await actions(stranger.id)).toEqual([]);
}, 60_000);
