import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifyCommand } from '../../src/cli/verify.command.ts';
import type { VerifyReport } from '../../src/modules/verify/core/verify-package.ts';
import { runCli } from '../support/cli.ts';
import { makeCases, type Case } from './tamper-cases.ts';

/**
 * `quanlu verify PACKAGE` on packages made by the spec (test/verify/package-fixture.ts): the good one passes
 * (exit 0), each attack of issue 13 fails (exit 1) naming the checks written in tamper-cases.ts; misuse exits 2.
 */

let dir: string;
let cases: Case[];
let keys: Awaited<ReturnType<typeof makeCases>>['keys'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quanlu-verify-cli-'));
  ({ cases, keys } = await makeCases(dir));
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(args: { file: string; vkey?: string[]; witnessVkey?: string[]; json?: boolean }) {
  let stdout = '';
  let stderr = '';
  const code = await verifyCommand(args.file, { vkey: args.vkey, witnessVkey: args.witnessVkey, json: args.json }, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

describe('quanlu verify', () => {
  test('every case: exit code, failing checks and item verdicts as written', async () => {
    expect(cases.length).toBe(12);
    for (const c of cases) {
      const r = await run({ file: c.file, vkey: c.vkeys, witnessVkey: c.witnessVkeys, json: true });
      const report = JSON.parse(r.stdout) as VerifyReport;
      const failed = new Set([...report.checks, ...report.items.flatMap((i) => i.checks)].filter((x) => x.ok === false).map((x) => x.key));
      expect({ name: c.name, code: r.code, ok: report.ok }).toEqual({ name: c.name, code: c.ok ? 0 : 1, ok: c.ok });
      for (const k of c.failing) expect(failed.has(k), `${c.name}: ${k} reported failed (failed: ${[...failed].join(', ')})`).toBe(true);
      if (c.ok) expect([...failed]).toEqual([]);
      expect(report.items.filter((i) => !i.ok).map((i) => i.n), c.name).toEqual(c.failingItems);
      expect(report.items.map((i) => i.n)).toEqual([1, 2, 3]);
      expect(report.pinned).toBe(!!c.vkeys);
    }
  }, 300_000);

  test('the forked log under another key passes only when nothing is pinned, and then says so and shows other fingerprints', async () => {
    const fork = cases.find((c) => c.name === 'fork-other-key')!;
    const unpinned = await run({ file: fork.file });
    expect(unpinned.code).toBe(0);
    expect(unpinned.stdout).toContain('keys from the package (not pinned)');
    expect(unpinned.stdout).toContain('未固定');
    const good = await run({ file: cases[0]!.file, json: true });
    const logFp = (s: string) => (JSON.parse(s) as VerifyReport).keys.find((k) => k.role === 'log')!.fingerprint;
    expect(logFp((await run({ file: fork.file, json: true })).stdout)).not.toBe(logFp(good.stdout));
    const pinned = await run({ file: fork.file, vkey: [keys.log.vkey] });
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(/✗ 检查点签名（日志密钥 Ed25519） \/ checkpoint signature \(log key, Ed25519\): no signature by a pinned log key/);
  });

  test('the real command: zh+en lines with ✓/✗, exit 0 / 1 / 2', async () => {
    const good = await runCli(['verify', cases[0]!.file, '--vkey', keys.log.vkey, '--witness-vkey', keys.witnessVkey], {}, 180_000);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('✓ 全部检查通过 / all checks passed');
    expect(good.stdout).toContain('✓ 检查点 SM2 签名 / checkpoint SM2 signature');
    expect(good.stdout).toContain('✓ 可信时间戳（RFC 3161） / trusted timestamp (RFC 3161)');
    expect(good.stdout).toMatch(/证据 item 1 DSJ001_20261201_00\.mp4: 通过 passed/);
    const bad = await runCli(['verify', cases.find((c) => c.name === 'byte-flipped')!.file], {}, 180_000);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ 以下检查未通过 \/ these checks failed:\n.*✗ 载荷文件的 SHA-256 与 SM3 摘要.*data\/originals\/02-DSJ002_20261201_01\.mp4: SHA-256 differs/);
    expect(bad.stdout).toMatch(/证据 item 2 DSJ002_20261201_01\.mp4: 未通过 FAILED/);
    expect((await runCli(['verify'], {}, 180_000)).code).toBe(2);
    expect((await runCli(['verify', path.join(dir, 'nope.zip')], {}, 180_000)).code).toBe(2);
    expect((await runCli(['verify', cases[0]!.file, '--bogus'], {}, 180_000)).code).toBe(2);
    const notZip = await runCli(['verify', path.join(import.meta.dirname, 'verify-cli.test.ts')], {}, 180_000);
    expect(notZip.code).toBe(2);
    expect(notZip.stderr).toContain('不是可读取的 ZIP 文件');
    const badKey = await run({ file: cases[0]!.file, vkey: ['not-a-key'] });
    expect(badKey.code).toBe(1);
    expect(badKey.stdout).toContain('bad log key not-a-key');
  }, 600_000);
});
