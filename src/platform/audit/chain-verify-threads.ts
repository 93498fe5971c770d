import { Worker } from 'node:worker_threads';
import type { RangeReply, RangeTask } from './chain-verify-thread.ts';

const WORKER_URL = new URL('./chain-verify-worker.mjs', import.meta.url);

/**
 * Threads that walk ranges of the audit chain, each over its own database connection: the walk is CPU-bound
 * in Node (canonical JSON and SHA-256 of every event), and the ranges are independent once each range's first
 * link is checked against the range before (the caller does that, in order).
 */
export class ChainWalkThreads {
  readonly #idle: Worker[] = [];
  readonly #queue: { task: RangeTask; resolve: (r: RangeReply) => void; reject: (e: Error) => void }[] = [];
  readonly #busy = new Map<Worker, { resolve: (r: RangeReply) => void; reject: (e: Error) => void }>();
  #failed: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (reply: RangeReply) => {
        const job = this.#busy.get(w);
        this.#busy.delete(w);
        this.#idle.push(w);
        if (reply.error) job?.reject(new Error(reply.error));
        else job?.resolve(reply);
        this.#next();
      });
      w.on('error', (e) => this.#fail(e));
      w.on('exit', (code) => code !== 0 && this.#fail(new Error(`audit verify thread exited with ${code}`)));
    }
    this.#idle.push(...workers);
  }

  /** Starts `count` threads connected to the database; undefined (threads stopped) when one cannot start or connect. */
  static async start(connectionString: string, count: number): Promise<ChainWalkThreads | undefined> {
    const workers = Array.from({ length: count }, () => new Worker(WORKER_URL, { execArgv: [] }));
    const ready = await Promise.all(
      workers.map(
        (w) =>
          new Promise<boolean>((resolve) => {
            w.once('message', (m: { ready: boolean }) => resolve(m.ready));
            w.once('error', () => resolve(false));
            w.postMessage({ connectionString });
          }),
      ),
    );
    if (ready.every(Boolean)) return new ChainWalkThreads(workers);
    await Promise.all(workers.map((w) => w.terminate()));
    return undefined;
  }

  walk(task: RangeTask): Promise<RangeReply> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, resolve, reject });
      this.#next();
    });
  }

  async close(): Promise<void> {
    for (const q of this.#queue.splice(0)) q.reject(new Error('audit verify threads closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  #next(): void {
    while (this.#idle.length && this.#queue.length) {
      const w = this.#idle.pop()!;
      const { task, resolve, reject } = this.#queue.shift()!;
      this.#busy.set(w, { resolve, reject });
      w.postMessage(task);
    }
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    for (const job of this.#busy.values()) job.reject(e);
    this.#busy.clear();
    for (const q of this.#queue.splice(0)) q.reject(e);
  }
}
