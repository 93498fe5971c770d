import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors/error-catalog.ts';
import { LocalObjectStore } from './local-object-store.ts';
import { mountTmpfs, needs } from '../../../test/support/privileges.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sm3 = (b: Uint8Array) => createHash('sm3').update(b).digest('hex');
const bytesOf = async (r: Readable) => Buffer.concat(await r.toArray());

/** All files under a folder, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function keysOf(store: LocalObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of store.list()) keys.push(k);
  return keys;
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe('LocalObjectStore', () => {
  let root: string;
  let sut: LocalObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'quanlu-store-'));
    sut = new LocalObjectStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores a stream under its SHA-256, read-only, and reads it back whole and in ranges', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const result = await sut.put(Readable.from(chunksOf(data, 65_536)));
    expect(result).toEqual({ key: sha256(data), sha256: sha256(data), sm3: sm3(data), size: data.length, created: true });

    const file = sut.objectPath(result.key);
    expect(file).toBe(path.join(root, 'objects', result.key.slice(0, 2), result.key.slice(2, 4), result.key));
    expect((await stat(file)).mode & 0o777).toBe(0o444);
    expectBytes(await bytesOf(await sut.get(result.key)), data);
    expectBytes(await bytesOf(await sut.get(result.key, { start: 10, end: 19 })), data.subarray(10, 20));
    expectBytes(await bytesOf(await sut.get(result.key, { start: data.length - 5 })), data.subarray(-5));
    // end past the last byte is clamped, as in HTTP ranges
    expectBytes(await bytesOf(await sut.get(result.key, { start: 0, end: data.length + 100 })), data);
    await expectAppError(sut.get(result.key, { start: data.length }), 'RANGE_NOT_SATISFIABLE');
    await expectAppError(sut.get(result.key, { start: 5, end: 4 }), 'RANGE_NOT_SATISFIABLE');
    await expectAppError(sut.get(result.key, { start: -1 }), 'RANGE_NOT_SATISFIABLE');

    expect(await sut.stat(result.key)).toMatchObject({ size: data.length });
    expect(await sut.exists(result.key)).toBe(true);
    expect(await keysOf(sut)).toEqual([result.key]);
    expect(await filesUnder(path.join(root, 'tmp'))).toEqual([]);
  });

  it('stores an empty object and a file via putFile', async () => {
    const empty = await sut.put(Readable.from([]));
    expect(empty.key).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expectBytes(await bytesOf(await sut.get(empty.key)), Buffer.alloc(0));

    const src = path.join(root, 'source.txt');
    await writeFile(src, '执法记录');
    const fromFile = await sut.putFile(src);
    expect(await text(await sut.get(fromFile.key))).toBe('执法记录');
  });

  it('flushes while streaming when told to, with the same result', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 1);
    const flushing = new LocalObjectStore(root, { syncEveryBytes: 1024 * 1024 });
    const result = await flushing.put(Readable.from(chunksOf(data, 300_000)));
    expect(result).toMatchObject({ key: sha256(data), sm3: sm3(data), size: data.length, created: true });
    expectBytes(await bytesOf(await flushing.get(result.key)), data);
  });

  it('a duplicate put returns created:false and keeps one file', async () => {
    const data = randomBytes(100_000);
    const first = await sut.put(Readable.from([data]));
    const second = await sut.put(Readable.from(chunksOf(data, 333)));
    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    expect(await filesUnder(path.join(root, 'objects'))).toHaveLength(1);
    expect(await filesUnder(path.join(root, 'tmp'))).toEqual([]);
  });

  it('concurrent puts of the same content store it once', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const results = await Promise.all([1, 2, 3].map(() => sut.put(Readable.from(chunksOf(data, 1 << 20)))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await filesUnder(path.join(root, 'objects'))).toHaveLength(1);
  });

  it('rejects content whose hash differs from the client’s, keeps it in rejected/ and does not store it', async () => {
    const data = Buffer.from('the bytes that arrived');
    const claimed = sha256(Buffer.from('the bytes that were sent'));
    const error = await expectAppError(sut.put(Readable.from([data]), { expectedSha256: claimed.toUpperCase() }), 'HASH_MISMATCH');
    expect(error.status).toBe(422);
    expect(error.params).toMatchObject({ expected: claimed, actual: sha256(data) });

    expect(await sut.exists(sha256(data))).toBe(false);
    expect(await keysOf(sut)).toEqual([]);
    const rejected = await filesUnder(path.join(root, 'rejected'));
    expect(rejected).toEqual([error.params.rejectedAs]);
    expect(rejected[0]).toMatch(new RegExp(`^\\d{8}T\\d{6}\\.\\d{3}Z-${sha256(data)}$`));
    expectBytes(await readFile(path.join(root, 'rejected', rejected[0]!)), data);
    expect(await filesUnder(path.join(root, 'tmp'))).toEqual([]);

    // the matching hash is accepted
    expect((await sut.put(Readable.from([data]), { expectedSha256: sha256(data) })).created).toBe(true);
  });

  it('verify reports a byte flipped by someone who made the file writable', async () => {
    const data = randomBytes(200_000);
    const { key, sm3: recordedSm3 } = await sut.put(Readable.from([data]));
    expect(await sut.verify(key, { expectedSm3: recordedSm3 })).toEqual({ key, ok: true, sha256: key, sm3: recordedSm3, size: data.length });

    const file = sut.objectPath(key);
    await chmod(file, 0o644);
    const handle = await open(file, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 123_456);
    await handle.write(Buffer.from([byte[0]! ^ 0x01]), 0, 1, 123_456);
    await handle.close();

    const result = await sut.verify(key, { expectedSm3: recordedSm3 });
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ error: 'sha256-mismatch', size: data.length });
    expect(result.sha256).not.toBe(key);

    await rm(file, { force: true });
    expect(await sut.verify(key)).toMatchObject({ ok: false, error: 'missing' });
  });

  it('an interrupted stream leaves no object and no temp file', async () => {
    async function* failing() {
      yield randomBytes(5 * 1024 * 1024);
      yield randomBytes(1024);
      throw new Error('client went away');
    }
    await expect(sut.put(Readable.from(failing()))).rejects.toThrow('client went away');
    expect(await filesUnder(path.join(root, 'objects'))).toEqual([]);
    expect(await filesUnder(path.join(root, 'tmp'))).toEqual([]);
    expect(await filesUnder(path.join(root, 'rejected'))).toEqual([]);
  });

  it('refuses malformed keys everywhere, so no key can escape the store folder', async () => {
    const bad = ['', '../../etc/passwd', 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(63), `${'a'.repeat(62)}/x`, `${'a'.repeat(64)}\n`];
    for (const key of bad) {
      await expectAppError(sut.get(key), 'INVALID_OBJECT_KEY');
      await expectAppError(sut.stat(key), 'INVALID_OBJECT_KEY');
      await expectAppError(sut.exists(key), 'INVALID_OBJECT_KEY');
      await expectAppError(sut.verify(key), 'INVALID_OBJECT_KEY');
    }
    await expectAppError(sut.put(Readable.from([Buffer.from('x')]), { expectedSha256: '../x' }), 'INVALID_OBJECT_KEY');
    await expectAppError(sut.get('a'.repeat(64)), 'OBJECT_NOT_FOUND');
    expect(await sut.stat('a'.repeat(64))).toBeUndefined();
  });

  it('refuses more than maxBytes and removes the temp file', async () => {
    const error = await expectAppError(sut.put(Readable.from(chunksOf(randomBytes(300_000), 64_000)), { maxBytes: 200_000 }), 'OBJECT_TOO_LARGE');
    expect(error.status).toBe(413);
    expect(await filesUnder(root)).toEqual([]);
    expect((await sut.put(Readable.from([randomBytes(200_000)]), { maxBytes: 200_000 })).size).toBe(200_000);
  });

  it('adopts a file hashed while it arrived as a second link (the upload keeps its name), sets aside and discards staging files', async () => {
    const staging = path.join(root, 'uploads');
    await mkdir(staging);
    const data = randomBytes(300_000);
    const upload = path.join(staging, 'u1');
    await writeFile(upload, data);
    const digest = { sha256: sha256(data), sm3: sm3(data), size: data.length };
    const inode = (await stat(upload)).ino;

    const adopted = await sut.adoptFile(upload, digest);
    expect(adopted).toEqual({ key: digest.sha256, sha256: digest.sha256, sm3: digest.sm3, size: data.length, created: true });
    const stored = await stat(sut.objectPath(adopted.key));
    expect(stored.ino).toBe(inode); // same filesystem: no second pass over the bytes
    expect(stored.mode & 0o777).toBe(0o444);
    // The upload keeps its name until the caller has recorded the rows (a crash loses nothing).
    expect(await filesUnder(staging)).toEqual(['u1']);
    expect(await filesUnder(path.join(root, 'tmp'))).toEqual([]);
    // Again with the same file (an interrupted attempt retried): its own link, so "created".
    expect((await sut.adoptFile(upload, digest)).created).toBe(true);
    await rm(upload, { force: true });

    // Another file with the same bytes: the name is taken, the caller must verify the existing object.
    await writeFile(upload, data);
    expect((await sut.adoptFile(upload, digest)).created).toBe(false);
    await rm(upload, { force: true });

    // a digest that does not fit the file is refused and the file left where it was
    await writeFile(upload, data.subarray(1));
    await expectAppError(sut.adoptFile(upload, digest), 'STORAGE_WRITE_FAILED');
    expect(await filesUnder(staging)).toEqual(['u1']);

    const keptAs = await sut.setAside(upload, sha256(data.subarray(1)));
    expect(await filesUnder(path.join(root, 'rejected'))).toEqual([keptAs]);
    expect(await filesUnder(staging)).toEqual(['u1']);
    await rm(upload, { force: true });

    await writeFile(upload, 'dup');
    await sut.discardFile(upload);
    expect(await filesUnder(staging)).toEqual([]);
    await expect(sut.discardFile(sut.objectPath(adopted.key))).rejects.toThrow(TypeError);
    await expect(sut.setAside(sut.objectPath(adopted.key), adopted.key)).rejects.toThrow(TypeError);
    expect(await sut.exists(adopted.key)).toBe(true);
  });

  it('restores a damaged or missing object from good bytes, and never replaces a sound one', async () => {
    const data = randomBytes(200_000);
    const { key } = await sut.put(Readable.from([data]));
    const digest = { sha256: key, sm3: sm3(data), size: data.length };
    const good = path.join(root, 'good-copy');
    await writeFile(good, data);

    await expect(sut.replaceDamaged(good, digest, await sut.verify(key))).rejects.toThrow(TypeError);

    const file = sut.objectPath(key);
    await chmod(file, 0o644);
    const flipped = Buffer.from(data);
    flipped[7] = flipped[7]! ^ 0xff;
    await writeFile(file, flipped);
    const found = await sut.verify(key);
    expect(found).toMatchObject({ ok: false, error: 'sha256-mismatch' });
    await sut.replaceDamaged(good, digest, found);
    expect(await sut.verify(key, { expectedSm3: digest.sm3 })).toMatchObject({ ok: true });
    expect((await stat(file)).mode & 0o777).toBe(0o444);
    expect(await filesUnder(path.join(root, 'tmp'))).toEqual([]);

    await rm(file, { force: true });
    const missing = await sut.verify(key);
    expect(missing).toMatchObject({ ok: false, error: 'missing' });
    await sut.replaceDamaged(good, digest, missing);
    expect(await sut.verify(key)).toMatchObject({ ok: true });
  });

  it('cleans temp files at start-up except those of another live process', async () => {
    await sut.put(Readable.from([Buffer.from('x')]));
    const tmp = path.join(root, 'tmp');
    await writeFile(path.join(tmp, '20250101T000000.000Z-p999999999-aa.part'), 'dead process');
    await writeFile(path.join(tmp, `20250101T000000.000Z-p${process.pid}-bb.part`), 'this process, before it started');
    await writeFile(path.join(tmp, 'old-format.part'), 'no pid');
    await writeFile(path.join(tmp, '20250101T000000.000Z-p1-cc.part'), 'pid 1 is alive');
    expect(await sut.cleanTemp()).toBe(3);
    expect(await filesUnder(tmp)).toEqual(['20250101T000000.000Z-p1-cc.part']);
  });

  it('lists only well-placed keys and sweeps only old temp files', async () => {
    const a = await sut.put(Readable.from([Buffer.from('a')]));
    const b = await sut.put(Readable.from([Buffer.from('b')]));
    // a stray file and a key in the wrong folder are not objects
    await writeFile(path.join(root, 'objects', a.key.slice(0, 2), a.key.slice(2, 4), 'notes.txt'), 'x');
    await mkdir(path.join(root, 'objects', '00', '00'), { recursive: true });
    await writeFile(path.join(root, 'objects', '00', '00', b.key), 'b');
    expect((await keysOf(sut)).sort()).toEqual([a.key, b.key].sort());

    await writeFile(path.join(root, 'tmp', 'young.part'), 'x');
    expect(await sut.sweepTemp(60_000)).toBe(0);
    expect(await sut.sweepTemp(-1)).toBe(1);
  });
});

describe.runIf(needs('tmpfs', 'LocalObjectStore full-disk test (a 1 MiB tmpfs)'))('LocalObjectStore on a full disk', () => {
  const mountPoint = path.join(tmpdir(), `quanlu-full-${process.pid}`);
  let mount: { unmount(): void } | undefined;
  afterAll(async () => {
    mount?.unmount();
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('reports STORAGE_FULL and leaves nothing partial (1 MiB tmpfs)', async () => {
    await mkdir(mountPoint, { recursive: true });
    mount = mountTmpfs(mountPoint, '1m');
    const sut = new LocalObjectStore(mountPoint);
    const error = await expectAppError(sut.put(Readable.from(chunksOf(randomBytes(3 * 1024 * 1024), 256 * 1024))), 'STORAGE_FULL');
    expect(error.status).toBe(507);
    expect(errnoOf(error.cause)).toBe('ENOSPC');
    expect(await filesUnder(mountPoint)).toEqual([]);
    // the store still works for what fits
    expect((await sut.put(Readable.from([Buffer.from('small')]))).created).toBe(true);
  });
});

/** Byte comparison without vitest's element-by-element deep equality (seconds on MiB buffers). */
function expectBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

function errnoOf(e: unknown): unknown {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
