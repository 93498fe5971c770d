import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDualHasher, hashFile, hashStream } from './dual-hasher.ts';

const hex = (s: string) => s.replace(/\s+/g, '');

/** Feeds `data` in the given chunk sizes (cycled), awaiting backpressure like a real caller. */
async function hashInChunks(data: Buffer, sizes: number[]) {
  const sut = createDualHasher();
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    await sut.update(data.subarray(offset, offset + n));
    offset += n;
  }
  return sut.digest();
}

describe('createDualHasher', () => {
  it('matches the GB/T 32905-2016 SM3 test vectors and the FIPS 180-2 SHA-256 vectors', async () => {
    const abc = await hashStream(Readable.from([Buffer.from('abc')]));
    expect(abc.sm3).toBe(hex('66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0'));
    expect(abc.sha256).toBe(hex('ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad'));
    expect(abc.size).toBe(3);

    const abcd16 = await hashStream(Readable.from([Buffer.from('abcd'.repeat(16))]));
    expect(abcd16.sm3).toBe(hex('debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732'));

    const twoBlocks = await hashStream(Readable.from([Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')]));
    expect(twoBlocks.sha256).toBe(hex('248d6a61 d20638b8 e5c02693 0c3e6039 a33ce459 64ff2167 f6ecedd4 19db06c1'));
  });

  it('hashes empty input', async () => {
    const sut = createDualHasher();
    expect(await sut.digest()).toEqual({
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      sm3: '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b',
      size: 0,
    });
  });

  it('gives the same result for one chunk and for many random-size chunks, below and above the worker threshold', async () => {
    for (const length of [1, 63, 64, 65, 1_000_003, 9 * 1024 * 1024 + 7]) {
      const data = randomBytes(length);
      const expected = {
        sha256: createHash('sha256').update(data).digest('hex'),
        sm3: createHash('sm3').update(data).digest('hex'),
        size: length,
      };
      expect(await hashInChunks(data, [length])).toEqual(expected);
      const sizes = Array.from({ length: 50 }, () => 1 + Math.floor(Math.random() * Math.min(length, 3_000_000)));
      expect(await hashInChunks(data, sizes)).toEqual(expected);
      expect(await hashInChunks(data, [1, 2, 3, 5, 8, 13, 1 << 20, (1 << 20) - 1])).toEqual(expected);
    }
  });

  it('does not change the caller’s chunks (they are still being written to disk)', async () => {
    const chunk = randomBytes(6 * 1024 * 1024);
    const copy = Buffer.from(chunk);
    const sut = createDualHasher();
    await sut.update(chunk);
    await sut.digest();
    expect(chunk.equals(copy)).toBe(true);
  });

  it('abort frees the worker and a later digest is refused', async () => {
    const sut = createDualHasher();
    await sut.update(randomBytes(8 * 1024 * 1024));
    sut.abort();
    await expect(sut.digest()).rejects.toThrow();
  });
});

describe('hashStream / hashFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quanlu-hash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hashFile equals hashing the same bytes in memory', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const file = path.join(dir, 'a.bin');
    await writeFile(file, data);
    const digest = await hashFile(file);
    expect(digest.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(digest.sm3).toBe(createHash('sm3').update(data).digest('hex'));
    expect(digest.size).toBe(data.length);
  });

  it('passes on the error of a stream that fails midway', async () => {
    async function* failing() {
      yield randomBytes(6 * 1024 * 1024);
      throw new Error('connection reset');
    }
    await expect(hashStream(failing())).rejects.toThrow('connection reset');
  });

  it('refuses a text-mode stream', async () => {
    await expect(hashStream(Readable.from(['abc']))).rejects.toThrow(TypeError);
  });
});
