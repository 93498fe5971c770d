import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashPool } from './hash-pool.ts';

const MiB = 1 << 20;

/** Expected digests computed independently, in one go on this thread. */
const expected = (data: Buffer) => ({ sha256: createHash('sha256').update(data).digest('hex'), sm3: createHash('sm3').update(data).digest('hex') });

/** Feeds `data` in random chunk sizes, awaiting backpressure like a real caller. */
async function feed(job: { update(c: Uint8Array): void | Promise<void> }, data: Buffer) {
  for (let offset = 0; offset < data.length; ) {
    const n = Math.min(data.length - offset, 1 + Math.floor(Math.random() * 300_000));
    const wait = job.update(data.subarray(offset, offset + n));
    if (wait) await wait;
    offset += n;
  }
}

describe('HashPool', () => {
  it('hashes 8 interleaved jobs correctly on 2 threads, whatever their order', async () => {
    const pool = new HashPool(2);
    const inputs = Array.from({ length: 8 }, (_, i) => randomBytes(5 * MiB + i * 777_777));
    const results = await Promise.all(
      inputs.map(async (data) => {
        const job = pool.open(['sha256', 'sm3']);
        await feed(job, data);
        return job.digest();
      }),
    );
    results.forEach((r, i) => expect(r).toEqual(expected(inputs[i]!)));
    expect(pool.stats()).toEqual({ threads: 2, jobs: [0, 0] });
    expect(pool.activeJobs).toBe(0);
  });

  it('spreads one job’s two hashes over both threads', async () => {
    const pool = new HashPool(2);
    const job = pool.open(['sha256', 'sm3']);
    await feed(job, randomBytes(6 * MiB));
    expect(pool.stats()).toEqual({ threads: 2, jobs: [1, 1] });
    await job.digest();
    expect(pool.stats().jobs).toEqual([0, 0]);
    expect(pool.activeJobs).toBe(0);
  });

  it('a thread dying mid-job fails the jobs on it with an error, and later jobs get a new thread', async () => {
    const pool = new HashPool(2);
    const job = pool.open(['sha256', 'sm3']);
    await feed(job, randomBytes(6 * MiB));
    await pool.terminateAll();
    await expect(
      (async () => {
        await feed(job, randomBytes(2 * MiB));
        await job.digest();
      })(),
    ).rejects.toThrow(/hash thread exited/);
    const data = randomBytes(7 * MiB);
    const next = pool.open(['sha256', 'sm3']);
    await feed(next, data);
    expect(await next.digest()).toEqual(expected(data));
  });

  it('an error inside a thread fails only that job', async () => {
    const pool = new HashPool(1);
    const bad = pool.open(['sha256', 'no-such-hash']);
    const good = pool.open(['sha256', 'sm3']);
    const data = randomBytes(6 * MiB);
    const badRun = (async () => {
      await feed(bad, data);
      return bad.digest();
    })();
    await expect(badRun).rejects.toThrow(/hash thread/);
    await feed(good, data);
    expect(await good.digest()).toEqual(expected(data));
  });
});
