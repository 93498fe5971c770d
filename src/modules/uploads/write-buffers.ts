/**
 * A bounded set of equal-sized buffers for writing upload bodies in large batches, reused across requests:
 * no per-request allocation (and page faults) in steady state, and the memory of all uploads together
 * stays at most `max × size` however many run at once. A request waiting for its first buffer holds none,
 * and a request that holds one only ever *tries* for a second (`tryTake`), so no set of requests can wait
 * on each other.
 */
export class WriteBuffers {
  readonly #free: Buffer[] = [];
  readonly #waiters: ((buffer: Buffer) => void)[] = [];
  /** Buffers allocated so far (free or in use); never more than `max`. */
  allocated = 0;

  constructor(
    readonly size: number,
    readonly max: number,
  ) {}

  /** A buffer now if one is free or may still be allocated, else undefined. */
  tryTake(): Buffer | undefined {
    const free = this.#free.pop();
    if (free) return free;
    if (this.allocated >= this.max) return undefined;
    this.allocated++;
    return Buffer.allocUnsafeSlow(this.size);
  }

  /** A buffer, waiting (first come, first served) while all `max` are in use. */
  take(): Promise<Buffer> {
    const now = this.#waiters.length === 0 ? this.tryTake() : undefined;
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Hands a buffer back (to the longest waiter, else to the free list). Its content is not cleared. */
  give(buffer: Buffer): void {
    if (buffer.length !== this.size) throw new TypeError('WriteBuffers: not one of this set');
    const waiter = this.#waiters.shift();
    if (waiter) waiter(buffer);
    else this.#free.push(buffer);
  }

  /** For tests and monitoring. */
  stats(): { allocated: number; free: number; waiting: number } {
    return { allocated: this.allocated, free: this.#free.length, waiting: this.#waiters.length };
  }
}
