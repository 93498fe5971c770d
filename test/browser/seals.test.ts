import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { appendAuditEvent } from '../../src/platform/audit/audit-chain.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { signCheckpoint, tick } from '../../src/modules/tlog/tlog.service.ts';
import { cosignatureLine } from '../../src/modules/tlog/cosignature.ts';
import { registerWitness, submitCosignature } from '../../src/modules/tlog/tlog-witness.service.ts';
import { initWitness } from '../../src/modules/tlog/witness-core.ts';
import { expectText, launchBrowser, screenshotDir, startWebServer } from '../support/browser.ts';
import { makeUser } from '../support/harness.ts';

/**
 * The daily seal page (issue 13 §2, 第十三条) in real Chromium: an auditor sees the signing keys and the day's
 * seal with its QR code; the QR code, decoded from the screenshot-able image, is the signed checkpoint itself.
 */

let web: Awaited<ReturnType<typeof startWebServer>>;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let auditor: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  web = await startWebServer('quanlu-web-seals-');
  const db = web.database.db;
  auditor = await makeUser(db, { roles: ['auditor'] });
  for (let i = 0; i < 7; i++) await db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { kind: 'system', label: 'test' }, action: 'test.event', details: { i } }));
  const deps = { db, config: loadConfig({ QUANLU_DATA_DIR: web.dataDir, QUANLU_LOG_LEVEL: 'silent' }) };
  await signCheckpoint(deps, 'manual');
  const { daily } = await tick(deps, new Date(Date.now() + 24 * 3600_000));
  // A registered witness cosigns the seal (issue 13 §3); no TSA is configured, so it stays unstamped.
  const admin = await makeUser(db, { roles: ['admin'] });
  const witnessDir = mkdtempSync(path.join(tmpdir(), 'quanlu-seal-witness-'));
  const w = await initWitness(witnessDir, 'sfj.example/witness');
  await registerWitness(deps, admin, w.key.vkey);
  const text = daily!.note.slice(0, daily!.note.lastIndexOf('\n\n') + 1);
  await submitCosignature(deps, { checkpoint: daily!.note, cosignature: cosignatureLine(w.key, text, Math.floor(Date.now() / 1000), w.sign) });
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1366, height: 900 }));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

test('an auditor opens 每日封存: keys, the seal, its QR code holds the signed note', async (ctx) => {
  ctx.onTestFailed(() => page.screenshot({ path: path.join(screenshotDir, 'seals-failure.png'), fullPage: true }).then(() => undefined));
  await page.goto(`${web.server.url}/login`);
  await page.getByLabel('用户名').fill(auditor.username);
  await page.getByLabel('密码').fill(auditor.password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.getByText('欢迎').waitFor();
  await page.goto(`${web.server.url}/audit/seals`);
  // The navigation opens the 审计 group on this page and marks 每日封存.
  await expectText(page.locator('.ant-menu-item-selected'), '每日封存');
  const seal = page.getByTestId('seal');
  await expectText(seal, /封存/);
  await expectText(seal, /覆盖审计事件 1–\d+/);
  expect(await page.getByTestId('seal-vkey').count()).toBe(2);
  // Its witness, verified, and no trusted time stamp (none configured).
  await expectText(seal.getByTestId('witness'), /sfj\.example\/witness 于 .+ 副署 ✓ 已验证/);
  await expectText(seal.getByTestId('no-timestamp'), '未取得时间戳');
  await expectText(page.getByTestId('registered-witness'), 'sfj.example/witness');
  const note = await seal.locator('pre').innerText();
  expect(note).toMatch(/^quanlu\.local\/[0-9a-f]{16}\n\d+\n[A-Za-z0-9+/]{43}=\n\n— /);
  await page.getByTestId('seal-qr').waitFor();
  await page.screenshot({ path: path.join(screenshotDir, 'seals-page.png'), fullPage: true });
  // The QR image decodes (zbarimg, when installed) to the note shown.
  const png = Buffer.from((await page.getByTestId('seal-qr').getAttribute('src'))!.split(',')[1]!, 'base64');
  const file = path.join(screenshotDir, 'seal-qr.png');
  writeFileSync(file, png);
  let decoded: string | undefined;
  try {
    decoded = execFileSync('zbarimg', ['--raw', '-q', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    decoded = undefined;
  }
  const apiNote = ((await (await page.request.get(`${web.server.url}/api/tlog/seals`)).json()) as { items: { note: string }[] }).items[0]!.note;
  expect(note.trimEnd()).toBe(apiNote.trimEnd());
  // zbarimg ends its output with a newline of its own.
  if (decoded !== undefined) expect(decoded).toBe(`${apiNote}\n`);
  else console.warn('zbarimg not installed: the QR code was not decoded');
  expect(pageErrors).toEqual([]);
});
