import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config/storage-config.ts';
import { AppError } from '../errors/error-catalog.ts';
import { createDualHasher, hashFile, HASH_READ_BYTES, type DualDigest } from '../hashing/dual-hasher.ts';
import {
  assertObjectKey,
  normalizeSha256,
  type ByteRange,
  type ObjectLockState,
  type ObjectStat,
  type ObjectStore,
  type PutOptions,
  type PutResult,
  type VerifyOptions,
  type VerifyResult,
} from './object-store.ts';
import { fileTimestamp, storageOp, withCause, writeAll } from './storage-fs.ts';

export interface S3ObjectStoreOptions {
  /** Days a newly stored original is locked for (COMPLIANCE retain-until), 第十一条. */
  objectLockDays: number;
  /** Local folder for staging derived files before they are stored (their key is their hash). */
  workDir: string;
  /** Multipart part size (bytes); 16 MiB allows objects up to ~156 GiB within S3's 10,000 parts. */
  partSize?: number;
  /** Parts in flight at once. */
  queueSize?: number;
}

/** The version of an object QuanLu reads: the first one stored under its key (see #resolve). */
interface Resolved {
  versionId: string;
  size: number;
  mtime: Date;
}

const PREFIX = 'objects/';
const REJECTED_PREFIX = 'rejected/';
const VERSION_CACHE_LIMIT = 10_000;

/**
 * The object store in an S3-compatible bucket with versioning and Object Lock (MinIO, Ceph RADOS Gateway,
 * a cloud store). Objects are `objects/<sha256>`.
 *
 * Write-once is ENFORCED by the store: an original's version is locked in COMPLIANCE mode until its
 * retain-until date (nobody — not QuanLu, not the bucket's owner, not whoever steals QuanLu's keys —
 * deletes that version or shortens the date), and legal holds keep it past that date. Derived files
 * (proxies, thumbnails) are stored without a lock.
 *
 * Versioning means a PUT to an existing key adds a version instead of replacing it, and a DELETE without a
 * version id only adds a delete marker. So QuanLu always reads the FIRST (oldest) real version of a key —
 * the one it wrote and locked — never simply "the latest": bytes written over it by someone else, or a
 * delete marker, change nothing QuanLu reads (and fixity re-hashes that version). QuanLu writes a key only
 * when it has no version yet (content addressing: the same bytes are stored once).
 *
 * The SDK is loaded on first use, so a local-store start never pays for it.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  readonly #config: S3Config;
  readonly #options: Required<S3ObjectStoreOptions>;
  #client: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3'); lib: typeof import('@aws-sdk/lib-storage') }> | undefined;
  /** key → its first version. A version never changes once written, so every node may cache it. */
  readonly #versions = new Map<string, Resolved>();

  constructor(config: S3Config, options: S3ObjectStoreOptions) {
    this.#config = config;
    this.bucket = config.bucket;
    this.#options = { partSize: 16 << 20, queueSize: 4, ...options };
  }

  /** The bucket key of an object (validated). */
  objectKey(key: string): string {
    return PREFIX + assertObjectKey(key);
  }

  /** The S3 client, made once (the SDK is imported here, not at start). */
  sdk() {
    this.#client ??= (async () => {
      const sdk = await import('@aws-sdk/client-s3');
      const lib = await import('@aws-sdk/lib-storage');
      const c = this.#config;
      const client = new sdk.S3Client({
        region: c.region,
        ...(c.endpoint && { endpoint: c.endpoint }),
        forcePathStyle: c.forcePathStyle,
        ...(c.credentials && { credentials: c.credentials }),
        // Only the checksums an operation requires: stores that predate the SDK's default CRC32 trailers
        // (Ceph before Reef, older MinIO) refuse them. Integrity is QuanLu's own SHA-256 + SM3 anyway.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
      });
      return { client, sdk, lib };
    })();
    return this.#client;
  }

  // ---------------------------------------------------------------- writes

  /** Stages the stream in a local file while hashing it, then stores it (unlocked: a derived file). */
  async put(source: Readable | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const expected = options.expectedSha256 === undefined ? undefined : normalizeSha256(options.expectedSha256);
    const { maxBytes } = options;
    if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) throw new TypeError('maxBytes must be a non-negative integer');
    const tmp = await this.#stagingPath();
    const handle = await storageOp(() => open(tmp, 'wx', 0o600));
    const hasher = createDualHasher();
    try {
      let size = 0;
      try {
        for await (const chunk of source as AsyncIterable<unknown>) {
          if (!(chunk instanceof Uint8Array)) throw new TypeError('put: the stream must yield bytes, not strings or objects');
          size += chunk.length;
          if (maxBytes !== undefined && size > maxBytes) throw new AppError('OBJECT_TOO_LARGE', { maxBytes });
          await Promise.all([storageOp(() => writeAll(handle, chunk)), hasher.update(chunk)]);
        }
      } finally {
        await handle.close();
      }
      const digest = await hasher.digest();
      return await this.#storeStaged(tmp, digest, expected);
    } catch (error) {
      hasher.abort();
      throw error;
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Hashes a local file, then stores it unlocked (a proxy or thumbnail ffmpeg wrote). The file stays. */
  async putFile(filePath: string, options: PutOptions = {}): Promise<PutResult> {
    const expected = options.expectedSha256 === undefined ? undefined : normalizeSha256(options.expectedSha256);
    const digest = await hashFile(filePath);
    if (options.maxBytes !== undefined && digest.size > options.maxBytes) throw new AppError('OBJECT_TOO_LARGE', { maxBytes: options.maxBytes });
    return this.#storeStaged(filePath, digest, expected);
  }

  async #storeStaged(file: string, digest: DualDigest, expected: string | undefined): Promise<PutResult> {
    if (expected !== undefined && digest.sha256 !== expected) {
      const rejectedAs = await this.setAside(file, digest.sha256);
      throw new AppError('HASH_MISMATCH', { expected, actual: digest.sha256, sm3: digest.sm3, rejectedAs });
    }
    const key = digest.sha256;
    if (await this.#resolve(key)) return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: false };
    await this.#upload(file, key, digest, { lock: false });
    return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: true };
  }

  /**
   * Stores a finished upload as an original: read once from its local file (hashed by the tus handler
   * while the bytes arrived) and written once to the bucket, then locked in COMPLIANCE mode. While the
   * bytes go out their SHA-256 is computed again and must equal the digest, so the object holds exactly
   * the bytes QuanLu hashed. `created` is false when the key already has a version (the caller verifies it).
   */
  async adoptFile(filePath: string, digest: DualDigest): Promise<PutResult> {
    const key = assertObjectKey(digest.sha256);
    await this.#checkSize(filePath, digest);
    if (await this.#resolve(key)) return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: false };
    await this.#upload(filePath, key, digest, { lock: true });
    return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: true };
  }

  /**
   * Restores an original a fresh verify() found missing or damaged: the good bytes become a new, locked
   * version, and the versions before it (damaged bytes, delete markers) are removed so that the good one is
   * the first. A damaged version that is itself locked cannot be removed — the store refuses, as it must —
   * and then this throws, leaving the good version stored and locked for an operator to resolve.
   */
  async replaceDamaged(filePath: string, digest: DualDigest, found: VerifyResult): Promise<PutResult> {
    const key = assertObjectKey(digest.sha256);
    if (found.ok || found.key !== key) throw new TypeError('replaceDamaged: only an object found damaged or missing is replaced');
    await this.#checkSize(filePath, digest);
    const versionId = await this.#upload(filePath, key, digest, { lock: true });
    const { client, sdk } = await this.sdk();
    for (const v of await this.#listVersions(key)) {
      if (v.versionId === versionId) continue;
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), VersionId: v.versionId }));
      } catch (error) {
        throw withCause(new AppError('STORAGE_WRITE_FAILED', { reason: `damaged version ${v.versionId} is locked and cannot be removed; the good copy is version ${versionId}` }), error);
      }
    }
    this.#versions.delete(key);
    return { key, size: digest.size, sha256: key, sm3: digest.sm3, created: true };
  }

  /** Keeps refused bytes in the bucket under `rejected/<time>-<sha256>` (unlocked); returns that name. The file stays. */
  async setAside(filePath: string, sha256: string): Promise<string> {
    const name = `${fileTimestamp()}-${assertObjectKey(sha256)}`;
    const { client, lib } = await this.sdk();
    await s3Op(() =>
      new lib.Upload({
        client,
        params: { Bucket: this.bucket, Key: REJECTED_PREFIX + name, Body: createReadStream(filePath, { highWaterMark: HASH_READ_BYTES }) },
        partSize: this.#options.partSize,
        queueSize: this.#options.queueSize,
      }).done(),
    );
    return name;
  }

  /** Deletes a local staging file (never an object: objects are not local files here). */
  async discardFile(filePath: string): Promise<void> {
    await rm(filePath, { force: true });
  }

  /**
   * Writes the file as a new version of `key` (multipart above one part), checking that the bytes sent
   * hash to the digest; an original's version is then locked and the lock read back. Returns the version id.
   * The lock is applied after the write (PutObjectRetention on the version), not as a header of the
   * upload: some stores (Ceph RGW before Quincy) silently drop lock headers of multipart uploads, and a
   * version is only locked once the bytes are known to be right.
   */
  async #upload(filePath: string, key: string, digest: DualDigest, o: { lock: boolean }): Promise<string> {
    const { client, sdk, lib } = await this.sdk();
    const sha = createHash('sha256');
    let sent = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sha.update(chunk);
        sent += chunk.length;
        done(null, chunk);
      },
    });
    const body = createReadStream(filePath, { highWaterMark: HASH_READ_BYTES }).pipe(tap);
    const objectKey = this.objectKey(key);
    const upload = new lib.Upload({
      client,
      params: { Bucket: this.bucket, Key: objectKey, Body: body, ContentType: 'application/octet-stream', Metadata: { sm3: digest.sm3 } },
      partSize: this.#options.partSize,
      queueSize: this.#options.queueSize,
      leavePartsOnError: false,
    });
    const done = await s3Op(() => upload.done());
    const versionId = (done as { VersionId?: string }).VersionId;
    if (!versionId) throw new AppError('STORAGE_WRITE_FAILED', { reason: 'the bucket did not return a version id (is versioning enabled?)' });
    if (sent !== digest.size || sha.digest('hex') !== key) {
      // The file changed since it was hashed: this version is not the object. It is not locked yet.
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey, VersionId: versionId })).catch(() => undefined);
      throw new AppError('STORAGE_WRITE_FAILED', { reason: 'the bytes sent do not hash to the digest computed at upload' });
    }
    if (o.lock) {
      const until = new Date(Date.now() + this.#options.objectLockDays * 86_400_000);
      await s3Op(() =>
        client.send(new sdk.PutObjectRetentionCommand({ Bucket: this.bucket, Key: objectKey, VersionId: versionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } })),
      );
      const check = await s3Op(() => client.send(new sdk.GetObjectRetentionCommand({ Bucket: this.bucket, Key: objectKey, VersionId: versionId })));
      if (check.Retention?.Mode !== 'COMPLIANCE' || !check.Retention.RetainUntilDate || check.Retention.RetainUntilDate.getTime() < until.getTime() - 1000) {
        throw new AppError('STORAGE_WRITE_FAILED', { reason: 'the bucket did not keep the COMPLIANCE retention of the original' });
      }
    }
    return versionId;
  }

  async #checkSize(filePath: string, digest: DualDigest): Promise<void> {
    const { size } = await storageOp(() => stat(filePath));
    if (size !== digest.size) throw new AppError('STORAGE_WRITE_FAILED', { reason: `file has ${size} bytes but ${digest.size} were hashed` });
  }

  async #stagingPath(): Promise<string> {
    await storageOp(() => mkdir(this.#options.workDir, { recursive: true, mode: 0o700 }));
    // `media-…-p<pid>-` so the start-up clean-up of the data folder removes what a killed process left.
    return path.join(this.#options.workDir, `media-s3put-p${process.pid}-${randomBytes(8).toString('hex')}.part`);
  }

  // ---------------------------------------------------------------- reads

  /** Streams the object's first version, or a byte range of it (GetObject Range). */
  async get(key: string, range?: ByteRange): Promise<Readable> {
    const r = await this.#resolve(key);
    if (!r) throw new AppError('OBJECT_NOT_FOUND', { key });
    let rangeHeader: string | undefined;
    if (range) {
      const { start } = range;
      const end = Math.min(range.end ?? r.size - 1, r.size - 1);
      const wellFormed = Number.isSafeInteger(start) && (range.end === undefined || Number.isSafeInteger(range.end));
      if (!wellFormed || start < 0 || start >= r.size || end < start) throw new AppError('RANGE_NOT_SATISFIABLE', { size: r.size });
      rangeHeader = `bytes=${start}-${end}`;
    } else if (r.size === 0) {
      return Readable.from([]);
    }
    const { client, sdk } = await this.sdk();
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), VersionId: r.versionId, ...(rangeHeader && { Range: rangeHeader }) }));
      return res.Body as Readable;
    } catch (error) {
      this.#versions.delete(key);
      if (isNotFound(error)) throw withCause(new AppError('OBJECT_NOT_FOUND', { key }), error);
      throw toS3Error(error);
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const r = await this.#resolve(key);
    return r && { size: r.size, mtime: r.mtime };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#resolve(key)) !== undefined;
  }

  /** Re-hashes the stored version (streamed from the bucket). Reports, never throws for bad content. */
  async verify(key: string, options: VerifyOptions = {}): Promise<VerifyResult> {
    let stream: Readable;
    try {
      this.#versions.delete(key); // a fresh look at the bucket
      stream = await this.get(key);
    } catch (error) {
      if (error instanceof AppError && error.code === 'OBJECT_NOT_FOUND') return { key, ok: false, error: 'missing', message: 'the object does not exist in the bucket' };
      return { key, ok: false, error: 'unreadable', message: describe(error) };
    }
    const hasher = createDualHasher();
    try {
      for await (const chunk of stream) await hasher.update(chunk as Uint8Array);
    } catch (error) {
      hasher.abort();
      return { key, ok: false, error: 'unreadable', message: describe(error) };
    }
    const { sha256, sm3, size } = await hasher.digest();
    if (sha256 !== key) return { key, ok: false, error: 'sha256-mismatch', message: `stored bytes hash to ${sha256}`, sha256, sm3, size };
    if (options.expectedSm3 !== undefined && sm3 !== options.expectedSm3.toLowerCase()) {
      return { key, ok: false, error: 'sm3-mismatch', message: `stored bytes have SM3 ${sm3}, recorded ${options.expectedSm3}`, sha256, sm3, size };
    }
    return { key, ok: true, sha256, sm3, size };
  }

  /** Every key with at least one real version (a delete marker on top does not hide it). */
  async *list(): AsyncIterable<string> {
    const { client, sdk } = await this.sdk();
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let last: string | undefined;
    for (;;) {
      const page = await s3Op(() =>
        client.send(new sdk.ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: PREFIX, KeyMarker: keyMarker, VersionIdMarker: versionMarker })),
      );
      for (const v of page.Versions ?? []) {
        const name = v.Key?.slice(PREFIX.length);
        if (name && name !== last && /^[0-9a-f]{64}$/.test(name)) {
          last = name;
          yield name;
        }
      }
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
  }

  /** The real versions of a key, newest first (S3 lists a key's versions newest first). */
  async #listVersions(key: string): Promise<Resolved[]> {
    const { client, sdk } = await this.sdk();
    const objectKey = this.objectKey(key);
    const found: Resolved[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await s3Op(() =>
        client.send(new sdk.ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: objectKey, KeyMarker: keyMarker, VersionIdMarker: versionMarker })),
      );
      for (const v of page.Versions ?? []) {
        if (v.Key === objectKey && v.VersionId) found.push({ versionId: v.VersionId, size: Number(v.Size ?? 0), mtime: v.LastModified ?? new Date(0) });
      }
      if (!page.IsTruncated) return found;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
  }

  /** The version QuanLu reads: the key's first (oldest) real version; undefined when it has none. */
  async #resolve(key: string): Promise<Resolved | undefined> {
    assertObjectKey(key);
    const cached = this.#versions.get(key);
    if (cached) return cached;
    const versions = await this.#listVersions(key);
    const first = versions.at(-1);
    if (first) {
      if (this.#versions.size >= VERSION_CACHE_LIMIT) this.#versions.delete(this.#versions.keys().next().value!);
      this.#versions.set(key, first);
    }
    return first;
  }

  // ---------------------------------------------------------------- retention and legal hold (enforced)

  /** Moves the COMPLIANCE retain-until date of the object's version later; earlier is refused (here and by the store). */
  async extendRetention(key: string, until: Date): Promise<ObjectLockState> {
    if (!(until instanceof Date) || Number.isNaN(until.getTime())) throw new TypeError('extendRetention: until must be a valid Date');
    const r = await this.#resolve(key);
    if (!r) throw new AppError('OBJECT_NOT_FOUND', { key });
    const current = await this.lockState(key);
    if (current?.retainUntil && until.getTime() < current.retainUntil.getTime()) {
      throw new AppError('RETENTION_SHORTEN_REFUSED', { current: current.retainUntil.toISOString(), requested: until.toISOString() });
    }
    if (current?.retainUntil && until.getTime() === current.retainUntil.getTime()) return current;
    const { client, sdk } = await this.sdk();
    await s3Op(() =>
      client.send(new sdk.PutObjectRetentionCommand({ Bucket: this.bucket, Key: this.objectKey(key), VersionId: r.versionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } })),
    );
    return (await this.lockState(key))!;
  }

  /** Sets or clears the legal hold of the object's version; the store keeps a held version whatever its date. */
  async setLegalHold(key: string, on: boolean): Promise<ObjectLockState> {
    const r = await this.#resolve(key);
    if (!r) throw new AppError('OBJECT_NOT_FOUND', { key });
    const { client, sdk } = await this.sdk();
    await s3Op(() =>
      client.send(new sdk.PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: this.objectKey(key), VersionId: r.versionId, LegalHold: { Status: on ? 'ON' : 'OFF' } })),
    );
    return (await this.lockState(key))!;
  }

  /**
   * Disposal only: deletes every version of the object (derived files have one unlocked version; an
   * original's version is under COMPLIANCE retention, which the bucket enforces: before its retain-until
   * date or while held, the bucket refuses and this throws RETENTION_DELETE_REFUSED).
   */
  async deleteForDisposal(key: string): Promise<void> {
    return this.#deleteEveryVersion(key);
  }

  /** The orphan sweep only (see ObjectStore.removeUnreferenced): the bucket refuses a locked version likewise. */
  async removeUnreferenced(key: string): Promise<void> {
    return this.#deleteEveryVersion(key);
  }

  async #deleteEveryVersion(key: string): Promise<void> {
    const k = assertObjectKey(key);
    const { client, sdk } = await this.sdk();
    for (const v of await this.#listVersions(k)) {
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(k), VersionId: v.versionId }));
      } catch (error) {
        const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
        if (e.$metadata?.httpStatusCode === 403 || e.name === 'AccessDenied' || e.Code === 'AccessDenied') {
          throw withCause(new AppError('RETENTION_DELETE_REFUSED', { key: k, until: 'object lock' }), error);
        }
        throw toS3Error(error);
      }
    }
    this.#versions.delete(k);
  }

  /** The version's retention and legal hold as the bucket reports them (`enforced: true`). */
  async lockState(key: string): Promise<ObjectLockState | undefined> {
    const r = await this.#resolve(key);
    if (!r) return undefined;
    const { client, sdk } = await this.sdk();
    const target = { Bucket: this.bucket, Key: this.objectKey(key), VersionId: r.versionId };
    const [retention, hold] = await Promise.all([
      client.send(new sdk.GetObjectRetentionCommand(target)).catch(noLockAs(undefined)),
      client.send(new sdk.GetObjectLegalHoldCommand(target)).catch(noLockAs(undefined)),
    ]);
    return { retainUntil: retention?.Retention?.RetainUntilDate ?? null, legalHold: hold?.LegalHold?.Status === 'ON', enforced: true };
  }
}

/** An object without retention or hold answers "no lock configuration": that is a state, not an error. */
function noLockAs<T>(value: T) {
  return (error: unknown): T => {
    const name = (error as { name?: string }).name;
    if (name === 'ObjectLockConfigurationNotFoundError' || name === 'NoSuchObjectLockConfiguration') return value;
    throw toS3Error(error);
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NoSuchVersion' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** A failed bucket call in the catalog: STORAGE_WRITE_FAILED naming the S3 error (never credentials). */
function toS3Error(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  if (e.$metadata || e.Code) return withCause(new AppError('STORAGE_WRITE_FAILED', { reason: `S3 ${e.Code ?? e.name ?? 'error'} ${e.$metadata?.httpStatusCode ?? ''}`.trim() }), error);
  return storageError(error);
}

function storageError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string') return withCause(new AppError('STORAGE_WRITE_FAILED', { reason: code }), error);
  return error;
}

async function s3Op<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toS3Error(error);
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown; name?: unknown }).code ?? (error as { name?: unknown }).name;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
