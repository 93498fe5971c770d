import type { Config } from './config/config.ts';
import type { Database } from './db/database.ts';
import type { ObjectStore } from './storage/object-store.ts';

/** What services receive: the frozen config, the database and the object store. Modules add nothing global. */
export interface Deps {
  config: Config;
  db: Database;
  storage: ObjectStore;
  /**
   * Test-only: named points of multi-step operations (e.g. the upload finish) where a crash test stops
   * the process. Absent in production, where every point is a no-op.
   */
  faults?: { reach(point: string): Promise<void> };
}
