import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADMIN_PASSWORD, expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeRecording } from '../support/harness.ts';

/**
 * Issue 6, web findings (items 26–28), in real Chromium against the real server and PostgreSQL:
 * the person picker asks once for a person it cannot read and names it; 保存 on an invalid form
 * leaves no unhandled rejection; audit events read as sentences with links; list filters live in
 * the URL (reload and Back); menus and dialogs open without animation when reduced motion is asked.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let base: string;
const rec: { north: string; south: string; edited: string } = { north: '', south: '', edited: '' };
let editedFileName = '';

beforeAll(async () => {
  web = await startWebServer('quanlu-web-findings-');
  base = web.server.url;
  const db = web.database.db;
  const dept = await makeDepartment(db, { name: '商务综合执法支队' });
  const officer = await makePerson(db, { departmentId: dept.id, name: '赵强' });
  const admin = await db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
  const common = { departmentId: dept.id, officerIds: [officer.id], uploadedBy: admin.id, recordedStart: '2026-03-10T01:00:00.000Z' };
  rec.north = await makeRecording(db, { ...common, party: '华北商贸有限公司' });
  rec.south = await makeRecording(db, { ...common, party: '江南物流有限公司' });
  rec.edited = await makeRecording(db, { ...common, party: '甲公司' });
  editedFileName = (await db.selectFrom('recording').select('file_name').where('id', '=', rec.edited).executeTakeFirstOrThrow()).file_name;

  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 900 }));
  await loginAs(page, base, { username: 'admin', password: ADMIN_PASSWORD });
  await page.getByText('欢迎，系统管理员').waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

/** Polls until the value matches (the page answers asynchronously); never a fixed wait. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 10_000, interval: 100 });

const recordingRows = () => page.getByTestId('recordings-table').locator('tbody tr.ant-table-row');
/** The parties of the rows the recordings table shows, sorted. */
const shownParties = async () => (await recordingRows().allInnerTexts()).map((t) => ['华北商贸有限公司', '江南物流有限公司', '甲公司', '乙公司'].find((p) => t.includes(p)) ?? t).sort();

test('26a: a chosen officer the server cannot read is asked for once and shown as 无法读取的人员', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'findings-26a-failure'));
  const ghost = randomUUID();
  let asked = 0;
  const onRequest = (r: { url(): string }) => {
    if (r.url().includes(`/api/personnel/${ghost}`)) asked++;
  };
  page.on('request', onRequest);
  try {
    // A shared link filtering by a person who does not exist (or is outside the reader's scope).
    const listed = (party?: string) =>
      page.waitForResponse((r) => r.request().method() === 'GET' && r.url().includes('/api/recordings?') && (!party || new URL(r.url()).searchParams.get('party') === party));
    const first = listed();
    await page.goto(`${base}/recordings?officerId=${ghost}`);
    await first;
    const filters = page.getByTestId('recording-filters');
    // Let the page live through two more searches (round trips to the server) before counting.
    for (const party of ['甲', '乙']) {
      const answered = listed(party);
      await filters.getByPlaceholder('当事人', { exact: true }).fill(party);
      await page.getByRole('button', { name: /查\s*询/ }).click();
      await answered;
    }
    // Before the fix the picker asked again after every answer, ~34 requests a second, forever.
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThanOrEqual(2);
    await expectText(filters, '无法读取的人员');
    await shot(page, 'findings-26a-unreadable-person');
  } finally {
    page.off('request', onRequest);
  }
});

test('26b: 保存 on an invalid dialog shows the field message and throws nothing', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'findings-26b-failure'));
  pageErrors.length = 0;
  await page.goto(`${base}/system/departments`);
  await page.getByRole('button', { name: '新建部门' }).first().click();
  const dialog = page.getByRole('dialog', { name: '新建部门' });
  await dialog.getByRole('button', { name: /^保\s*存$/ }).click();
  await dialog.locator('.ant-form-item-explain-error').first().waitFor();
  // One more task turn, so that a rejection of the save handler would have been reported.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  expect(pageErrors).toEqual([]);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
});

test('26d: an audit event reads as a sentence, links to its target and keeps the raw record', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'findings-26d-failure'));
  const csrf = (await page.context().cookies()).find((c) => c.name === 'ql_csrf')?.value ?? '';
  const res = await page.request.patch(`${base}/api/recordings/${rec.edited}`, { data: { party: '乙公司' }, headers: { 'x-csrf-token': csrf } });
  expect(res.status()).toBe(200);

  // The action filter comes from the URL.
  await page.goto(`${base}/audit/events?action=recording.update`);
  const table = page.getByTestId('audit-table');
  const sentence = table.getByTestId('audit-sentence').filter({ hasText: editedFileName });
  await expectText(sentence, `系统管理员（admin） 修改了声像资料《${editedFileName}》的 当事人：甲公司 → 乙公司`);
  expect(await sentence.getByTestId('audit-target-link').getAttribute('href')).toBe(`/recordings/${rec.edited}`);

  // The raw JSON is one click away.
  const row = table.getByRole('row').filter({ hasText: editedFileName });
  await row.getByRole('button', { name: /展开行|Expand row/ }).click();
  await expectText(table.locator('pre').first(), '"party": "乙公司"');
  await shot(page, 'findings-26d-audit-sentence');

  await sentence.getByTestId('audit-target-link').click();
  await page.waitForURL(`${base}/recordings/${rec.edited}`);
  await page.getByText(editedFileName).first().waitFor();
});

/** The unfiltered list: all three recordings (the third's party is 甲公司, or 乙公司 after 26d). */
const allThree = expect.arrayContaining(['华北商贸有限公司', '江南物流有限公司', expect.stringMatching(/^[甲乙]公司$/)]);

test('27: recordings filters live in the URL — reload keeps them, Back restores the earlier search', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'findings-27-failure'));
  await page.goto(`${base}/recordings`);
  const filters = page.getByTestId('recording-filters');
  const party = filters.getByPlaceholder('当事人', { exact: true });
  await poll(shownParties).toEqual(allThree);

  await party.fill('华北商贸有限公司');
  await page.getByRole('button', { name: /查\s*询/ }).click();
  await page.waitForURL((u) => u.searchParams.get('party') === '华北商贸有限公司');
  await poll(shownParties).toEqual(['华北商贸有限公司']);

  // A reload (or the link sent to a colleague) shows the same search and the same results.
  await page.reload();
  await poll(() => party.inputValue()).toBe('华北商贸有限公司');
  await poll(shownParties).toEqual(['华北商贸有限公司']);

  await party.fill('江南物流有限公司');
  await page.getByRole('button', { name: /查\s*询/ }).click();
  await page.waitForURL((u) => u.searchParams.get('party') === '江南物流有限公司');
  await poll(shownParties).toEqual(['江南物流有限公司']);

  // Back: the earlier search, in the form and in the table.
  await page.goBack();
  await page.waitForURL((u) => u.searchParams.get('party') === '华北商贸有限公司');
  await poll(() => party.inputValue()).toBe('华北商贸有限公司');
  await poll(shownParties).toEqual(['华北商贸有限公司']);
  await shot(page, 'findings-27-url-filters');

  // A tampered value is ignored rather than sent to the server (which would refuse it).
  await page.goto(`${base}/recordings?officerId=not-a-uuid&activity=dancing`);
  await poll(shownParties).toEqual(allThree);
});

test('28: with reduced motion asked for, the user menu and the token dialog open in place at once', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'findings-28-failure'));
  await page.goto(`${base}/`);
  await page.getByText('欢迎，系统管理员').waitFor();
  // Record every class any overlay takes while it opens. Without motion an overlay still passes
  // through `-appear-prepare` (measured for alignment) but never `-start` / `-active`, the phases in
  // which it grows into place.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __overlayClasses: string[] }).__overlayClasses = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        if (el.nodeType === 1 && typeof el.className === 'string' && /ant-(dropdown|modal)\b/.test(el.className)) seen.push(el.className);
        for (const n of Array.from(r.addedNodes)) if (n instanceof Element) for (const o of [n, ...Array.from(n.querySelectorAll('.ant-dropdown, .ant-modal'))]) seen.push(o.className);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
  });
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: '我的 API 令牌' }).click();
  const tokens = page.getByRole('dialog').filter({ hasText: '用途名称' });
  await tokens.getByLabel('用途名称').fill('采集站 2');
  const seen = await page.evaluate(() => (window as unknown as { __overlayClasses: string[] }).__overlayClasses);
  expect(seen.some((c) => /ant-(dropdown|modal)\b/.test(c))).toBe(true);
  expect(seen.filter((c) => /-(appear|enter)-(start|active)\b/.test(c))).toEqual([]);
  await page.keyboard.press('Escape');
  await tokens.waitFor({ state: 'hidden' });
  expect(pageErrors).toEqual([]);
});
