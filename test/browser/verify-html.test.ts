import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VerifyReport } from '../../src/modules/verify/core/verify-package.ts';
import { verifyHtml } from '../../src/modules/verify/verify-html.ts';
import { buildFiles, makeKeys, writeZip } from '../verify/package-fixture.ts';
import { makeCases, type Case } from '../verify/tamper-cases.ts';
import { launchBrowser, shot } from '../support/browser.ts';

/**
 * verify.html in Debian's Chromium, opened from disk as a court's clerk would (file://, offline): the same
 * packages as the CLI test (test/verify/tamper-cases.ts), picked with the file input; the verdicts must be the
 * ones written there. The page must make no request at all and break no rule of its own CSP.
 */

let dir: string;
let cases: Case[];
let browser: Browser;
let page: Page;
let pageErrors: string[];
let pageUrl: string;
const requests: string[] = [];
const cspViolations: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quanlu-verify-html-'));
  const html = await verifyHtml();
  ({ cases } = await makeCases(dir, html));
  const file = path.join(dir, 'verify.html');
  await writeFile(file, html);
  pageUrl = pathToFileURL(file).href;
  ({ browser, page, pageErrors } = await launchBrowser({ width: 1100, height: 900 }));
  page.on('request', (r) => {
    // The hashing workers' scripts are Blob URLs the page minted from its own script (blob:null/… on file://):
    // loaded from memory, not a request to anywhere. Anything else is.
    if (r.url() !== pageUrl && !r.url().startsWith('blob:null/')) requests.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function verifyInPage(c: Case): Promise<VerifyReport> {
  await page.goto(pageUrl);
  await page.locator('body[data-state="ready"]').waitFor();
  if (c.vkeys || c.witnessVkeys) {
    await page.locator('details summary').click();
    await page.locator('#pin-log').fill((c.vkeys ?? []).join('\n'));
    await page.locator('#pin-witness').fill((c.witnessVkeys ?? []).join('\n'));
  }
  await page.locator('#file').setInputFiles(c.file);
  await page.locator('body[data-state="done"]').waitFor({ timeout: 120_000 });
  return page.evaluate(() => (window as unknown as { quanluVerify: { report: VerifyReport } }).quanluVerify.report);
}

describe('verify.html in Chromium', () => {
  test('files across several 8 MiB read chunks, an empty file and a one-byte file: hashed right in the workers; a byte flipped in the third chunk is found', async () => {
    const built = await buildFiles(await makeKeys(), { clipSizes: [(17 << 20) + 1, 0, 1], verifyHtml: await verifyHtml() });
    const good = await writeZip(built, path.join(dir, 'chunks-good.zip'));
    const clip = built.files.get(built.clipPaths[0]!)!;
    clip[(16 << 20) + 12_345]! ^= 0x80;
    const flipped = await writeZip(built, path.join(dir, 'chunks-flipped.zip'));
    const g = await verifyInPage({ name: 'chunks-good', file: good, ok: true, failing: [], failingItems: [] });
    expect(g.ok).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { quanluVerify: { hashedIn: string } }).quanluVerify.hashedIn)).toMatch(/^[2-4] workers$/);
    expect(await page.locator('#files .file').count()).toBe(1);
    expect(await page.locator('#files .file .pct').innerText()).toBe('100%');
    const f = await verifyInPage({ name: 'chunks-flipped', file: flipped, ok: false, failing: [], failingItems: [1] });
    expect(f.items.map((i) => [i.n, i.ok])).toEqual([[1, false], [2, true], [3, true]]);
    expect(f.items[0]!.checks.find((c) => c.key === 'item.file')?.detail).toContain('SHA-256 differs from package.json; SM3 differs from package.json');
  }, 180_000);

  test('every case: verdict, failing checks and items as written; shown per item as 通过/未通过', async () => {
    expect(cases.length).toBe(12);
    for (const c of cases) {
      const report = await verifyInPage(c);
      const failed = new Set([...report.checks, ...report.items.flatMap((i) => i.checks)].filter((x) => x.ok === false).map((x) => x.key));
      expect({ name: c.name, ok: report.ok }).toEqual({ name: c.name, ok: c.ok });
      for (const k of c.failing) expect(failed.has(k), `${c.name}: ${k} reported failed (failed: ${[...failed].join(', ')})`).toBe(true);
      if (c.ok) expect([...failed]).toEqual([]);
      expect(report.items.filter((i) => !i.ok).map((i) => i.n), c.name).toEqual(c.failingItems);
      expect(report.pinned).toBe(!!c.vkeys);
      // What the person sees.
      expect(await page.locator('#verdict').getAttribute('data-ok')).toBe(String(c.ok));
      expect(await page.locator('#verdict').innerText()).toContain(c.ok ? '全部检查通过' : '未通过');
      for (const n of [1, 2, 3]) {
        const item = page.locator(`section.item[data-item="${n}"]`);
        const bad = c.failingItems.includes(n);
        expect(await item.getAttribute('data-ok'), `${c.name} item ${n}`).toBe(String(!bad));
        expect(await item.locator('.badge').innerText()).toContain(bad ? '未通过' : '通过');
      }
      // Hashed in Web Workers (the page falls back to its own thread only when workers cannot start).
      expect(await page.evaluate(() => (window as unknown as { quanluVerify: { hashedIn: string } }).quanluVerify.hashedIn), c.name).toMatch(/^[2-4] workers$/);
      // The page checks the SM2 line itself (core/sm2.ts) and shows its verdict.
      const sm2 = report.checks.filter((x) => x.key === 'checkpoint.sm2');
      expect(sm2.map((x) => x.ok), c.name).toEqual([!c.failing.includes('checkpoint.sm2')]);
      expect(await page.locator('#checks').innerText()).toMatch(c.failing.includes('checkpoint.sm2') ? /✗ 检查点 SM2 签名/ : /✓ 检查点 SM2 签名/);
      if (['good', 'byte-flipped', 'fork-same-key', 'fork-other-key', 'sm2-signature-replaced'].includes(c.name)) await shot(page, `verify-html-${c.name}`);
    }
    // Not a ZIP: a clear 未通过, no exception in the page.
    await page.goto(pageUrl);
    await page.locator('body[data-state="ready"]').waitFor();
    await page.locator('#file').setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('这不是 ZIP 文件') });
    await page.locator('body[data-state="done"]').waitFor();
    expect(await page.locator('#verdict').getAttribute('data-ok')).toBe('false');
    expect(await page.locator('#checks').innerText()).toMatch(/包结构[\s\S]*not a ZIP file/);
    expect(requests, 'network requests').toEqual([]);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
