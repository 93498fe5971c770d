import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildWeb, webBuildIsStale } from '../../src/cli/web-build.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { repoRoot } from './cli.ts';
import { createTestDatabase } from './harness.ts';

export const screenshotDir = path.join(repoRoot, 'test-artifacts', 'screenshots');

/** The first admin's password in browser tests (the password policy refuses one containing `admin`). */
export const ADMIN_PASSWORD = 'Huaihe-Jilu-2026';

/** The real server (web UI built if stale) on a fresh test database and data folder; workers off. */
export async function startWebServer(prefix: string) {
  if (webBuildIsStale()) await buildWeb(() => undefined);
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), prefix));
  const config = loadConfig({ QUANLU_DATA_DIR: dataDir, DATABASE_URL: database.url, PORT: '0', QUANLU_ADMIN_PASSWORD: ADMIN_PASSWORD, QUANLU_LOG_LEVEL: 'silent', QUANLU_WORKERS: 'false' });
  const server: RunningServer = await startServer(config, { logger: false });
  return {
    database,
    dataDir,
    server,
    async close() {
      await server.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium through playwright-core, headless, with no network chatter; page errors are collected. */
export async function launchBrowser(viewport: { width: number; height: number }): Promise<{ browser: Browser; page: Page; pageErrors: string[] }> {
  await mkdir(screenshotDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Reduced motion: the app then opens menus, dialogs and drawers without animation. With animation,
  // a click can be aimed at a menu item while its menu is still held at the animation's start (scaled
  // down; Playwright's stability check passes there) and the menu grows between mousedown and mouseup:
  // no item gets the click. web-flow's timeout on 我的 API 令牌 (issue 6 item 28) left exactly that
  // behind: the menu still open, the pointer over the item above, no dialog.
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', reducedMotion: 'reduce' });
  // A loaded 2-core machine can take well over 10 s to render a page after a server round trip (seen in CI-like
  // runs at load 15); waiting longer costs nothing when the page is on time.
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { browser, page, pageErrors };
}

/** Waits until the element's text contains `text` (vitest has no Playwright web matchers). */
export async function expectText(locator: Locator, text: string | RegExp, timeout = 30_000) {
  await locator.first().waitFor({ timeout });
  await expect.poll(() => locator.first().innerText(), { timeout }).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
}

/** A full-page screenshot saved as test-artifacts/screenshots/<name>.png (look at it). */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * Logs `user` in through the login form of the server at `baseUrl` (cookies cleared first, so it also switches
 * users) and waits for 工作台's greeting.
 */
export async function loginAs(page: Page, baseUrl: string, user: { username: string; password: string }): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('用户名').fill(user.username);
  await page.getByLabel('密码').fill(user.password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.getByText('欢迎').waitFor();
}

/** A logged-in API client over real HTTP (cookie + CSRF), for preparing what a browser test then shows. */
export async function apiAs(base: string, username: string, password: string) {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return async (method: string, url: string, body?: unknown, type = 'application/json') => {
    const r = await fetch(`${base}${url}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined && { 'content-type': type }) },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}
