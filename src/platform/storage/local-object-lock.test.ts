import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { LocalObjectStore } from './local-object-store.ts';

const DAY = 86_400_000;
const digestOf = (b: Buffer) => ({ sha256: createHash('sha256').update(b).digest('hex'), sm3: createHash('sm3').update(b).digest('hex'), size: b.length });

/** The local store RECORDS retention and legal hold (it cannot enforce them); the rules are those of the S3 store. */
describe('LocalObjectStore retention and legal hold (recorded, not enforced)', () => {
  let root: string;
  let sut: LocalObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'quanlu-lock-'));
    sut = new LocalObjectStore(path.join(root, 'store'), { objectLockDays: 184 });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function adopted() {
    const bytes = randomBytes(5000);
    const file = path.join(root, `upload-${randomBytes(3).toString('hex')}`);
    await writeFile(file, bytes);
    const d = digestOf(bytes);
    await sut.adoptFile(file, d);
    return d.sha256;
  }

  it('an adopted original gets the configured initial retention, recorded with enforced: false', async () => {
    const before = Date.now();
    const key = await adopted();
    const state = await sut.lockState(key);
    expect(state?.enforced).toBe(false);
    expect(state?.legalHold).toBe(false);
    expect(state!.retainUntil!.getTime()).toBeGreaterThanOrEqual(before + 184 * DAY);
    expect(state!.retainUntil!.getTime()).toBeLessThanOrEqual(Date.now() + 184 * DAY);
    // A derived file (put) gets none.
    const derived = await sut.put(Readable.from([randomBytes(100)]));
    expect(await sut.lockState(derived.key)).toEqual({ retainUntil: null, legalHold: false, enforced: false });
  });

  it('extends, never shortens; the same date is a no-op; unknown keys are OBJECT_NOT_FOUND', async () => {
    const key = await adopted();
    const later = new Date(Date.now() + 1000 * DAY);
    expect(await sut.extendRetention(key, later)).toEqual({ retainUntil: later, legalHold: false, enforced: false });
    await expect(sut.extendRetention(key, new Date(Date.now() + 500 * DAY))).rejects.toMatchObject({ code: 'RETENTION_SHORTEN_REFUSED', status: 409 });
    expect((await sut.extendRetention(key, later)).retainUntil).toEqual(later);
    expect((await sut.lockState(key))!.retainUntil).toEqual(later);
    await expect(sut.extendRetention('0'.repeat(64), later)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    expect(await sut.lockState('0'.repeat(64))).toBeUndefined();
  });

  it('legal hold set and cleared; the record keeps its history and survives a new store instance', async () => {
    const key = await adopted();
    expect(await sut.setLegalHold(key, true)).toMatchObject({ legalHold: true });
    expect(await sut.setLegalHold(key, false)).toMatchObject({ legalHold: false });
    const again = new LocalObjectStore(path.join(root, 'store'));
    expect(await again.lockState(key)).toMatchObject({ legalHold: false, enforced: false });
    const record = JSON.parse(await readFile(path.join(root, 'store', 'locks', key.slice(0, 2), `${key}.json`), 'utf8'));
    expect(record.history.map((h: Record<string, unknown>) => Object.keys(h).filter((k) => k !== 'at'))).toEqual([['retainUntil'], ['legalHold'], ['legalHold']]);
  });
});

describe('storage configuration', () => {
  const base = { QUANLU_DATA_DIR: '/tmp/x' };
  it('local by default, 184 days (≥ 6 months, 第十一条)', () => {
    expect(loadConfig(base).storage).toEqual({ kind: 'local', objectLockDays: 184, s3: undefined });
  });
  it('s3 with every variable', () => {
    const c = loadConfig({
      ...base,
      QUANLU_STORAGE: 's3',
      QUANLU_S3_ENDPOINT: 'http://127.0.0.1:7480',
      QUANLU_S3_BUCKET: 'quanlu-evidence',
      QUANLU_S3_REGION: 'cn-north-1',
      QUANLU_S3_ACCESS_KEY_ID: 'AKID',
      QUANLU_S3_SECRET_ACCESS_KEY: 'very-secret-value',
      QUANLU_S3_FORCE_PATH_STYLE: 'true',
      QUANLU_OBJECT_LOCK_DAYS: '3650',
    });
    expect(c.storage).toEqual({
      kind: 's3',
      objectLockDays: 3650,
      s3: { endpoint: 'http://127.0.0.1:7480', bucket: 'quanlu-evidence', region: 'cn-north-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'very-secret-value' }, forcePathStyle: true },
    });
  });
  // Each bad environment → the variable named in the message, the secret never shown.
  const bad: [Record<string, string>, string][] = [
    [{ QUANLU_STORAGE: 's3' }, 'QUANLU_S3_BUCKET: required'],
    [{ QUANLU_STORAGE: 's3', QUANLU_S3_BUCKET: 'b_x' }, 'QUANLU_S3_BUCKET: must be an S3 bucket name'],
    [{ QUANLU_STORAGE: 's3', QUANLU_S3_BUCKET: 'bkt', QUANLU_S3_SECRET_ACCESS_KEY: 'very-secret-value' }, 'set both or neither'],
    [{ QUANLU_STORAGE: 's3', QUANLU_S3_BUCKET: 'bkt', QUANLU_S3_ENDPOINT: 'not a url' }, 'QUANLU_S3_ENDPOINT: must be a URL'],
    [{ QUANLU_S3_BUCKET: 'bkt' }, 'QUANLU_STORAGE: is local but QUANLU_S3_BUCKET set'],
    [{ QUANLU_STORAGE: 'minio' }, 'QUANLU_STORAGE:'],
    [{ QUANLU_OBJECT_LOCK_DAYS: '0' }, 'QUANLU_OBJECT_LOCK_DAYS:'],
    [{ QUANLU_STORAGE: 's3', QUANLU_S3_BUCKET: 'bkt', QUANLU_S3_ACCESS_KEY_ID: 'x', QUANLU_S3_SECRET_ACCESS_KEY: 'very-secret-value', QUANLU_S3_FORCE_PATH_STYLE: 'yes' }, 'QUANLU_S3_FORCE_PATH_STYLE:'],
  ];
  it.each(bad)('%o is refused naming the variable', (env, expected) => {
    let message = '';
    try {
      loadConfig({ ...base, ...env });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(expected);
    expect(message).not.toContain('very-secret-value');
  });
});
