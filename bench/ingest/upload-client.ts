// The upload side of the ingest bench, run as its own process (as a workstation would be): uploads the
// given files concurrently with tus and prints one JSON line with per-file timings and server hashes.
//   node --import tsx bench/ingest/upload-client.ts BASE_URL TOKEN METADATA_JSON FILE…
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tus from 'tus-js-client';

const [base, token, metadata, ...files] = process.argv.slice(2);

async function upload(file: string) {
  const size = (await stat(file)).size;
  const t0 = performance.now();
  return new Promise<{ file: string; size: number; ms: number; ok: boolean; sha256?: string; error?: string }>((resolve) => {
    const u = new tus.Upload(createReadStream(file), {
      endpoint: `${base}/api/uploads`,
      uploadSize: size,
      chunkSize: Infinity,
      retryDelays: [],
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: path.basename(file), metadata: metadata! },
      onError: (e) => resolve({ file, size, ms: performance.now() - t0, ok: false, error: String(e).slice(0, 300) }),
      onSuccess: (p) => resolve({ file, size, ms: performance.now() - t0, ok: true, sha256: p.lastResponse.getHeader('X-Content-SHA256') }),
    });
    u.start();
  });
}

const t0 = performance.now();
const results = await Promise.all(files.map(upload));
process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - t0, results })}\n`);
