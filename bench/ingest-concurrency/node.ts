// One QuanLu api process for the concurrency bench (configured by the environment, like `quanlu start`):
// prints `LISTENING <url>` and stops cleanly on SIGTERM, so `--cpu-prof` profiles are written.
import { loadConfig } from '../../src/platform/config/config.ts';
import { startServer } from '../../src/server.ts';

const server = await startServer(loadConfig(process.env), { logger: false });
process.stdout.write(`LISTENING ${server.url}\n`);
process.once('SIGTERM', () => {
  void server.stop().finally(() => process.exit(0));
});
