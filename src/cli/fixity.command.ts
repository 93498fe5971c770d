import type { Config } from '../platform/config/config.ts';

export interface FixityCliOptions {
  all?: boolean;
  recording?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const RESULT_TEXT: Record<string, string> = {
  missing: 'missing — 文件缺失',
  'sha256-mismatch': 'SHA-256 mismatch — 内容已改变',
  'sm3-mismatch': 'SM3 mismatch — SM3 与入库记录不符',
  'size-mismatch': 'size mismatch — 大小与入库记录不符',
  unreadable: 'unreadable — 无法读取',
};

/**
 * `quanlu fixity --all | --recording ID`: re-hashes stored objects now (full speed, one at a time), with
 * progress on stderr; prints each failing object with its recordings and the orphans found. Returns the exit
 * code: 0 all intact, 1 any object failed (named), 2 usage error.
 */
export async function fixityCommand(config: Config, opts: FixityCliOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream | NodeJS.WritableStream }): Promise<number> {
  if (!!opts.all === !!opts.recording) {
    io.stderr.write('用法：quanlu fixity --all | --recording ID（二选一） / usage: quanlu fixity --all | --recording ID (exactly one)\n');
    return 2;
  }
  if (opts.recording && !UUID.test(opts.recording)) {
    io.stderr.write(`--recording ${opts.recording}：不是有效的声像资料编号 / not a recording id (UUID)\n`);
    return 2;
  }
  const { openDatabase } = await import('../platform/db/open-database.ts');
  const { openObjectStore } = await import('../platform/storage/open-object-store.ts');
  const { runFixityPass } = await import('../modules/fixity/fixity.service.ts');
  const { AppError } = await import('../platform/errors/error-catalog.ts');
  const database = await openDatabase(config);
  try {
    const tty = 'isTTY' in io.stderr && io.stderr.isTTY;
    let lastLine = 0;
    const result = await runFixityPass(
      { config, db: database.db, storage: openObjectStore(config) },
      {
        scope: opts.all ? { kind: 'all' } : { kind: 'recording', recordingId: opts.recording! },
        actor: { kind: 'system', label: 'cli:fixity' },
        onProgress: (p) => {
          if (opts.json) return;
          const line = `checked ${p.checked}/${p.total} objects (${(p.bytes / 1e6).toFixed(1)} MB), failed ${p.failed} — 已复核 ${p.checked}/${p.total}`;
          // On a terminal, one line rewritten; otherwise a line every 100 objects and at the end.
          if (tty) io.stderr.write(`\r${line}`);
          else if (p.checked - lastLine >= 100 || p.checked === p.total) {
            io.stderr.write(`${line}\n`);
            lastLine = p.checked;
          }
        },
      },
    ).catch((e: unknown) => {
      if (e instanceof AppError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    });
    if (tty && !opts.json) io.stderr.write('\n');
    if (!result) {
      io.stderr.write(`找不到声像资料 / no such recording: ${opts.recording}\n`);
      return 2;
    }
    if (opts.json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
      return result.failed > 0 ? 1 : 0;
    }
    for (const f of result.failures) {
      const recs = f.recordingIds.length ? f.recordingIds.join(', ') : '(none)';
      io.stdout.write(`FAILED ${f.kind} ${f.sha256}: ${RESULT_TEXT[f.result] ?? f.result}; recordings 声像资料: ${recs}${f.detail ? `\n  ${f.detail}` : ''}\n`);
    }
    if (result.orphans) {
      const o = result.orphans;
      for (const k of o.storeFilesWithoutRows) io.stdout.write(`ORPHAN store file without a row 存储中有文件而无记录: ${k}\n`);
      if (o.storeFilesWithoutRowsCount > o.storeFilesWithoutRows.length) io.stdout.write(`  … ${o.storeFilesWithoutRowsCount - o.storeFilesWithoutRows.length} more\n`);
      for (const k of o.rowsWithoutFiles) io.stdout.write(`ORPHAN row without a file 有记录而无文件: ${k}\n`);
    }
    const summary = `${result.checked} objects checked, ${result.failed} failed (run ${result.runId}) — 复核 ${result.checked} 个，失败 ${result.failed} 个`;
    io.stdout.write(result.failed > 0 ? `FIXITY FAILED: ${summary}\n` : `OK: ${summary}\n`);
    return result.failed > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}
