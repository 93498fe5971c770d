import type { Readable } from 'node:stream';
import { AppError } from '../errors/error-catalog.ts';
import type { DualDigest } from '../hashing/dual-hasher.ts';

/**
 * The object store: every stored file — originals (原始声像资料) and derived files (proxies, thumbnails,
 * redacted copies) alike — is an object named by the SHA-256 of its bytes. Content addressing makes
 * storing the same bytes twice a no-op and makes any change to stored bytes detectable by re-hashing.
 * Backends: LocalObjectStore (a folder) and S3ObjectStore (a bucket with versioning and Object Lock), so
 * nothing here may mention file descriptors or paths of stored objects.
 *
 * Originals (adoptFile, replaceDamaged) are stored with an initial retention (config.storage.objectLockDays,
 * 第十一条) and may later be kept longer or put on legal hold. The S3 store has the bucket ENFORCE that
 * (Object Lock, COMPLIANCE mode: nobody, not even the bucket's owner, deletes the version before the date);
 * the local store can only RECORD it (see LocalObjectStore). Derived files are stored without a lock. Bytes
 * stored with put() that are part of a record (a case file's documents and built PDFs) get their lock from
 * the retention module (held from their commit, then the case file's date: retention.service.ts).
 */
export interface ObjectStore {
  /** Which backend holds the objects (recorded with each original). */
  readonly kind: 'local' | 's3';
  /** Stores a stream, hashing it while it is written; the object becomes visible only once complete. */
  put(source: Readable | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<PutResult>;
  /** Stores a local file (an upload finished by tus, a proxy ffmpeg just wrote). */
  putFile(filePath: string, options?: PutOptions): Promise<PutResult>;
  /**
   * Publishes a finished local file whose digest was computed from its bytes (a tus upload), without
   * reading it again when possible. The file STAYS at `filePath` (the caller removes it once the database
   * has the rows, so a crash in between loses nothing) and must not be written again. `created` is false
   * when the object already existed as another file: the caller checks that object (verify) itself.
   */
  adoptFile(filePath: string, digest: DualDigest): Promise<PutResult>;
  /**
   * Restores an object a fresh verify() found missing, changed or unreadable (`found`), from a local file
   * whose digest equals the key. A sound object is never replaced (write-once). The file stays.
   */
  replaceDamaged(filePath: string, digest: DualDigest, found: VerifyResult): Promise<PutResult>;
  /** Keeps the bytes of a local file that must not become an object (hash mismatch) aside for inspection; returns where. The file stays. */
  setAside(filePath: string, sha256: string): Promise<string>;
  /** Deletes a local staging file (e.g. a duplicate upload). Refuses paths of stored objects. */
  discardFile(filePath: string): Promise<void>;
  /** Reads an object or a byte range of it. Throws OBJECT_NOT_FOUND, RANGE_NOT_SATISFIABLE. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size and modification time, or undefined when there is no such object. */
  stat(key: string): Promise<ObjectStat | undefined>;
  exists(key: string): Promise<boolean>;
  /** Re-hashes the stored bytes and compares them with the key (fixity check). Never throws for bad content. */
  verify(key: string, options?: VerifyOptions): Promise<VerifyResult>;
  /** Every key in the store (for the fixity job and the orphan check). */
  list(): AsyncIterable<string>;
  /**
   * The local file holding an object, for tools that need a path (ffmpeg) — read-only use. Only
   * backends with local files have it; others are read with get() into a temp copy.
   */
  localPath?(key: string): string;
  /**
   * Keeps an object at least until `until` (S3: the version's COMPLIANCE retain-until date). Never
   * shortens: a date before the current one throws RETENTION_SHORTEN_REFUSED (the S3 store refuses it
   * too); the same date is a no-op. Throws OBJECT_NOT_FOUND for an unknown key.
   */
  extendRetention(key: string, until: Date): Promise<ObjectLockState>;
  /** Sets (true) or clears (false) a legal hold (法律保全): held objects are kept whatever the retention date. */
  setLegalHold(key: string, on: boolean): Promise<ObjectLockState>;
  /** The object's retention and legal hold, or undefined when there is no such object. */
  lockState(key: string): Promise<ObjectLockState | undefined>;
  /**
   * Destroys an object's bytes — ONLY the approved disposal path (src/modules/retention/disposal.service.ts)
   * calls this (an architecture test checks it). Refused with RETENTION_DELETE_REFUSED while the object's
   * retain-until date is in the future or it is on legal hold: the local store checks its lock record; the
   * S3 store deletes every version and the bucket itself refuses a locked one. An absent object is a no-op.
   */
  deleteForDisposal(key: string): Promise<void>;
  /**
   * Removes an object that NO row references — only the orphan sweep of case-file objects (src/modules/case-files/
   * case-file-objects.service.ts) calls this (an architecture test checks it), after it found, under the key's
   * lock, that no `original` or `derived_object` row names the key. Refused with RETENTION_DELETE_REFUSED like
   * deleteForDisposal while the object is locked or held (S3 Object Lock): the sweep then records it and keeps it.
   * An absent object is a no-op.
   */
  removeUnreferenced(key: string): Promise<void>;
}

/** Retention and legal hold of one object. */
export interface ObjectLockState {
  /** Kept at least until then; null when no retention was ever set (derived files). */
  retainUntil: Date | null;
  legalHold: boolean;
  /**
   * True when the store itself refuses deletion and overwrite until then (S3 Object Lock); false when the
   * state is only recorded (the local store: a record beside the object, which it cannot enforce).
   */
  enforced: boolean;
}

export interface PutOptions {
  /** The SHA-256 the client computed; on a difference nothing is stored and HASH_MISMATCH is thrown. */
  expectedSha256?: string;
  /** Refuse (OBJECT_TOO_LARGE) once more than this many bytes arrive. */
  maxBytes?: number;
}

export interface PutResult {
  /** The object key: the SHA-256 of the content in lowercase hex. */
  key: string;
  size: number;
  sha256: string;
  /** SM3 (GB/T 32905) of the same bytes, to be recorded next to the key. */
  sm3: string;
  /** False when the same content was already stored (the new copy was discarded). */
  created: boolean;
}

/** A byte range as in HTTP `Range: bytes=start-end`: `end` is inclusive and clamped to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ObjectStat {
  size: number;
  mtime: Date;
}

export interface VerifyOptions {
  /** The SM3 recorded at ingest; when given, a different SM3 is reported too. */
  expectedSm3?: string;
}

/** Why a verify failed: gone, bytes changed (SHA-256 or recorded SM3 differ), or not readable. */
export type VerifyFailure = 'missing' | 'sha256-mismatch' | 'sm3-mismatch' | 'unreadable';

export type VerifyResult =
  | { key: string; ok: true; sha256: string; sm3: string; size: number }
  | { key: string; ok: false; error: VerifyFailure; message: string; sha256?: string; sm3?: string; size?: number };

const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** True for a well-formed key: 64 lowercase hex characters (a SHA-256). */
export function isObjectKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_PATTERN.test(key);
}

/**
 * Returns the key or throws INVALID_OBJECT_KEY. Every backend calls this first: a key becomes part of a
 * path or an S3 key, so only hex may pass (no `..`, no `/`).
 */
export function assertObjectKey(key: unknown): string {
  if (!isObjectKey(key)) throw new AppError('INVALID_OBJECT_KEY');
  return key;
}

/** Normalises a client-supplied SHA-256 (clients may send upper case) or throws INVALID_OBJECT_KEY. */
export function normalizeSha256(value: string): string {
  return assertObjectKey(value.trim().toLowerCase());
}
