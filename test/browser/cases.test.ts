import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { expectText, launchBrowser, shot, startWebServer } from '../support/browser.ts';
import { makeDepartment, makePerson, makeRecording, makeUser } from '../support/harness.ts';

/**
 * Cases in real Chromium (issue 9 §1–3, §5): a leader files a general-procedure case with two officers and a
 * party, moves it to 调查取证 (the checklist shows the gap), links two recordings (the gap closes), reveals the
 * party's ID number with a reason, and sees the case from a recording's page and on 工作台.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let leader: Awaited<ReturnType<typeof makeUser>>;
const files: string[] = [];
let firstRecording = '';

beforeAll(async () => {
  web = await startWebServer('quanlu-web-cases-');
  const db = web.database.db;
  const dept = await makeDepartment(db, { name: '商务综合执法一大队' });
  const p1 = await makePerson(db, { departmentId: dept.id, name: '王执法' });
  await makePerson(db, { departmentId: dept.id, name: '赵执法' });
  const pLeader = await makePerson(db, { departmentId: dept.id, name: '李队长' });
  leader = await makeUser(db, { roles: ['leader'], departmentId: dept.id, personId: pLeader.id });
  const custodian = await makeUser(db, { roles: ['custodian'], departmentId: dept.id });
  for (const [i, start] of ['2026-11-20T01:00:00Z', '2026-11-20T02:30:00Z'].entries()) {
    const id = await makeRecording(db, { departmentId: dept.id, officerIds: [p1.id], uploadedBy: custodian.id, recordedStart: start, deviceNumber: `DSJ-00${i + 1}` });
    if (!firstRecording) firstRecording = id;
    files.push((await db.selectFrom('recording').select('file_name').where('id', '=', id).executeTakeFirstOrThrow()).file_name);
  }
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1440, height: 900 }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const ok = () => page.getByRole('dialog').getByRole('button', { name: /确\s*定|OK/ });

async function pick(label: string, typed: string, option: string | RegExp) {
  await page.getByLabel(label).click();
  if (typed) await page.getByLabel(label).fill(typed);
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: option }).first().click();
}

test('file a case, link two recordings, see the checklist, reveal a party ID', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'cases-failure'));
  await page.goto(`${web.server.url}/login`);
  await page.getByLabel('用户名').fill(leader.username);
  await page.getByLabel('密码').fill(leader.password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.getByText('欢迎').waitFor();

  await page.goto(`${web.server.url}/cases/new`);
  await page.getByLabel('案件编号').fill('冀商执罚〔2026〕88号');
  await page.getByLabel('案由').fill('未按规定备案经营单用途商业预付卡');
  await pick('承办人员', '王执法', '王执法');
  await pick('承办人员', '赵执法', '赵执法');
  await page.keyboard.press('Escape');
  await page.getByLabel('姓名/名称').fill('王某某');
  await page.getByLabel('证件号码').fill('320102199001011234');
  await shot(page, 'cases-01-new');
  await page.getByTestId('submit-case').click();
  await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
  await expectText(page.getByTestId('case-number'), '冀商执罚〔2026〕88号');
  await expectText(page.getByTestId('party-id-masked'), '3201**********1234');
  expect(await page.content()).not.toContain('320102199001011234');

  // 立案 → 调查取证: the next stage is preselected; the checklist then shows the 调查取证 gap.
  await page.getByTestId('move-stage').click();
  await ok().click();
  await page.getByTestId('gap-investigation').waitFor();
  const caseUrl = page.url();
  // 工作台 lists the gap.
  await page.goto(`${web.server.url}/`);
  await expectText(page.getByTestId('dash-case-gaps'), '冀商执罚〔2026〕88号');
  await expectText(page.getByTestId('dash-case-gaps'), '现场检查');
  await shot(page, 'cases-02a-dashboard-gap');
  await page.goto(caseUrl);

  // Link two recordings at 调查取证.
  for (const f of files) {
    await page.getByTestId('add-link').click();
    await page.getByRole('dialog').getByRole('combobox').first().click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: f }).first().click();
    await ok().click();
    await expectText(page.getByTestId('case-links'), f);
  }
  await expect.poll(() => page.getByTestId('gap-investigation').count()).toBe(0);
  await expectText(page.getByTestId('case-checklist'), '已关联 2 条');

  // Reveal the party's ID number with a reason.
  await page.getByTestId('reveal-party').click();
  await page.getByTestId('reveal-reason').fill('制作处罚决定书');
  await ok().click();
  await expectText(page.getByTestId('party-id-full'), '320102199001011234');
  await shot(page, 'cases-02b-detail');

  // A number the server cannot decrypt (here: written under another key): the page stays, the cell says so.
  const caseId = caseUrl.split('/').pop()!;
  const { id_key_id: realKeyId } = await web.database.db.selectFrom('case_party').select('id_key_id').where('case_id', '=', caseId).executeTakeFirstOrThrow();
  await web.database.db.updateTable('case_party').set({ id_key_id: '00000000deadbeef' }).where('case_id', '=', caseId).execute();
  await page.reload();
  await page.getByTestId('reveal-party').click();
  await page.getByTestId('reveal-reason').fill('核对');
  await ok().click();
  await expectText(page.getByTestId('party-id-unreadable'), '无法解密');
  await expectText(page.getByTestId('party-id-masked'), '3201**********1234');
  await expectText(page.getByTestId('case-number'), '冀商执罚〔2026〕88号');
  await shot(page, 'cases-02c-undecryptable');
  await web.database.db.updateTable('case_party').set({ id_key_id: realKeyId }).where('case_id', '=', caseId).execute();

  // The recording page lists the case; 工作台 shows the cards (no gap left for this case).
  await page.goto(`${web.server.url}/recordings/${firstRecording}`);
  await expectText(page.getByTestId('recording-cases'), '冀商执罚〔2026〕88号');
  await shot(page, 'cases-03-recording');
  await page.goto(`${web.server.url}/`);
  await page.getByTestId('dash-case-gaps').waitFor();
  await expectText(page.getByTestId('dash-case-gaps'), '暂无');
  await page.getByTestId('dash-case-deadlines').waitFor();
  await shot(page, 'cases-04-dashboard');
  await page.goto(`${web.server.url}/cases`);
  await expectText(page.locator('.ant-table-tbody'), '王某某');
  await shot(page, 'cases-05-list');
  // The checklist (v1, the seeded default) is readable; only admins may change it.
  await page.goto(`${web.server.url}/cases/checklist`);
  await expectText(page.locator('.ant-table-tbody'), '现场检查（勘验）');
  expect(await page.getByRole('button', { name: '修改清单' }).count()).toBe(0);
  await shot(page, 'cases-06-checklist');
  expect(pageErrors).toEqual([]);
}, 180_000);
