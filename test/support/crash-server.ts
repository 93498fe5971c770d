/**
 * A real QuanLu API process for crash tests: `node --import tsx crash-server.ts <databaseUrl> <dataDir>
 * <faultPoint>`. It serves until the named fault point (Deps.faults) is reached, then prints
 * `FAULT <point>` and stops there — the test SIGKILLs it at exactly that instant.
 */
import { loadConfig } from '../../src/platform/config/config.ts';
import { createDatabase } from '../../src/platform/db/database.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { openObjectStore } from '../../src/platform/storage/open-object-store.ts';

const [databaseUrl, dataDir, faultPoint] = process.argv.slice(2);
if (!databaseUrl || !dataDir || !faultPoint) throw new Error('usage: crash-server.ts <databaseUrl> <dataDir> <faultPoint>');

const config = loadConfig({ QUANLU_DATA_DIR: dataDir, QUANLU_LOG_LEVEL: 'silent', QUANLU_WORKERS: 'false' });
const deps = {
  config,
  db: createDatabase(databaseUrl, 3),
  storage: openObjectStore(config),
  faults: {
    async reach(point: string) {
      if (point !== faultPoint) return;
      process.stdout.write(`FAULT ${point}\n`);
      await new Promise(() => undefined); // held here until the test kills the process
    },
  },
};
const app = await buildApp(deps, { logger: false, serveWeb: false });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${url}\n`);
