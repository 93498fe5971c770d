import path from 'node:path';
import type { Config } from '../config/config.ts';
import { LocalObjectStore } from './local-object-store.ts';
import type { ObjectStore } from './object-store.ts';

/** The object store of this configuration: a folder in the data dir (S3 comes with the cluster release). */
export function openObjectStore(config: Config): ObjectStore {
  return new LocalObjectStore(path.join(config.dataDir, 'store'));
}
