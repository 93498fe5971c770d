import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ADMIN_PASSWORD, expectText, launchBrowser, shot, startWebServer } from '../support/browser.ts';

/**
 * The web UI in real Chromium against the real server and a real PostgreSQL: log in, build the
 * organisation, register a qualified officer, and find both changes in a verified audit chain.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let server: Awaited<ReturnType<typeof startWebServer>>['server'];
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  web = await startWebServer('quanlu-web-');
  server = web.server;
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1366, height: 860 }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

// antd puts a space between the two characters of a two-character Chinese button label ("保 存").
const saveButton = /^保\s*存$/;

test('admin logs in, builds a department and a qualified officer, and audits both', async (ctx) => {
  ctx.onTestFailed(() => shot(page, 'failure'));
  await page.goto(server.url);
  await page.waitForURL(/\/login$/);
  await page.getByRole('heading', { name: '全录' }).waitFor();
  await shot(page, '01-login');

  // A wrong password shows the server's message on the form.
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill('wrong-password-1');
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await expectText(page.getByTestId('login-error'), /用户名或密码错误/);

  await page.getByLabel('密码').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.getByText('欢迎，系统管理员').waitFor();
  await page.locator('.ant-statistic-content').first().waitFor();
  await shot(page, '02-dashboard');

  // 部门: create the enforcement detachment.
  await page.getByRole('menuitem', { name: '部门' }).click();
  await page.getByRole('button', { name: '新建部门' }).first().click();
  const deptDialog = page.getByRole('dialog', { name: '新建部门' });
  await deptDialog.getByLabel('部门名称').fill('商务综合执法支队');
  await deptDialog.getByLabel('部门代码').fill('SWZF');
  await deptDialog.getByRole('button', { name: saveButton }).click();
  await deptDialog.waitFor({ state: 'hidden' });
  await page.getByTestId('department-tree').getByText('商务综合执法支队').waitFor();
  await shot(page, '03-departments');

  // 人员: an enrolled officer with a valid enforcement certificate.
  await page.getByRole('menuitem', { name: '人员' }).click();
  await page.getByRole('button', { name: '新增人员' }).click();
  const drawer = page.getByRole('dialog').filter({ hasText: '新增人员' });
  await drawer.getByLabel('姓名').fill('张伟');
  await drawer.getByLabel('工号').fill('ZF-0001');
  await drawer.getByLabel('所属部门').click();
  await page.locator('.ant-select-tree').getByTitle('商务综合执法支队').click();
  await drawer.getByLabel('执法证号').fill('冀商执字第0001号');
  await drawer.getByLabel('考试通过日期').fill('2021-06-01');
  await drawer.getByLabel('考试通过日期').press('Enter');
  // The form checks date order as you type: a certificate cannot expire before its exam.
  await drawer.getByLabel('有效期至').fill('2020-01-01');
  await drawer.getByLabel('有效期至').press('Enter');
  await drawer.getByText('有效期不能早于考试通过日期').waitFor();
  await drawer.getByLabel('有效期至').fill('2030-12-31');
  await drawer.getByLabel('有效期至').press('Enter');
  await drawer.getByText('有效期不能早于考试通过日期').waitFor({ state: 'detached' });
  await drawer.getByLabel('发证机关').fill('河北省人民政府');
  await shot(page, '04-person-form');
  await drawer.getByRole('button', { name: saveButton }).click();
  await drawer.waitFor({ state: 'hidden' });
  const row = page.getByRole('row', { name: /张伟/ });
  await expectText(row, 'ZF-0001');
  await expectText(row, '商务综合执法支队');
  await expectText(row, '冀商执字第0001号');
  await expectText(row, '2030-12-31');
  await expectText(row, '具备执法资格');
  await shot(page, '05-people');

  // Training records (第三条) live with the person.
  await row.getByText('张伟').click();
  const personDrawer = page.getByRole('dialog').filter({ hasText: '培训记录' });
  await personDrawer.getByRole('tab', { name: '培训记录' }).click();
  await personDrawer.getByLabel('培训日期').fill('2026-03-15');
  await personDrawer.getByLabel('培训日期').press('Enter');
  await personDrawer.getByLabel('培训内容').fill('执法记录仪使用规范');
  await personDrawer.getByLabel('学时').fill('4.5');
  await personDrawer.getByRole('button', { name: '添加培训记录' }).click();
  await expectText(personDrawer.getByRole('row', { name: /执法记录仪使用规范/ }), '4.5');
  await shot(page, '06-training');
  await page.keyboard.press('Escape');
  await personDrawer.waitFor({ state: 'hidden' });

  // 账户 and the personal API token, whose secret is shown once.
  await page.getByRole('menuitem', { name: '账户' }).click();
  await expectText(page.getByRole('row', { name: /admin/ }), '系统管理员');
  await shot(page, '07-users');
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: '我的 API 令牌' }).click();
  const tokens = page.getByRole('dialog').filter({ hasText: '用途名称' });
  await tokens.getByLabel('用途名称').fill('采集站 1');
  await tokens.getByRole('button', { name: '创建令牌' }).click();
  await expectText(tokens.getByTestId('new-token'), /^qlt_/);
  await expectText(tokens.getByRole('row', { name: /采集站 1/ }), '有效');
  await shot(page, '08-api-token');
  await page.keyboard.press('Escape');
  await tokens.waitFor({ state: 'hidden' });

  // 审计日志: both changes are in the chain, and the chain verifies.
  await page.getByRole('menuitem', { name: '审计日志' }).click();
  const table = page.getByTestId('audit-table');
  await expectText(table.getByRole('row', { name: /department\.create/ }), '新增部门');
  await expectText(table.getByRole('row', { name: /person\.create/ }), '新增人员');
  await page.getByTestId('verify-chain').click();
  await expectText(page.getByTestId('verify-result'), '校验通过');
  await shot(page, '09-audit');

  // English: the navigation follows the language switch.
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'English' }).click();
  await page.locator('.ant-dropdown').waitFor({ state: 'hidden' });
  const nav = page.locator('.ant-layout-sider');
  for (const label of ['Dashboard', 'Departments', 'People', 'Accounts', 'Audit log']) await nav.getByText(label, { exact: true }).waitFor();
  expect(await nav.getByText('部门', { exact: true }).count()).toBe(0);
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await shot(page, '10-english');

  expect(pageErrors).toEqual([]);
}, 60_000);
