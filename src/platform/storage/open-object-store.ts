import path from 'node:path';
import type { Config } from '../config/config.ts';
import { LocalObjectStore } from './local-object-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/**
 * The object store of this configuration: a folder in the data dir (QUANLU_STORAGE=local, the default) or
 * an S3 bucket with Object Lock (QUANLU_STORAGE=s3). Opening does not touch the bucket: a server checks it
 * at start with assertObjectStoreReady (s3-bucket-check.ts).
 */
export function openObjectStore(config: Config): ObjectStore {
  const { storage } = config;
  if (storage.kind === 's3' && storage.s3) {
    return new S3ObjectStore(storage.s3, { objectLockDays: storage.objectLockDays, workDir: path.join(config.dataDir, 'tmp') });
  }
  return new LocalObjectStore(path.join(config.dataDir, 'store'), { objectLockDays: storage.objectLockDays });
}
