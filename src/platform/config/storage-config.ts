import { z } from 'zod';

/**
 * Where objects (originals and derived files) are kept: a folder in the data dir (default), or an
 * S3-compatible bucket with versioning and Object Lock (MinIO, Ceph RADOS Gateway, a cloud store) for
 * several nodes. Parsed with the rest of the configuration (config.ts); the credentials are never echoed.
 */
export const storageEnvSchema = {
  /** `local` (a folder in QUANLU_DATA_DIR) or `s3`. */
  QUANLU_STORAGE: z.enum(['local', 's3']).default('local'),
  /** S3 endpoint URL (`https://s3.example:9000`); unset = the AWS endpoint of the region. */
  QUANLU_S3_ENDPOINT: z.string().url('must be a URL such as https://s3.example:9000').optional(),
  /** The bucket; it must have versioning and Object Lock enabled (checked at start). */
  QUANLU_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 of a-z 0-9 . -)')
    .optional(),
  /** Region name the store expects in signatures. */
  QUANLU_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Access key id (with the secret; both unset = the AWS SDK's default chain: instance role, ~/.aws). */
  QUANLU_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  QUANLU_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** `true` for `endpoint/bucket/key` addressing (MinIO, Ceph RGW without wildcard DNS). */
  QUANLU_S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * Days an original is locked for when stored (S3 Object Lock COMPLIANCE retain-until; the local store
   * only records it). 184 days is at least 6 calendar months — 第十一条: patrol AV kept ≥ 6 months. Later
   * rules (retention table, case files) extend it, never shorten it.
   */
  QUANLU_OBJECT_LOCK_DAYS: z.coerce.number().int().min(1).max(36_500).default(184),
};

const storageEnvObject = z.object(storageEnvSchema);
type StorageEnv = z.infer<typeof storageEnvObject>;

/** The S3 connection (only when QUANLU_STORAGE=s3). */
export interface S3Config {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  /** Undefined: the AWS SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

export type StorageConfig = Readonly<{
  kind: 'local' | 's3';
  /** Initial retention of a newly stored original, in days. */
  objectLockDays: number;
  s3: S3Config | undefined;
}>;

/** Cross-field rules of the storage variables; problems name the variable (never a value). */
export function storageConfigOf(e: StorageEnv): { config: StorageConfig; problems: string[] } {
  const problems: string[] = [];
  const s3Vars = ['QUANLU_S3_ENDPOINT', 'QUANLU_S3_BUCKET', 'QUANLU_S3_ACCESS_KEY_ID', 'QUANLU_S3_SECRET_ACCESS_KEY'] as const;
  if (e.QUANLU_STORAGE === 'local') {
    const set = s3Vars.filter((v) => e[v] !== undefined);
    if (set.length) problems.push(`QUANLU_STORAGE: is local but ${set.join(', ')} set; set QUANLU_STORAGE=s3 to use the bucket / 已设置 S3 变量，但 QUANLU_STORAGE 为 local；如要使用存储桶请设置 QUANLU_STORAGE=s3`);
    return { config: Object.freeze({ kind: 'local' as const, objectLockDays: e.QUANLU_OBJECT_LOCK_DAYS, s3: undefined }), problems };
  }
  if (!e.QUANLU_S3_BUCKET) problems.push('QUANLU_S3_BUCKET: required when QUANLU_STORAGE=s3 / QUANLU_STORAGE=s3 时必须设置');
  if ((e.QUANLU_S3_ACCESS_KEY_ID === undefined) !== (e.QUANLU_S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push('QUANLU_S3_ACCESS_KEY_ID / QUANLU_S3_SECRET_ACCESS_KEY: set both or neither / 须同时设置或同时不设置');
  }
  const credentials =
    e.QUANLU_S3_ACCESS_KEY_ID && e.QUANLU_S3_SECRET_ACCESS_KEY ? { accessKeyId: e.QUANLU_S3_ACCESS_KEY_ID, secretAccessKey: e.QUANLU_S3_SECRET_ACCESS_KEY } : undefined;
  const s3: S3Config = Object.freeze({
    endpoint: e.QUANLU_S3_ENDPOINT,
    bucket: e.QUANLU_S3_BUCKET ?? '',
    region: e.QUANLU_S3_REGION,
    // Not frozen: the AWS SDK tags the credentials object it is given.
    credentials,
    forcePathStyle: e.QUANLU_S3_FORCE_PATH_STYLE,
  });
  return { config: Object.freeze({ kind: 's3' as const, objectLockDays: e.QUANLU_OBJECT_LOCK_DAYS, s3 }), problems };
}
