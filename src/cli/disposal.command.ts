import type { Config } from '../platform/config/config.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `quanlu disposal [--recording ID | --case ID]`: executes approved disposals past their grace period now (the
 * daily job does the same). With --recording or --case, only that recording's or case file's — and when it
 * has no approved, due item the deletion is refused and recorded as a 第二十条 event (exit 1). There is no
 * other deletion command.
 */
export async function disposalCommand(config: Config, opts: { recording?: string; case?: string }, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  if (opts.recording && !UUID.test(opts.recording)) {
    io.stderr.write(`--recording ${opts.recording}：不是有效的声像资料编号 / not a recording id (UUID)\n`);
    return 2;
  }
  if (opts.case && !UUID.test(opts.case)) {
    io.stderr.write(`--case ${opts.case}：不是有效的案件编号 / not a case id (UUID)\n`);
    return 2;
  }
  if (opts.case && opts.recording) {
    io.stderr.write('--recording 与 --case 只能选一个 / give --recording or --case, not both\n');
    return 2;
  }
  const { openDatabase } = await import('../platform/db/open-database.ts');
  const { openObjectStore } = await import('../platform/storage/open-object-store.ts');
  const { executeDue } = await import('../modules/retention/disposal.service.ts');
  const { AppError, errorMessage } = await import('../platform/errors/error-catalog.ts');
  const database = await openDatabase(config);
  try {
    const r = await executeDue({ config, db: database.db, storage: openObjectStore(config) }, { actor: { kind: 'system', label: 'cli:disposal' }, label: 'cli:disposal' }, { recordingId: opts.recording, caseId: opts.case });
    io.stdout.write(`deleted ${r.deleted}, restored ${r.restored}, refused ${r.refused} — 已销毁 ${r.deleted}，恢复 ${r.restored}，拒绝 ${r.refused}\n`);
    return r.refused ? 1 : 0;
  } catch (e) {
    if (e instanceof AppError) {
      io.stderr.write(`${errorMessage(e.code, 'zh-CN', e.params)} / ${errorMessage(e.code, 'en', e.params)}\n`);
      return 1;
    }
    throw e;
  } finally {
    await database.close();
  }
}
