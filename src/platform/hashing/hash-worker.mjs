// Worker thread of the dual hasher (dual-hasher.ts): runs one hash (SM3 in practice) on its own core
// so it overlaps with SHA-256 and disk I/O on the main thread instead of adding to them.
// Plain JavaScript on purpose: the app loads TypeScript through tsx's in-thread hooks, which a worker
// thread does not inherit, and this file must load the same way under tsx, vitest and plain node.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const hash = createHash(workerData.algorithm);

parentPort.on('message', (message) => {
  if (message.type === 'data') {
    hash.update(new Uint8Array(message.buffer, 0, message.length));
    // The ack lets the main thread bound the bytes in flight (backpressure); the buffer goes back for reuse.
    parentPort.postMessage({ type: 'ack', buffer: message.buffer, length: message.length }, [message.buffer]);
  } else if (message.type === 'end') {
    parentPort.postMessage({ type: 'digest', hex: hash.digest('hex') });
  }
});
