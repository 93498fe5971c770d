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

  it('reuses its batch buffers: a second wave of 20 concurrent jobs allocates none', async () => {
    const pool = new HashPool(2);
    const wave = () =>
      Promise.all(
        Array.from({ length: 20 }, async () => {
          const data = randomBytes(5 * MiB);
          const job = pool.open(['sha256', 'sm3']);
          await feed(job, data);
          expect(await job.digest()).toEqual(expected(data));
        }),
      );
    await wave();
    const first = pool.buffersAllocated;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(128);
    await wave();
    expect(pool.buffersAllocated).toBe(first);
    expect(pool.spareBuffers).toBe(first);
  });

  it('holds back 20 concurrent jobs: once all reach the threads, the bytes waiting for them stay within the 64 MiB budget plus one batch per job', async () => {
    const pool = new HashPool(2);
    let most = 0;
    let started = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const job = pool.open(['sha256', 'sm3']);
        const data = randomBytes(10 * MiB);
        for (let offset = 0; offset < data.length; offset += 256 * 1024) {
          // A job reaches the threads past its first 4 MiB, with those 4 MiB at once; measured after all did.
          if (offset === 6 * MiB) started++;
          const wait = job.update(data.subarray(offset, offset + 256 * 1024));
          if (started === 20) most = Math.max(most, pool.inFlightBytes);
          if (wait) await wait;
        }
        expect(await job.digest()).toEqual(expected(data));
      }),
    );
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(64 * MiB + 20 * MiB);
    expect(pool.inFlightBytes).toBe(0);
  });

  it('an aborted job and a job failing in its thread give every buffer back, including batches still queued on a thread', async () => {
    const pool = new HashPool(2);
    const allBack = async () => {
      const end = Date.now() + 10_000;
      while (pool.spareBuffers !== pool.buffersAllocated) {
        if (Date.now() > end) throw new Error(`buffers not given back: ${pool.spareBuffers} of ${pool.buffersAllocated}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const aborted = pool.open(['sha256', 'sm3']);
    // Without awaiting backpressure: many batches are still queued on the threads when the job is aborted.
    for (let i = 0; i < 12; i++) void aborted.update(randomBytes(MiB))?.catch(() => undefined);
    void aborted.update(randomBytes(MiB / 2))?.catch(() => undefined); // a half-filled batch never sent
    aborted.abort();
    await allBack();
    expect(pool.inFlightBytes).toBe(0);

    const failing = pool.open(['sha256', 'no-such-hash']);
    const run = (async () => {
      await feed(failing, randomBytes(9 * MiB));
      return failing.digest();
    })();
    await expect(run).rejects.toThrow(/hash thread/);
    await allBack();
    expect(pool.inFlightBytes).toBe(0);
    expect(pool.stats().jobs).toEqual([0, 0]);
  });
});
