import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Config } from './platform/config/config.ts';
import { openDatabase, type OpenedDatabase } from './platform/db/open-database.ts';
import { buildApp } from './platform/http/app.ts';
import { assertCanListen, explainListenError } from './platform/http/listen-check.ts';
import { jobCatalog } from './app/jobs.ts';
import { startJobRunner, type JobRunner } from './platform/jobs/runner.ts';
import { bootstrapAdmin } from './modules/users/users.service.ts';
import { openObjectStore } from './platform/storage/open-object-store.ts';
import { prepareDataFolder } from './platform/storage/data-folders.ts';
import { assertObjectStoreReady } from './platform/storage/s3-bucket-check.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  database: OpenedDatabase;
  /** The generated password of `admin`, on the very first start only (the caller shows it once). */
  generatedAdminPassword?: string;
  stop(): Promise<void>;
}

/**
 * Starts everything on one port: database (embedded unless DATABASE_URL), migrations, the API and
 * web UI, the first admin, and (unless QUANLU_WORKERS=false) the job workers and scheduler.
 * Listening problems (port taken, HOST not on this machine) throw a StartupError before any database work.
 */
export async function startServer(config: Config, opts: { logger?: boolean } = {}): Promise<RunningServer> {
  await assertCanListen(config.host, config.port);
  // An S3 bucket without versioning and Object Lock is refused before any database work (StartupError).
  const storage = openObjectStore(config);
  await assertObjectStoreReady(storage);
  // Messages from before the app (and its logger) exist: JSON lines like the app's, PostgreSQL's own at debug.
  const bootLog = pino({ level: opts.logger === false ? 'silent' : config.logLevel });
  const database = await openDatabase(config, (msg, kind) => (kind === 'postgres' ? bootLog.debug({ component: 'postgres' }, msg) : bootLog.info(msg)));
  let app: FastifyInstance | undefined;
  let worker: JobRunner | undefined;
  try {
    const deps = { config, db: database.db, storage };
    app = await buildApp(deps, { logger: opts.logger === false ? false : undefined });
    const log = app.log;
    log.info({ mode: database.mode, location: database.location, migrations: database.applied }, 'database ready');
    if (database.privilegeWarning) log.warn(database.privilegeWarning);
    log.info(await prepareDataFolder(config), 'data folder ready: private upload folders, leftovers of a killed process removed');
    // The admin exists before the first request can arrive; its generated password is shown in the banner
    // (the port was checked above, so listening failing after this is a race with another program).
    const boot = await bootstrapAdmin(deps);
    const url = await app.listen({ port: config.port, host: config.host }).catch((e: unknown) => {
      throw explainListenError(e, config.host, config.port) ?? e;
    });
    if (config.workers) {
      // graphile-worker: the catalog's handlers and schedules, with leases (src/platform/jobs/runner.ts).
      worker = await startJobRunner(deps, jobCatalog, { log: (level, msg, extra) => log[level](extra ?? {}, msg) });
    }
    log.info({ url, dataDir: config.dataDir, database: database.location }, 'QuanLu is running');
    const running = app;
    return {
      app: running,
      url,
      database,
      ...(boot.generatedPassword && { generatedAdminPassword: boot.generatedPassword }),
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
