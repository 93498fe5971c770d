import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Bytes per message to a hash thread: large enough that messaging costs nothing measurable. */
const BATCH_BYTES = 1 << 20;
/**
 * Inputs up to this size are hashed on the calling thread at digest time: small objects (thumbnails,
 * documents) never wait behind the queues of large uploads.
 */
const INLINE_LIMIT_BYTES = 4 << 20;
/**
 * Bytes of one job that may wait for the threads before `update` returns a promise (backpressure to the
 * upload's socket): up to 8 MiB (~25 ms of SM3) while all jobs together have less than
 * IN_FLIGHT_BUDGET_BYTES waiting, 2 MiB once they have more (always 2 MiB a job, to keep the threads fed).
 * The total is checked, not a share of it fixed when a job starts: jobs that started while few ran would
 * otherwise keep 8 MiB each queued when many run.
 */
const MAX_IN_FLIGHT_BYTES = 8 << 20;
const MIN_IN_FLIGHT_BYTES = 2 << 20;
const IN_FLIGHT_BUDGET_BYTES = 64 << 20;
/**
 * Spare batch buffers kept for reuse across jobs (128 MiB): enough for the in-flight budget plus the batch
 * each job is filling and the 4 MiB a new job holds before it reaches the threads, with 20 uploads at once.
 * Profiled at 20 uploads with a cap of 64: the buffers beyond it were dropped and allocated again, and the
 * page faults of touching fresh shared memory cost more than the copy into it.
 */
const MAX_SPARE_BUFFERS = 128;
/**
 * Relative CPU cost per byte, to spread the hashes of concurrent jobs evenly over the threads: here SHA-256
 * runs at ~1.4 GB/s and SM3 at ~0.33 GB/s (/work/shared/STACK.md). Unknown algorithms count as SM3.
 */
const COST: Record<string, number> = { sha256: 1, sm3: 4 };
const costOf = (algorithm: string) => COST[algorithm] ?? 4;

const workerUrl = new URL('./hash-worker.mjs', import.meta.url);

type FromWorker =
  | { type: 'ack'; job: number }
  | { type: 'digest'; job: number; hex: Record<string, string> }
  | { type: 'error'; job: number; message: string };

interface Batch {
  buffer: SharedArrayBuffer;
  length: number;
  /** Threads that have not yet acknowledged it; the buffer is reused when this reaches 0. */
  refs: number;
}

/** One hash thread of the pool and the jobs it serves. */
class HashThread {
  readonly worker: Worker;
  /** Sum of the costs of the hashes it is running (see COST). */
  load = 0;
  readonly jobs = new Map<number, PooledHash>();
  /** Jobs whose messages (acks of batches still queued here) this thread routes; outlives `jobs` for a failed job. */
  readonly routes = new Map<number, PooledHash>();
  dead = false;

  constructor(private readonly pool: HashPool) {
    // No execArgv: the thread is plain JavaScript and must not load the process's `--import tsx` hooks again
    // (profiled: with them, each thread spent seconds of CPU compiling tsx and esbuild before hashing a byte).
    this.worker = new Worker(workerUrl, { execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.routes.get(m.job)?.onMessage(this, m));
    this.worker.on('error', (error) => this.#die(error));
    this.worker.on('exit', (code) => this.#die(new Error(`hash thread exited (code ${code})`)));
  }

  attach(job: PooledHash, cost: number) {
    if (this.jobs.size === 0) this.worker.ref();
    this.jobs.set(job.id, job);
    this.routes.set(job.id, job);
    this.load += cost;
  }

  detach(job: PooledHash, cost: number) {
    if (!this.jobs.delete(job.id)) return;
    this.load -= cost;
    if (this.jobs.size === 0) this.worker.unref();
  }

  #die(error: Error) {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    for (const job of [...this.jobs.values()]) job.fail(error);
    this.jobs.clear();
    this.routes.clear();
  }
}

/**
 * A fixed pool of hash threads, one per core, shared by every hash of the process (uploads streaming in,
 * fixity checks, files hashed at finish). Each job's hashes (SHA-256 and SM3) are spread over the threads
 * by cost, so one upload runs its two hashes on two cores and many uploads keep every core busy without
 * one thread per upload. The bytes are copied once into shared 1 MiB batches that every thread hashing
 * that job reads in place (no copy per thread), and reused once all have acknowledged them.
 */
export class HashPool {
  readonly #threads: HashThread[] = [];
  readonly #spare: SharedArrayBuffer[] = [];
  #nextJob = 1;
  /** Batch buffers allocated over the pool's life (for tests and monitoring: steady state allocates none). */
  buffersAllocated = 0;
  /** Bytes handed to the threads and not yet acknowledged, over all jobs. */
  inFlightBytes = 0;
  /** Jobs running on the threads (not those still hashed inline). */
  activeJobs = 0;

  constructor(readonly size: number = Math.max(1, availableParallelism())) {}

  /** Starts a job computing `algorithms` over the same bytes. */
  open(algorithms: string[]): PooledHash {
    return new PooledHash(this, this.#nextJob++, algorithms);
  }

  /**
   * Stops every thread now: their running jobs fail (each caller sees the error); later jobs get new
   * threads. For shutdown, and for tests of a thread dying mid-upload.
   */
  async terminateAll(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
  }

  /** Threads alive and jobs each is running (for tests and monitoring). */
  stats(): { threads: number; jobs: number[] } {
    return { threads: this.#threads.length, jobs: this.#threads.map((t) => t.jobs.size) };
  }

  /** Batch buffers free for reuse (for tests and monitoring). */
  get spareBuffers(): number {
    return this.#spare.length;
  }

  /** Assigns each algorithm to the least loaded thread (most costly first), starting threads up to `size`. */
  assign(job: PooledHash, algorithms: string[]): Map<HashThread, string[]> {
    const plan = new Map<HashThread, string[]>();
    for (const algorithm of [...algorithms].sort((a, b) => costOf(b) - costOf(a))) {
      let thread: HashThread;
      if (this.#threads.length < this.size && this.#threads.every((t) => t.load > 0)) {
        thread = new HashThread(this);
        this.#threads.push(thread);
      } else {
        thread = this.#threads.reduce((a, b) => (b.load < a.load ? b : a));
      }
      thread.attach(job, costOf(algorithm));
      plan.set(thread, [...(plan.get(thread) ?? []), algorithm]);
    }
    return plan;
  }

  /** Whether a job with `inFlight` bytes waiting for the threads must wait (see MAX_IN_FLIGHT_BYTES). */
  mustWait(inFlight: number): boolean {
    return inFlight > MIN_IN_FLIGHT_BYTES && (inFlight > MAX_IN_FLIGHT_BYTES || this.inFlightBytes > IN_FLIGHT_BUDGET_BYTES);
  }

  forget(thread: HashThread) {
    const i = this.#threads.indexOf(thread);
    if (i >= 0) this.#threads.splice(i, 1);
  }

  takeBuffer(): SharedArrayBuffer {
    const spare = this.#spare.pop();
    if (spare) return spare;
    this.buffersAllocated++;
    return new SharedArrayBuffer(BATCH_BYTES);
  }

  returnBuffer(buffer: SharedArrayBuffer) {
    if (this.#spare.length < MAX_SPARE_BUFFERS) this.#spare.push(buffer);
  }
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Several hashes of one byte stream, computed on the pool's threads. The caller's chunks are copied (they
 * are still being written to disk), so they stay untouched. Threads are used only once the input passes
 * INLINE_LIMIT_BYTES.
 */
export class PooledHash {
  #batch: Batch | undefined;
  #held: Batch[] = [];
  #heldBytes = 0;
  /** Per thread: its algorithms and the batches sent to it, oldest first (acks come back in order). */
  #tasks: Map<HashThread, { algorithms: string[]; sent: Batch[]; hex?: Record<string, string>; released?: boolean }> | undefined;
  #inFlight = 0;
  #waiters: Waiter[] = [];
  #pendingDigest: { resolve(hex: Record<string, string>): void; reject(error: Error): void } | undefined;
  #failure: Error | undefined;
  #finished = false;

  constructor(
    private readonly pool: HashPool,
    readonly id: number,
    readonly algorithms: string[],
  ) {}

  /** Feeds bytes. Returns a promise only when the threads are behind and the caller should wait. */
  update(chunk: Uint8Array): void | Promise<void> {
    if (this.#finished) throw new Error('hash: update after digest or abort');
    if (this.#failure) throw this.#failure;
    let offset = 0;
    while (offset < chunk.length) {
      this.#batch ??= { buffer: this.pool.takeBuffer(), length: 0, refs: 0 };
      const n = Math.min(BATCH_BYTES - this.#batch.length, chunk.length - offset);
      new Uint8Array(this.#batch.buffer, this.#batch.length, n).set(chunk.subarray(offset, offset + n));
      this.#batch.length += n;
      offset += n;
      if (this.#batch.length === BATCH_BYTES) this.#flush();
    }
    if (!this.pool.mustWait(this.#inFlight)) return;
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Hex digests of everything fed, by algorithm; the job cannot be used afterwards. */
  async digest(): Promise<Record<string, string>> {
    if (this.#finished) throw new Error('hash: digest called twice or after abort');
    if (this.#batch && this.#batch.length > 0) this.#flush();
    this.#finished = true;
    const tasks = this.#tasks;
    if (!tasks) {
      const hashes = this.algorithms.map((a) => createHash(a));
      for (const piece of this.#held) for (const h of hashes) h.update(new Uint8Array(piece.buffer, 0, piece.length));
      for (const piece of this.#held) this.pool.returnBuffer(piece.buffer);
      this.#held = [];
      return Object.fromEntries(this.algorithms.map((a, i) => [a, hashes[i]!.digest('hex')]));
    }
    if (this.#failure) throw this.#failure;
    return new Promise((resolve, reject) => {
      this.#pendingDigest = { resolve, reject };
      for (const thread of tasks.keys()) thread.worker.postMessage({ type: 'end', job: this.id });
    });
  }

  /** Drops the input (the stream being hashed failed) and frees the threads' state. Safe to call twice. */
  abort(): void {
    if (this.#finished && !this.#pendingDigest) return;
    this.#finished = true;
    // Never sent to a thread: free for reuse now (sent ones come back with their acks).
    for (const b of [...this.#held, ...(this.#batch ? [this.#batch] : [])]) this.pool.returnBuffer(b.buffer);
    this.#held = [];
    this.#batch = undefined;
    this.fail(new Error('hash: aborted'));
  }

  /** Called by a thread's message handler. */
  onMessage(thread: HashThread, m: FromWorker): void {
    const task = this.#tasks?.get(thread);
    if (!task) return;
    if (m.type === 'ack') {
      const batch = task.sent.shift()!;
      if (--batch.refs === 0) {
        this.#inFlight -= batch.length;
        this.pool.inFlightBytes -= batch.length;
        this.pool.returnBuffer(batch.buffer);
        if (!this.pool.mustWait(this.#inFlight)) for (const w of this.#waiters.splice(0)) w.resolve();
      }
      // A failed job's batches still queued on the thread come back acknowledged (the thread skips them).
      if (task.released && task.sent.length === 0) thread.routes.delete(this.id);
    } else if (m.type === 'digest') {
      task.hex = m.hex;
      this.#release(thread);
      if ([...this.#tasks!.values()].every((t) => t.hex)) {
        const all = Object.assign({}, ...[...this.#tasks!.values()].map((t) => t.hex)) as Record<string, string>;
        this.#pendingDigest?.resolve(all);
        this.#pendingDigest = undefined;
      }
    } else {
      this.#release(thread);
      this.fail(new Error(`hash thread: ${m.message}`));
    }
  }

  /** Ends the job with an error: waiting callers get it, the other threads drop their state. */
  fail(error: Error): void {
    this.#failure ??= error;
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
    this.#pendingDigest?.reject(this.#failure);
    this.#pendingDigest = undefined;
    for (const [thread, task] of this.#tasks ?? []) {
      if (task.hex) continue;
      if (!thread.dead) thread.worker.postMessage({ type: 'drop', job: this.id });
      this.#release(thread);
    }
  }

  #release(thread: HashThread) {
    const task = this.#tasks?.get(thread);
    if (!task || task.released) return;
    task.released = true;
    thread.detach(this, task.algorithms.reduce((s, a) => s + costOf(a), 0));
    if (task.sent.length === 0) thread.routes.delete(this.id);
    if ([...this.#tasks!.values()].every((t) => t.released)) this.pool.activeJobs--;
  }

  #flush(): void {
    const batch = this.#batch!;
    this.#batch = undefined;
    if (this.#tasks) return this.#send(batch);
    this.#held.push(batch);
    this.#heldBytes += batch.length;
    if (this.#heldBytes > INLINE_LIMIT_BYTES) {
      this.#tasks = new Map();
      this.pool.activeJobs++;
      for (const [thread, algorithms] of this.pool.assign(this, this.algorithms)) {
        this.#tasks.set(thread, { algorithms, sent: [] });
        thread.worker.postMessage({ type: 'open', job: this.id, algorithms });
      }
      for (const held of this.#held) this.#send(held);
      this.#held = [];
    }
  }

  #send(batch: Batch): void {
    if (this.#failure) return this.pool.returnBuffer(batch.buffer);
    this.#inFlight += batch.length;
    this.pool.inFlightBytes += batch.length;
    for (const [thread, task] of this.#tasks!) {
      batch.refs++;
      task.sent.push(batch);
      thread.worker.postMessage({ type: 'data', job: this.id, buffer: batch.buffer, length: batch.length });
    }
  }
}

let shared: HashPool | undefined;

/** The process's hash pool (one thread per core, started on first use). */
export function sharedHashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
