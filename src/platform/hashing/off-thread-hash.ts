import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Bytes copied into one message to the worker: large enough that messaging costs nothing measurable. */
const BATCH_BYTES = 1 << 20;
/**
 * Inputs up to this size are hashed on the calling thread at digest time: starting a worker takes ~30 ms,
 * about what SM3 needs for 10 MB, so small objects (thumbnails, documents) never pay for a thread.
 */
const INLINE_LIMIT_BYTES = 4 << 20;
/** At most this many bytes wait for the worker (~25 ms of SM3); beyond it `update` returns a promise (backpressure). */
const MAX_IN_FLIGHT_BYTES = 8 << 20;

const workerUrl = new URL('./hash-worker.mjs', import.meta.url);

interface Piece {
  buffer: ArrayBuffer;
  length: number;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * One hash (e.g. SM3) computed on a worker thread, fed from the calling thread. Chunks are copied into
 * 1 MiB batches whose buffers are transferred (not cloned) to the worker and transferred back with its
 * ack for reuse: the caller's own chunk stays untouched (it is still being written to disk), each byte
 * is copied exactly once and no buffer is allocated per batch. The worker is started only once the
 * input passes INLINE_LIMIT_BYTES.
 */
export class OffThreadHash {
  #batch: Uint8Array | undefined;
  #fill = 0;
  #spare: ArrayBuffer[] = [];
  #held: Piece[] = [];
  #heldBytes = 0;
  #worker: Worker | undefined;
  #inFlight = 0;
  #waiters: Waiter[] = [];
  #pendingDigest: { resolve(hex: string): void; reject(error: Error): void } | undefined;
  #failure: Error | undefined;
  #finished = false;

  constructor(readonly algorithm: string) {}

  /** Feeds bytes. Returns a promise only when the worker is behind and the caller should wait. */
  update(chunk: Uint8Array): void | Promise<void> {
    if (this.#finished) throw new Error(`${this.algorithm}: update after digest or abort`);
    if (this.#failure) throw this.#failure;
    let offset = 0;
    while (offset < chunk.length) {
      this.#batch ??= new Uint8Array(this.#spare.pop() ?? new ArrayBuffer(BATCH_BYTES));
      const n = Math.min(BATCH_BYTES - this.#fill, chunk.length - offset);
      this.#batch.set(chunk.subarray(offset, offset + n), this.#fill);
      this.#fill += n;
      offset += n;
      if (this.#fill === BATCH_BYTES) this.#flush();
    }
    if (this.#inFlight <= MAX_IN_FLIGHT_BYTES) return;
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Hex digest of everything fed; stops the worker. */
  async digest(): Promise<string> {
    if (this.#finished) throw new Error(`${this.algorithm}: digest called twice or after abort`);
    if (this.#fill > 0) this.#flush();
    this.#finished = true;
    const worker = this.#worker;
    if (!worker) {
      const hash = createHash(this.algorithm);
      for (const piece of this.#held) hash.update(new Uint8Array(piece.buffer, 0, piece.length));
      this.#held = [];
      return hash.digest('hex');
    }
    try {
      if (this.#failure) throw this.#failure;
      return await new Promise<string>((resolve, reject) => {
        this.#pendingDigest = { resolve, reject };
        worker.postMessage({ type: 'end' });
      });
    } finally {
      void worker.terminate();
    }
  }

  /** Drops the input and stops the worker (the stream being hashed failed). Safe to call twice. */
  abort(): void {
    this.#finished = true;
    this.#held = [];
    this.#spare = [];
    this.#batch = undefined;
    this.#fail(new Error(`${this.algorithm}: hashing aborted`));
    void this.#worker?.terminate();
  }

  #flush(): void {
    const piece = { buffer: this.#batch!.buffer as ArrayBuffer, length: this.#fill };
    this.#batch = undefined;
    this.#fill = 0;
    if (this.#worker) return this.#send(piece);
    this.#held.push(piece);
    this.#heldBytes += piece.length;
    if (this.#heldBytes > INLINE_LIMIT_BYTES) {
      this.#worker = this.#startWorker();
      for (const held of this.#held) this.#send(held);
      this.#held = [];
    }
  }

  #send(piece: Piece): void {
    this.#inFlight += piece.length;
    this.#worker!.postMessage({ type: 'data', buffer: piece.buffer, length: piece.length }, [piece.buffer]);
  }

  #startWorker(): Worker {
    const worker = new Worker(workerUrl, { workerData: { algorithm: this.algorithm } });
    worker.on('message', (message: { type: 'ack'; buffer: ArrayBuffer; length: number } | { type: 'digest'; hex: string }) => {
      if (message.type === 'ack') {
        this.#inFlight -= message.length;
        if (!this.#finished) this.#spare.push(message.buffer);
        if (this.#inFlight <= MAX_IN_FLIGHT_BYTES) for (const w of this.#waiters.splice(0)) w.resolve();
      } else {
        this.#pendingDigest?.resolve(message.hex);
        this.#pendingDigest = undefined;
      }
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => {
      if (this.#pendingDigest || !this.#finished) this.#fail(new Error(`${this.algorithm} worker exited (code ${code})`));
    });
    return worker;
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
    this.#pendingDigest?.reject(this.#failure);
    this.#pendingDigest = undefined;
  }
}
