import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromBase64, toBase64 } from '../../src/modules/verify/core/bytes.ts';
import { createDualHasher } from '../../src/modules/verify/core/hashing.ts';
import { leafHash, parseTlogProof, parseVkey, verifyInclusion } from '../../src/modules/verify/core/tlog.ts';
import { readAll } from '../../src/modules/verify/core/zip-reader.ts';
import { openZipFile } from '../../src/modules/verify/node-package-reader.ts';
import { writeZip } from './package-fixture.ts';

/** The verifier core's building blocks against references it does not share code with. */

const hashOf = async (chunks: Uint8Array[]) => {
  const h = await createDualHasher();
  h.init();
  for (const c of chunks) h.update(c);
  return h.digest();
};

describe('SM3 and SHA-256 (streaming)', () => {
  test('GB/T 32905 vectors', async () => {
    expect((await hashOf([Buffer.from('abc')])).sm3).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect((await hashOf([Buffer.from('abcd'.repeat(16))])).sm3).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
    expect((await hashOf([Buffer.from('abc')])).sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect((await hashOf([])).sm3).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
  });

  test('any split into chunks gives node:crypto digests (OpenSSL SM3 and SHA-256)', async () => {
    const h = await createDualHasher();
    for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20]) {
      const data = randomBytes(n);
      const cuts = [0, ...Array.from({ length: 5 }, () => Math.floor(Math.random() * (n + 1))).sort((a, b) => a - b), n];
      h.init();
      for (let i = 1; i < cuts.length; i++) h.update(data.subarray(cuts[i - 1], cuts[i]));
      const d = h.digest();
      expect(d.sm3, `size ${n}`).toBe(createHash('sm3').update(data).digest('hex'));
      expect(d.sha256, `size ${n}`).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});

describe('RFC 6962 inclusion proofs (transparency-dev/merkle vectors)', () => {
  const v = JSON.parse(readFileSync(path.join(import.meta.dirname, '../tlog/fixtures/rfc6962-vectors.json'), 'utf8')) as {
    leaves: string[];
    roots: string[];
    inclusion: { leaf: number; size: number; proof: string[] }[];
  };
  const leaves = v.leaves.map((l) => leafHash(Buffer.from(l, 'hex')));
  const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

  test('every published proof verifies; any edited hash, index or size does not', () => {
    expect(v.inclusion.length).toBeGreaterThanOrEqual(4);
    for (const p of v.inclusion) {
      const root = unhex(v.roots[p.size]!);
      const proof = p.proof.map(unhex);
      const i = p.leaf - 1;
      expect(verifyInclusion(i, p.size, leaves[i]!, proof, root), `leaf ${p.leaf} size ${p.size}`).toBe(true);
      for (let k = 0; k < proof.length; k++) {
        const bad = proof.map((h) => h.slice());
        bad[k]![0]! ^= 1;
        expect(verifyInclusion(i, p.size, leaves[i]!, bad, root)).toBe(false);
      }
      if (p.size > 1) expect(verifyInclusion((i + 1) % p.size, p.size, leaves[i]!, proof, root)).toBe(false);
      expect(verifyInclusion(i, p.size, leaves[i]!, [...proof, root], root)).toBe(false);
    }
  });
});

test('proofs made by the server for every leaf of trees up to 70 verify here; a proof for another leaf does not', async () => {
  const { inclusionProof, rootAt } = await import('../../src/modules/tlog/merkle.ts');
  const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(String(i))));
  const node = (h: number, i: number): Buffer =>
    h === 0 ? Buffer.from(leaves[i]!) : createHash('sha256').update(Buffer.from([1])).update(node(h - 1, 2 * i)).update(node(h - 1, 2 * i + 1)).digest();
  const src = { node: async (h: number, i: number) => node(h, i) };
  for (let size = 1; size <= 70; size++) {
    const root = await rootAt(src, size);
    for (let i = 0; i < size; i++) {
      const proof = await inclusionProof(src, i, size);
      expect(verifyInclusion(i, size, leaves[i]!, proof, root), `${i}/${size}`).toBe(true);
      if (size > 1) expect(verifyInclusion(i, size, leaves[(i + 1) % size]!, proof, root)).toBe(false);
    }
  }
});

describe('formats', () => {
  test('base64 is strict and round-trips', () => {
    for (const n of [0, 1, 2, 3, 31, 32, 33]) {
      const b = randomBytes(n);
      expect(toBase64(b)).toBe(b.toString('base64'));
      expect(Buffer.from(fromBase64(b.toString('base64'))!).equals(b)).toBe(true);
    }
    expect(fromBase64('AB==x')).toBeNull();
    expect(fromBase64('AR==')).toBeNull(); // non-canonical padding bits
  });

  test('vkeys: key ID must match the key; unknown types refused', () => {
    const good = 'quanlu.test/verify-log+d0c12281+AeVaK0nqC2nu4nhfSwn5biVLJr54CtanWGa12E0D/Z+Y';
    expect(parseVkey(good)?.type).toBe('ed25519');
    expect(parseVkey(good.replace('+d0c12281+', '+d0c12282+'))).toBeNull();
    expect(parseVkey('x+00000000+AA==')).toBeNull();
  });

  test('tlog-proof parsing', () => {
    const h = Buffer.alloc(32, 7).toString('base64');
    expect(parseTlogProof(`c2sp.org/tlog-proof@v1\nindex 5\n${h}\n\norigin\n9\n${h}\n\n— k AAAA\n`)).toMatchObject({ index: 5, checkpoint: `origin\n9\n${h}\n\n— k AAAA\n` });
    expect(parseTlogProof(`c2sp.org/tlog-proof@v1\nextra AAAA\nindex 0\n\ncp\n`)?.path).toEqual([]);
    expect(parseTlogProof(`c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n`)).toBeNull();
    expect(parseTlogProof(`c2sp.org/tlog-proof@v1\nindex 1\nnot-base64\n\ncp\n`)).toBeNull();
  });
});

describe('ZIP reading', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quanlu-zip-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  for (const [label, opts] of [
    ['ZIP64 records (yazl forceZip64Format), stored', { zip64: true }],
    ['ZIP64 records, deflated', { zip64: true, deflate: true }],
    ['plain, deflated', { deflate: true }],
  ] as const) {
    test(label, async () => {
      const files = new Map<string, Buffer>([
        ['data/a.bin', randomBytes(3 << 20)],
        ['data/空.txt', Buffer.alloc(0)],
        ['data/中文 名.txt', Buffer.from('证据'.repeat(10_000))],
      ]);
      const file = await writeZip({ files, bag: 'quanlu-evidence-z' }, path.join(dir, `${label.replace(/\W+/g, '-')}.zip`), opts);
      if (opts.zip64) {
        const raw = readFileSync(file);
        expect(raw.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'ZIP64 end of central directory record').toBe(true);
        expect(raw.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07])), 'ZIP64 locator').toBe(true);
      }
      const { reader, close } = await openZipFile(file);
      try {
        const entries = await reader.entries();
        expect(entries.map((e) => e.name).sort()).toEqual([...files.keys()].map((k) => `quanlu-evidence-z/${k}`).sort());
        for (const [k, b] of files) {
          expect(entries.find((e) => e.name.endsWith(k))?.size).toBe(b.length);
          expect(Buffer.from(await readAll(reader, `quanlu-evidence-z/${k}`)).equals(b), k).toBe(true);
        }
      } finally {
        await close();
      }
    });
  }

  test('not a ZIP, and a truncated ZIP, are refused with an error (no hang)', async () => {
    const files = new Map([['data/a.bin', randomBytes(100_000)]]);
    const file = await writeZip({ files, bag: 'b' }, path.join(dir, 't.zip'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'cut.zip'), readFileSync(file).subarray(0, 50_000));
    await writeFile(path.join(dir, 'text.zip'), 'hello');
    for (const f of ['cut.zip', 'text.zip']) {
      const { reader, close } = await openZipFile(path.join(dir, f));
      await expect(reader.entries()).rejects.toThrow(/ZIP/);
      await close();
    }
  });
});
