import type { Config } from '../platform/config/config.ts';
import { assertCanListen, StartupError } from '../platform/http/listen-check.ts';
import type { RunningServer, RunningWorker } from '../server.ts';
import { buildWeb, webBuildIsStale } from './web-build.ts';

/**
 * The short readable banner for the person who started the server (the log lines are JSON for
 * machines): where to open it, where its data is, and — on the very first start only — admin's password.
 */
export function startBanner(config: Config, server: RunningServer): string {
  const lines = [
    '',
    '  QuanLu 全录 is running / 已启动',
    `  Role 角色:           ${config.role}${config.workers ? ' (HTTP + jobs)' : ' (HTTP only; jobs run on worker nodes)'}`,
    `  URL 地址:            ${server.url}`,
    `  Data folder 数据目录: ${config.dataDir}`,
    `  Database 数据库:     ${server.database.location}`,
  ];
  if (server.database.privilegeWarning) lines.push(`  WARNING 警告: ${server.database.privilegeWarning}`);
  if (server.generatedAdminPassword) {
    lines.push(
      '  Initial administrator account 初始管理员账户:',
      '    username: admin',
      `    password: ${server.generatedAdminPassword}`,
      '    (shown once — change it after logging in / 仅显示一次，请登录后修改)',
    );
  }
  lines.push('  Stop 停止: Ctrl-C or / 或 kill -TERM ' + process.pid, '', '');
  return lines.join('\n');
}

/** The banner of a worker node (no URL: it serves no HTTP). */
export function workerBanner(config: Config, worker: RunningWorker): string {
  return [
    '',
    '  QuanLu 全录 worker is running / 后台任务节点已启动',
    '  Role 角色:           worker (jobs, schedules, transparency-log sequencer; no HTTP)',
    `  Data folder 数据目录: ${config.dataDir}`,
    `  Shared folder 共享目录: ${config.sharedDir}`,
    `  Database 数据库:     ${worker.database.location}`,
    '  Stop 停止: Ctrl-C or / 或 kill -TERM ' + process.pid,
    '',
    '',
  ].join('\n');
}

/**
 * `quanlu start` (what `npm start` runs, as `exec node …` so npm's SIGTERM reaches this process).
 * SIGTERM, SIGINT and SIGHUP stop the server and its embedded PostgreSQL, even when they arrive while
 * it is still starting. Known start-up problems print one line and exit 2; anything else exits 1
 * with its message (the stack trace with QUANLU_LOG_LEVEL=debug).
 */
export async function startCommand(config: Config): Promise<void> {
  let server: RunningServer | RunningWorker | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!server) return; // still starting: stopped as soon as it is up (below)
    ('app' in server ? server.app.log : server.log).info({ signal }, 'stopping');
    await server.stop();
    process.exit(0);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => void shutdown(s));
  try {
    // A taken port or a foreign HOST is said at once, before a web build or any database work.
    if (config.role !== 'worker') await assertCanListen(config.host, config.port);
    // So is an S3 bucket without versioning and Object Lock (startServer checks again, for other callers).
    const { assertObjectStoreReady } = await import('../platform/storage/s3-bucket-check.ts');
    const { openObjectStore } = await import('../platform/storage/open-object-store.ts');
    await assertObjectStoreReady(openObjectStore(config));
    // Commands load what they use only: the CLI stays quick and `ingest` never loads the server.
    if (config.role === 'worker') {
      server = await (await import('../server.ts')).startWorker(config);
    } else {
      if (webBuildIsStale()) await buildWeb();
      server = await (await import('../server.ts')).startServer(config);
    }
  } catch (e) {
    if (e instanceof StartupError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(e.exitCode);
    }
    const detail = config.logLevel === 'debug' || config.logLevel === 'trace';
    process.stderr.write(
      `QuanLu could not start / QuanLu 无法启动: ${e instanceof Error ? e.message : String(e)}\n` +
        (detail && e instanceof Error ? `${e.stack}\n` : '(QUANLU_LOG_LEVEL=debug shows the stack trace / 设置 QUANLU_LOG_LEVEL=debug 可显示调用栈)\n'),
    );
    process.exit(1);
  }
  if (stopping) {
    stopping = false;
    return shutdown('signal during start-up');
  }
  process.stdout.write('app' in server ? startBanner(config, server) : workerBanner(config, server));
}
