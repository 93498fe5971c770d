import type { EntryLocation } from '../core/zip-reader.ts';

/** What verify.html's page sends its hashing workers: one digest of one entry of the package file. */
export interface HashTask extends EntryLocation {
  id: number;
  alg: 'sha256' | 'sm3';
  /** The package (a File: structured-cloned as a handle, not copied). */
  file: Blob;
}

/** A worker's answer: progress (bytes so far), then `hex` when done or `error`. */
export interface HashWorkerReply {
  id: number;
  bytes: number;
  hex?: string;
  error?: string;
}
