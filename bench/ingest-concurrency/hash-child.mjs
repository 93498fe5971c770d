// Baseline process of the concurrency bench: plain node:crypto over files in the page cache, nothing else.
// argv: `<algorithms>:<file>` items (algorithms joined by +). Prints READY, waits for a line on stdin, hashes
// every item (each file read once in 1 MiB pieces, its algorithms updated in turn), prints DONE <ms>.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const items = process.argv.slice(2).map((a) => {
  const i = a.indexOf(':');
  return { algorithms: a.slice(0, i).split('+'), file: a.slice(i + 1) };
});
process.stdout.write('READY\n');
process.stdin.once('data', async () => {
  const t0 = performance.now();
  for (const { algorithms, file } of items) {
    const hashes = algorithms.map((a) => createHash(a));
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) for (const h of hashes) h.update(chunk);
    const hex = hashes.map((h) => h.digest("hex"));
    const i = algorithms.indexOf("sha256");
    if (i >= 0) process.stdout.write(`H ${file} ${hex[i]}\n`);
  }
  process.stdout.write(`DONE ${performance.now() - t0}\n`);
  process.exit(0);
});
