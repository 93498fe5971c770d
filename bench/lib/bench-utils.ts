// Small helpers shared by the benchmarks: options, statistics, tables, databases and process checks.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';

/** Reads `--name=value` from argv, else the environment variable, else the default (numbers). */
export function numberOption(argName: string, envName: string, fallback: number): number {
  const prefix = `--${argName}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
  const raw = arg ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${argName} / ${envName}: not a number: ${raw}`);
  return Math.floor(n);
}

/** Reads `--name=value` from argv, else the environment variable (strings). */
export function stringOption(argName: string, envName: string): string | undefined {
  const prefix = `--${argName}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
  const v = arg ?? process.env[envName];
  return v === undefined || v === '' ? undefined : v;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/** 12,345 */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 3 significant-ish digits: 0.123, 1.23, 12.3, 1,234 */
export function fmtNum(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return fmtInt(n);
  return n.toFixed(digits);
}

/** A ratio as "0.42×". */
export function fmtRatio(n: number): string {
  return `${n >= 10 ? n.toFixed(1) : n.toFixed(2)}×`;
}

/** Prints a plain-text table with right-aligned numeric-looking cells. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(strWidth(h), ...rows.map((r) => strWidth(r[i] ?? ''))));
  const numeric = /^[\d.,×%+\-–— ]+(ms|s|ev\/s|×)?$/;
  const cell = (v: string, i: number) => {
    const pad = ' '.repeat(widths[i]! - strWidth(v));
    return numeric.test(v) && i > 0 ? pad + v : v + pad;
  };
  const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

/** Display width: CJK characters take two columns. */
function strWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** The URL of another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs one statement on a short-lived client (CREATE / DROP DATABASE cannot run in a pool transaction). */
export async function adminQuery(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, application_name: 'quanlu-bench' });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

export async function createFreshDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** PIDs of processes whose command line mentions `needle` (e.g. a data folder), read from /proc. */
export function processesMentioning(needle: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmd.includes(needle)) found.push({ pid: Number(entry), cmd });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** A stack of clean-up steps, run in reverse on success, failure or Ctrl-C. */
export class Cleanup {
  private steps: { label: string; fn: () => Promise<void> | void }[] = [];
  private ran = false;

  constructor() {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        console.error(`\n${sig}: cleaning up…`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }

  add(label: string, fn: () => Promise<void> | void): void {
    this.steps.push({ label, fn });
  }

  async run(): Promise<void> {
    if (this.ran) return;
    this.ran = true;
    for (const s of this.steps.reverse()) {
      try {
        await s.fn();
      } catch (e) {
        console.error(`clean-up step "${s.label}" failed:`, e);
      }
    }
  }
}

export function elapsedMs(t0: number): number {
  return performance.now() - t0;
}

/** "load 1.23 / 0.98 / 0.50": other work on the machine skews every figure, so the benches print it. */
export function loadLine(): string {
  return `load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`;
}

/** Runs a command (stdout ignored, stderr shown); resolves when it exits 0. */
export function runCommand(cmd: string, args: string[], o: { cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { ...(o.cwd && { cwd: o.cwd }), stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** Random bytes in 4 MiB pieces (incompressible, nothing to deduplicate). */
export function randomStream(bytes: number): Readable {
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, 4 << 20);
      left -= n;
      this.push(randomBytes(n));
    },
  });
}

/** One tus upload, the bytes sent by curl in one PATCH; ms until the server answered (stored). */
export async function tusUploadByCurl(base: string, token: string, meta: string, file: string): Promise<{ ms: number; sha256?: string; error?: string }> {
  const b64 = (v: string) => Buffer.from(v).toString('base64');
  const size = (await stat(file)).size;
  const t0 = performance.now();
  const created = await fetch(`${base}/api/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-length': String(size), 'upload-metadata': `filename ${b64(path.basename(file))},metadata ${b64(meta)}` },
  });
  if (created.status !== 201) return { ms: 0, error: `create ${created.status} ${await created.text()}` };
  const url = new URL(created.headers.get('location')!, base).toString();
  const out = await new Promise<{ code: number | null; headers: string }>((resolve) => {
    const c = spawn('curl', ['-sS', '-o', '/dev/null', '-D', '-', '-X', 'PATCH', '-T', file, '-H', `authorization: Bearer ${token}`, '-H', 'tus-resumable: 1.0.0', '-H', 'upload-offset: 0', '-H', 'content-type: application/offset+octet-stream', url]);
    let headers = '';
    c.stdout.on('data', (d) => (headers += d));
    // 'close', not 'exit': the last headers may still be unread from stdout when the process exits.
    c.on('close', (code) => resolve({ code, headers }));
  });
  // Stored only when curl finished and the server answered with the stored object's SHA-256.
  const sha = out.code === 0 ? /x-content-sha256:\s*([0-9a-f]{64})/i.exec(out.headers)?.[1] : undefined;
  return { ms: performance.now() - t0, sha256: sha, ...(sha ? {} : { error: out.headers.slice(0, 300) }) };
}
