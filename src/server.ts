import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Config } from './platform/config/config.ts';
import { openDatabase, type OpenedDatabase } from './platform/db/open-database.ts';
import { buildApp } from './platform/http/app.ts';
import { assertCanListen, explainListenError } from './platform/http/listen-check.ts';
import { jobCatalog } from './app/jobs.ts';
import { startJobRunner, type JobRunner } from './platform/jobs/runner.ts';
import { startSequencerLoop } from './modules/tlog/tlog.service.ts';
import { startAuditSequencerLoop } from './platform/audit/audit-chain.ts';
import { bootstrapAdmin } from './modules/users/users.service.ts';
import { checkNodeKeys } from './modules/nodes/node-keys.service.ts';
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
 * web UI, the first admin, and (role `all`, unless QUANLU_WORKERS=false) the job workers and scheduler.
 * Role `api` is the same without the job runner and the sequencer; role `worker` starts with startWorker.
 * Listening problems (port taken, HOST not on this machine) throw a StartupError before any database work.
 */
export async function startServer(config: Config, opts: { logger?: boolean } = {}): Promise<RunningServer> {
  if (config.role === 'worker') throw new Error('role worker has no HTTP server: use startWorker');
  await assertCanListen(config.host, config.port);
  // An S3 bucket without versioning and Object Lock is refused before any database work (StartupError).
  const storage = openObjectStore(config);
  await assertObjectStoreReady(storage);
  // Messages from before the app (and its logger) exist: JSON lines like the app's, PostgreSQL's own at debug.
  const bootLog = pino({ level: opts.logger === false ? 'silent' : config.logLevel });
  const database = await openDatabase(config, (msg, kind) => (kind === 'postgres' ? bootLog.debug({ component: 'postgres' }, msg) : bootLog.info(msg)));
  let app: FastifyInstance | undefined;
  let worker: JobRunner | undefined;
  let stopSequencer: (() => Promise<void>) | undefined;
  let stopAuditSequencer: (() => Promise<void>) | undefined;
  try {
    const deps = { config, db: database.db, storage };
    app = await buildApp(deps, { logger: opts.logger === false ? false : undefined });
    const log = app.log;
    log.info({ mode: database.mode, location: database.location, migrations: database.applied }, 'database ready');
    if (database.privilegeWarning) log.warn(database.privilegeWarning);
    log.info(await prepareDataFolder(config), 'data folder ready: private upload folders, leftovers of a killed process removed');
    log.info(await checkNodeKeys(database.db, config.dataDir), 'installation keys are the ones every node uses');
    // The admin exists before the first request can arrive; its generated password is shown in the banner
    // (the port was checked above, so listening failing after this is a race with another program).
    const boot = await bootstrapAdmin(deps);
    // Audit events are written pending (no lock on the chain head); this loop (one at a time across nodes)
    // chains them a moment after they commit. Every node runs it, so api-only nodes' events are chained too.
    stopAuditSequencer = startAuditSequencerLoop(database.db, config.auditSequenceMs, (msg, extra) => log.warn(extra ?? {}, msg));
    const url = await app.listen({ port: config.port, host: config.host }).catch((e: unknown) => {
      throw explainListenError(e, config.host, config.port) ?? e;
    });
    if (config.workers) {
      // graphile-worker: the catalog's handlers and schedules, with leases (src/platform/jobs/runner.ts).
      worker = await startJobRunner(deps, jobCatalog, { log: (level, msg, extra) => log[level](extra ?? {}, msg) });
      // 第十三条: new audit events enter the transparency log's tree within seconds (one sequencer at a time,
      // under an advisory lock, whichever worker process gets it); checkpoints are signed by the tlog.tick job.
      stopSequencer = startSequencerLoop(database.db, config.tlog.integrateSeconds, (msg, extra) => log.warn(extra ?? {}, msg));
    }
    log.info({ url, dataDir: config.dataDir, database: database.location }, 'QuanLu is running');
    const running = app;
    return {
      app: running,
      url,
      database,
      ...(boot.generatedPassword && { generatedAdminPassword: boot.generatedPassword }),
      stop: async () => {
        await stopSequencer?.();
        await worker?.stop();
        await running.close();
        await stopAuditSequencer?.();
        await database.close();
      },
    };
  } catch (e) {
    await stopSequencer?.();
    await worker?.stop();
    await app?.close();
    await stopAuditSequencer?.();
    await database.close();
    throw e;
  }
}

/** A worker node: jobs, schedules and the transparency-log sequencer, no HTTP listener. */
export interface RunningWorker {
  database: OpenedDatabase;
  log: pino.Logger;
  stop(): Promise<void>;
}

/**
 * Starts a worker node (QUANLU_ROLE=worker): the same checks and migrations as a server, then graphile-worker
 * with the catalog's handlers and schedules, and the sequencer loop. Any number of workers may run against one
 * database: each job is taken by one of them under a lease (src/platform/jobs/lease.ts), each schedule slot is
 * queued once, and one sequencer at a time holds its advisory lock. Its health signal is the log: one
 * `QuanLu worker is running` line at start, a `job runner stopped` error line if graphile-worker ends.
 */
export async function startWorker(config: Config, opts: { logger?: boolean } = {}): Promise<RunningWorker> {
  const storage = openObjectStore(config);
  await assertObjectStoreReady(storage);
  const log = pino({ level: opts.logger === false ? 'silent' : config.logLevel }).child({ role: 'worker', pid: process.pid });
  const database = await openDatabase(config, (msg, kind) => (kind === 'postgres' ? log.debug({ component: 'postgres' }, msg) : log.info(msg)));
  let worker: JobRunner | undefined;
  let stopSequencer: (() => Promise<void>) | undefined;
  let stopAuditSequencer: (() => Promise<void>) | undefined;
  try {
    const deps = { config, db: database.db, storage };
    log.info({ mode: database.mode, location: database.location, migrations: database.applied }, 'database ready');
    if (database.privilegeWarning) log.warn(database.privilegeWarning);
    log.info(await prepareDataFolder(config), 'data folder ready: private upload folders, leftovers of a killed process removed');
    log.info(await checkNodeKeys(database.db, config.dataDir), 'installation keys are the ones every node uses');
    worker = await startJobRunner(deps, jobCatalog, { log: (level, msg, extra) => log[level](extra ?? {}, msg) });
    stopSequencer = startSequencerLoop(database.db, config.tlog.integrateSeconds, (msg, extra) => log.warn(extra ?? {}, msg));
    stopAuditSequencer = startAuditSequencerLoop(database.db, config.auditSequenceMs, (msg, extra) => log.warn(extra ?? {}, msg));
    log.info({ dataDir: config.dataDir, sharedDir: config.sharedDir, database: database.location }, 'QuanLu worker is running');
    const running = worker;
    const sequencer = stopSequencer;
    const auditSequencer = stopAuditSequencer;
    return {
      database,
      log,
      stop: async () => {
        await sequencer();
        await running.stop();
        await auditSequencer();
        await database.close();
      },
    };
  } catch (e) {
    await stopSequencer?.();
    await worker?.stop();
    await stopAuditSequencer?.();
    await database.close();
    throw e;
  }
}
