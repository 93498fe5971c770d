import type { Config } from './config/config.ts';
import type { Database } from './db/database.ts';

/** What services receive: the frozen config and the database. Modules add nothing global. */
export interface Deps {
  config: Config;
  db: Database;
}
