import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Named locks shared by every process on one PostgreSQL (several api nodes), in the shape of the tus Locker
 * (`newLock(id).lock(signal, requestRelease)` / `unlock()`), used so that two nodes never write the same upload
 * at once (issue 10 §2).
 *
 * Each lock is a session advisory lock `(namespace, int4 of SHA-256(name))` taken with pg_try_advisory_lock on
 * ONE connection per process (not a connection per lock: a node may hold hundreds of uploads). Inside the process
 * a map keeps the holders, because advisory locks are re-entrant within a session and would not keep two requests
 * of the same node apart. When the lock is held elsewhere the waiter asks the holder to let go — in this process
 * by calling its `requestRelease`, on another node by `NOTIFY <channel>, '<name>'`, which every process LISTENs
 * for on its lock connection — and tries again until `timeoutMs`.
 *
 * A process that dies (kill -9, a lost machine) loses its connection and PostgreSQL drops its locks: for a killed
 * process at once, for a vanished machine after the TCP keepalives below (about 1.5 minutes). If the lock
 * connection drops while this process lives, every holder is asked to let go (tus then ends its request after its
 * lock drain time, 3 s by default) — in that window another node may already take the lock, so a request that was
 * still writing could overlap briefly with the new holder's; the offset check of the next request then refuses
 * whichever request wrote second (409), nothing is written twice at one offset by the same request sequence.
 * A hash collision of two names (32 bits) only makes one of them wait for the other.
 */
export interface NamedLock {
  lock(signal: AbortSignal, requestRelease: () => void | Promise<void>): Promise<void>;
  unlock(): Promise<void>;
}

export interface NamedLocksOptions {
  /** First key of the two-int advisory lock space. */
  namespace: number;
  /** LISTEN/NOTIFY channel for release requests (an SQL identifier). */
  channel: string;
  /** How long lock() waits before it throws `timeoutError()` (default 30 s, as tus's MemoryLocker). */
  timeoutMs?: number;
  /** What lock() throws when it could not get the lock in time (or was aborted). */
  timeoutError: () => unknown;
  /** pg settings of the lock connection (the application's pool options). */
  connection: pg.ClientConfig;
  /** Warnings (the lock connection lost). */
  warn?: (msg: string, extra?: Record<string, unknown>) => void;
}

interface Holder {
  requestRelease: () => void | Promise<void>;
  /** The connection generation the PostgreSQL lock was taken on (undefined while it is being taken). */
  generation?: number;
}

const RETRY_MS = 150;
const NOTIFY_EVERY_MS = 1000;

export class NamedLocks {
  readonly #holders = new Map<string, Holder>();
  #conn: Promise<pg.Client> | undefined;
  #generation = 0;
  #closed = false;

  constructor(private readonly o: NamedLocksOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(o.channel)) throw new Error(`bad channel name ${o.channel}`);
  }

  newLock(name: string): NamedLock {
    let generation: number | undefined;
    return {
      lock: async (signal, requestRelease) => {
        generation = await this.#acquire(name, signal, requestRelease);
      },
      unlock: async () => {
        const h = this.#holders.get(name);
        if (!h || h.generation !== generation) return; // already gone with a lost connection
        this.#holders.delete(name);
        if (generation === this.#generation && this.#conn) {
          const c = await this.#conn;
          await c.query('SELECT pg_advisory_unlock($1::int, $2::int)', [this.o.namespace, keyOf(name)]).catch(() => undefined);
        }
      },
    };
  }

  /** Names held by this process now (for tests and the health of a node). */
  held(): string[] {
    return [...this.#holders.keys()];
  }

  /** Closes the lock connection (every lock of this process is released with it). */
  async close(): Promise<void> {
    this.#closed = true;
    const c = this.#conn;
    this.#conn = undefined;
    if (c) await (await c.catch(() => undefined))?.end().catch(() => undefined);
  }

  async #acquire(name: string, signal: AbortSignal, requestRelease: () => void | Promise<void>): Promise<number> {
    const deadline = Date.now() + (this.o.timeoutMs ?? 30_000);
    let lastNotify = 0;
    for (;;) {
      if (signal.aborted || Date.now() > deadline || this.#closed) throw this.o.timeoutError();
      const local = this.#holders.get(name);
      if (local) {
        // A request of this process holds it: ask it to let go (tus ends that request), then look again.
        await local.requestRelease();
        await sleep(20, signal);
        continue;
      }
      const me: Holder = { requestRelease };
      this.#holders.set(name, me);
      let got = false;
      let generation = this.#generation;
      try {
        const c = await this.#connection();
        generation = this.#generation;
        const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', [this.o.namespace, keyOf(name)]);
        got = r.rows[0]!.ok;
      } catch (e) {
        this.#holders.delete(name);
        throw e;
      }
      if (got && generation === this.#generation && this.#holders.get(name) === me) {
        me.generation = generation;
        return generation;
      }
      if (this.#holders.get(name) === me) this.#holders.delete(name);
      if (!got) {
        // Held by another node: ask it to let go (at most once a second), then try again shortly.
        if (Date.now() - lastNotify >= NOTIFY_EVERY_MS) {
          lastNotify = Date.now();
          const c = await this.#connection();
          await c.query('SELECT pg_notify($1, $2)', [this.o.channel, name]).catch(() => undefined);
        }
        await sleep(RETRY_MS, signal);
      }
    }
  }

  #connection(): Promise<pg.Client> {
    if (this.#conn) return this.#conn;
    const generation = ++this.#generation;
    const p = (async () => {
      const c = new pg.Client({ ...this.o.connection, application_name: 'quanlu-locks' });
      const lost = (why: string) => this.#lost(generation, why);
      c.on('error', (e) => lost(e.message));
      c.on('end', () => lost('connection ended'));
      c.on('notification', (n) => {
        if (n.channel !== this.o.channel || !n.payload) return;
        const h = this.#holders.get(n.payload);
        if (h?.generation !== undefined) void Promise.resolve(h.requestRelease()).catch(() => undefined);
      });
      await c.connect();
      // A vanished machine's connection (and so its locks) must end within minutes, not the OS default of hours.
      await c.query(`SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 6; SET idle_session_timeout = 0; SET idle_in_transaction_session_timeout = 0`);
      await c.query(`LISTEN ${this.o.channel}`);
      return c;
    })();
    this.#conn = p;
    p.catch(() => {
      if (this.#conn === p) this.#conn = undefined;
    });
    return p;
  }

  /** The lock connection is gone: so are its locks. Their holders are asked to stop; the next lock() reconnects. */
  #lost(generation: number, why: string): void {
    if (generation !== this.#generation || !this.#conn) return;
    this.#conn = undefined;
    this.#generation++;
    if (this.#closed) return;
    const holders = [...this.#holders.entries()].filter(([, h]) => h.generation === generation);
    if (holders.length) this.o.warn?.('lock connection lost; requests holding its locks are stopped', { why, held: holders.map(([n]) => n) });
    for (const [n, h] of holders) {
      this.#holders.delete(n);
      void Promise.resolve(h.requestRelease()).catch(() => undefined);
    }
  }
}

/** The second lock key of a name: the first 4 bytes of its SHA-256 as a signed int4. */
export function keyOf(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
