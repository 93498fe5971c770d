import type { FastifyInstance } from 'fastify';
import type { Config } from './platform/config/config.ts';
import { openDatabase, type OpenedDatabase } from './platform/db/open-database.ts';
import { buildApp } from './platform/http/app.ts';
import { jobCatalog } from './app/jobs.ts';
import { startJobRunner, type JobRunner } from './platform/jobs/runner.ts';
import { bootstrapAdmin } from './modules/users/users.service.ts';
import { openObjectStore } from './platform/storage/open-object-store.ts';
import { prepareDataFolder } from './platform/storage/data-folders.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  database: OpenedDatabase;
  stop(): Promise<void>;
}

/**
 * Starts everything on one port: database (embedded unless DATABASE_URL), migrations, the first
 * admin, the API and web UI, and (unless QUANLU_WORKERS=false) the job workers and scheduler.
 */
export async function startServer(config: Config, opts: { logger?: boolean } = {}): Promise<RunningServer> {
  const database = await openDatabase(config);
  let app: FastifyInstance | undefined;
  let worker: JobRunner | undefined;
  try {
    const deps = { config, db: database.db, storage: openObjectStore(config) };
    app = await buildApp(deps, { logger: opts.logger === false ? false : undefined });
    const log = app.log;
    log.info({ mode: database.mode, migrations: database.applied }, 'database ready');
    log.info(await prepareDataFolder(config), 'data folder ready: private upload folders, leftovers of a killed process removed');
    const boot = await bootstrapAdmin(deps);
    if (boot.generatedPassword) {
      // Printed once, on the first start only; the hash is all that is stored.
      process.stdout.write(
        `\n  初始管理员账户 Initial administrator account\n  username: admin\n  password: ${boot.generatedPassword}\n  (shown once — change it after logging in / 仅显示一次，请登录后修改)\n\n`,
      );
    }
    const url = await app.listen({ port: config.port, host: config.host });
    if (config.workers) {
      // graphile-worker: the catalog's handlers and schedules, with leases (src/platform/jobs/runner.ts).
      worker = await startJobRunner(deps, jobCatalog, { log: (level, msg, extra) => log[level](extra ?? {}, msg) });
    }
    log.info({ url }, 'QuanLu is running');
    const running = app;
    return {
      app: running,
      url,
      database,
      stop: async () => {
        await worker?.stop();
        await running.close();
        await database.close();
      },
    };
  } catch (e) {
    await worker?.stop();
    await app?.close();
    await database.close();
    throw e;
  }
}
