// A thread of the hash pool (hash-pool.ts): runs the hashes (SHA-256, SM3) of several jobs, reading each
// job's bytes in place from the shared batches the main thread fills.
// Plain JavaScript on purpose: the app loads TypeScript through tsx's in-thread hooks, which a worker
// thread does not inherit, and this file must load the same way under tsx, vitest and plain node.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** job id → { algorithms, hashes } */
const jobs = new Map();

parentPort.on('message', (m) => {
  try {
    if (m.type === 'open') {
      jobs.set(m.job, { algorithms: m.algorithms, hashes: m.algorithms.map((a) => createHash(a)) });
    } else if (m.type === 'data') {
      const job = jobs.get(m.job);
      // A dropped job's batch is acknowledged unread, so the main thread can reuse its buffer.
      if (job) {
        const bytes = new Uint8Array(m.buffer, 0, m.length);
        for (const h of job.hashes) h.update(bytes);
      }
      // The ack lets the main thread bound the bytes in flight (backpressure) and reuse the buffer.
      parentPort.postMessage({ type: 'ack', job: m.job });
    } else if (m.type === 'end') {
      const job = jobs.get(m.job);
      if (!job) return;
      jobs.delete(m.job);
      parentPort.postMessage({ type: 'digest', job: m.job, hex: Object.fromEntries(job.algorithms.map((a, i) => [a, job.hashes[i].digest('hex')])) });
    } else if (m.type === 'drop') {
      jobs.delete(m.job);
    }
  } catch (error) {
    jobs.delete(m.job);
    parentPort.postMessage({ type: 'error', job: m.job, message: error instanceof Error ? error.message : String(error) });
  }
});
