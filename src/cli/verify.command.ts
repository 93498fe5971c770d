import { createHash, createPublicKey, verify as cryptoVerify, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { DualHasher } from '../modules/verify/core/hashing.ts';
import { CHECK_LABELS, WORDS } from '../modules/verify/core/messages.ts';
import { verifyPackage, type Check, type VerifyReport } from '../modules/verify/core/verify-package.ts';
import { openZipFile } from '../modules/verify/node-package-reader.ts';

/**
 * `quanlu verify PACKAGE`: checks an evidence package offline with the same core as verify.html (no server,
 * no database, no configuration). Exit 0 when every check holds, 1 when any fails (each is listed), 2 when
 * the command is misused or the file cannot be read as a ZIP.
 */

export interface VerifyCommandOptions {
  vkey?: string[];
  witnessVkey?: string[];
  json?: boolean;
}

interface Out {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

/** SM2 with SM3 and the default ID, by OpenSSL 3 (loading the SPKI as an SM2 key). */
function sm2Verify(spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return cryptoVerify('sm3', message, key, signature);
  } catch {
    return false;
  }
}

/** SHA-256 and SM3 by OpenSSL (faster here than the WebAssembly hashers the page must use). */
async function nodeHasher(): Promise<DualHasher> {
  let a: Hash;
  let b: Hash;
  return {
    init() {
      a = createHash('sha256');
      b = createHash('sm3');
    },
    update(chunk) {
      a.update(chunk);
      b.update(chunk);
    },
    digest: () => ({ sha256: a.digest('hex'), sm3: b.digest('hex') }),
  };
}

function line(c: Check): string {
  const mark = c.ok === true ? '✓' : c.ok === false ? '✗' : '–';
  const l = CHECK_LABELS[c.key];
  return `  ${mark} ${l.zh} / ${l.en}${c.subject ? ` [${c.subject}]` : ''}${c.detail ? `: ${c.detail}` : ''}\n`;
}

export function formatReport(r: VerifyReport): string {
  let s = `证据包 Package: ${r.bag ?? '?'}${r.packageId ? ` (${r.packageId})` : ''}\n`;
  for (const c of r.checks) s += line(c);
  for (const it of r.items) {
    s += `${WORDS.item.zh} ${WORDS.item.en} ${it.n} ${it.fileName}: ${it.ok ? `${WORDS.pass.zh} ${WORDS.pass.en}` : `${WORDS.fail.zh} ${WORDS.fail.en}`}\n`;
    for (const c of it.checks) s += `  ${line(c)}`;
  }
  s += `公钥 Keys (${r.pinned ? `${WORDS.pinned.zh} / ${WORDS.pinned.en}` : `${WORDS.notPinned.zh} / ${WORDS.notPinned.en}`}):\n`;
  for (const k of r.keys) s += `  ${k.role} ${k.name} SHA-256 ${k.fingerprint}${k.pinned ? ' (pinned 已固定)' : ''}\n`;
  if (r.ok) s += `✓ ${WORDS.allGood.zh} / ${WORDS.allGood.en}\n`;
  else {
    s += `✗ ${WORDS.somethingFailed.zh} / ${WORDS.somethingFailed.en}:\n`;
    for (const c of r.checks.filter((c) => c.ok === false)) s += line(c);
    for (const it of r.items.filter((i) => !i.ok)) for (const c of it.checks.filter((c) => c.ok === false)) s += `  [${WORDS.item.en} ${it.n}]${line(c).slice(1)}`;
  }
  return s;
}

export async function verifyCommand(file: string | undefined, opts: VerifyCommandOptions, io: Out = process): Promise<number> {
  if (!file) {
    io.stderr.write('usage: quanlu verify PACKAGE.zip [--vkey V]... [--witness-vkey W]... [--json]\n');
    return 2;
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    io.stderr.write(`cannot read ${file} — 无法读取文件\n`);
    return 2;
  }
  const { reader, close } = await openZipFile(file);
  try {
    try {
      await reader.entries();
    } catch (e) {
      io.stderr.write(`${file} is not a readable ZIP (${e instanceof Error ? e.message : String(e)}) — 不是可读取的 ZIP 文件\n`);
      return 2;
    }
    let last = 0;
    const report = await verifyPackage(reader, {
      vkeys: opts.vkey,
      witnessVkeys: opts.witnessVkey,
      sm2Verify,
      hasher: nodeHasher,
      onProgress: (p) => {
        if (opts.json || !io.stderr.isTTY || Date.now() - last < 200) return;
        last = Date.now();
        io.stderr.write(`\r  ${Math.floor((100 * p.doneBytes) / Math.max(1, p.totalBytes))}% ${p.path.slice(-60).padEnd(60)}`);
      },
    });
    if (!opts.json && io.stderr.isTTY) io.stderr.write('\n');
    io.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await close();
  }
}
