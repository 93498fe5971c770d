import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { NamedLocks } from '../../src/platform/db/named-locks.ts';
import { createTestDatabase, type TestDatabase } from '../support/harness.ts';
import { waitFor } from '../startup/processes.ts';

/**
 * The cross-node upload lock (issue 10 §2), as two api nodes would use it: two NamedLocks on one database, each
 * with its own lock connection. Expectations are fixed: who holds, who is asked to let go, who waits.
 */
let database: TestDatabase;
const made: NamedLocks[] = [];
class Timeout extends Error {}

function node(timeoutMs = 30_000): NamedLocks {
  const l = new NamedLocks({ namespace: 710_046, channel: 'quanlu_upload_release', timeoutMs, timeoutError: () => new Timeout(), connection: { connectionString: database.url } });
  made.push(l);
  return l;
}
const signal = () => new AbortController().signal;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(made.map((l) => l.close()));
  await database?.drop();
});

describe('named locks across processes (PostgreSQL advisory locks)', () => {
  test('a lock held on node A: node B asks A to let go (NOTIFY), waits, and gets it once A unlocks', async () => {
    const a = node();
    const b = node();
    const lockA = a.newLock('upload-1');
    let releaseAsked = 0;
    await lockA.lock(signal(), () => void releaseAsked++);
    let bGot = false;
    const bLock = b.newLock('upload-1');
    const waiting = bLock.lock(signal(), () => undefined).then(() => (bGot = true));
    await waitFor('node A is asked to release', () => releaseAsked > 0, 20_000);
    expect(bGot).toBe(false);
    await lockA.unlock();
    await waiting;
    expect([bGot, a.held(), b.held()]).toEqual([true, [], ['upload-1']]);
    await bLock.unlock();
  });

  test('different uploads do not wait for each other; the same node serialises its own requests', async () => {
    const a = node();
    const b = node();
    const x = a.newLock('upload-x');
    const y = b.newLock('upload-y');
    await x.lock(signal(), () => undefined);
    await y.lock(signal(), () => undefined);
    // A second request of node A for upload-x: the first is asked to let go (advisory locks are re-entrant in one
    // session, so without the in-process map both would "hold" it).
    let firstAsked = false;
    const x2 = a.newLock('upload-x');
    await x.unlock();
    await x.lock(signal(), () => void (firstAsked = true));
    const second = x2.lock(signal(), () => undefined);
    await waitFor('the first request is asked to let go', () => firstAsked, 10_000);
    await x.unlock();
    await second;
    expect(a.held()).toEqual(['upload-x']);
    await x2.unlock();
    await y.unlock();
  });

  test('a node that dies (its connection ends) loses its locks at once: the other node takes over', async () => {
    const a = node();
    const b = node();
    await a.newLock('upload-2').lock(signal(), () => undefined);
    // Kill A's lock connection from the server side, as a killed process or a lost machine would end it.
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(l.pid) AS ok FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND l.classid = 710046 AND l.granted AND d.datname = $1`,
      [new URL(database.url).pathname.slice(1)],
    );
    await admin.end();
    expect(killed.rowCount).toBe(1);
    await b.newLock('upload-2').lock(signal(), () => undefined);
    expect(b.held()).toEqual(['upload-2']);
  });

  test('a holder that never lets go: the waiter gives up with the timeout error', async () => {
    const a = node();
    const b = node(1500);
    await a.newLock('upload-3').lock(signal(), () => undefined /* ignores the request */);
    await expect(b.newLock('upload-3').lock(signal(), () => undefined)).rejects.toBeInstanceOf(Timeout);
    expect(b.held()).toEqual([]);
  });
});
