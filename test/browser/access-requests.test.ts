import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { expectText, launchBrowser, loginAs, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeRecording, makeUser } from '../support/harness.ts';

/**
 * Viewing by approval in real Chromium (issue 8 §1, 第十四条): an officer asks to view a recording of their
 * department, a leader of the department sees the count on 工作台 and in the navigation, approves, and the
 * officer's request then shows a live grant.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let officer: Awaited<ReturnType<typeof makeUser>>;
let leader: Awaited<ReturnType<typeof makeUser>>;
let recordingId: string;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-access-');
  const db = web.database.db;
  const dept = await makeDepartment(db, { name: '第一执法大队' });
  const pOfficer = await makePerson(db, { departmentId: dept.id, name: '王执法' });
  const pLeader = await makePerson(db, { departmentId: dept.id, name: '李队长' });
  officer = await makeUser(db, { roles: ['officer'], departmentId: dept.id, personId: pOfficer.id });
  leader = await makeUser(db, { roles: ['leader'], departmentId: dept.id, personId: pLeader.id });
  const custodian = await makeUser(db, { roles: ['custodian'], departmentId: dept.id });
  recordingId = await makeRecording(db, { departmentId: dept.id, officerIds: [pOfficer.id], uploadedBy: custodian.id, recordedStart: '2026-03-10T01:00:00Z', uploadedAt: '2026-03-10T03:00:00Z', deviceNumber: 'DSJ-001' });
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1366, height: 900 }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

test('an officer requests, a leader approves, the grant is live', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'access-failure'));
  await loginAs(page, web.server.url, officer);
  await page.goto(`${web.server.url}/access/new?recordingIds=${recordingId}`);
  await page.getByLabel('调阅事由').fill('核查当事人投诉的执法过程');
  await page.getByTestId('submit-request').click();
  await page.waitForURL(/\/access\/[0-9a-f-]{36}$/);
  await expectText(page.locator('.ant-descriptions').first(), '待审批');
  await shot(page, 'access-01-requested');

  await loginAs(page, web.server.url, leader);
  // 工作台 and the navigation count the request waiting for this leader.
  await expectText(page.getByTestId('dash-access-approve'), '1');
  await expectText(page.getByTestId('access-count-badge'), '1');
  await shot(page, 'access-02-leader-dashboard');
  await page.getByTestId('dash-access-approve').click();
  await expectText(page.getByTestId('open-request'), '审批');
  await page.getByTestId('open-request').first().click();
  await page.getByText('核查当事人投诉的执法过程').waitFor();
  await page.getByTestId('approve').click();
  await expectText(page.locator('.ant-descriptions').nth(1), '有效');
  await shot(page, 'access-03-approved');

  await loginAs(page, web.server.url, officer);
  await page.goto(`${web.server.url}/access?box=mine`);
  await expectText(page.locator('.ant-table-tbody'), '有效');
  await shot(page, 'access-04-officer-sees-grant');
  expect(pageErrors).toEqual([]);
}, 120_000);
