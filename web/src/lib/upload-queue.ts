import { useSyncExternalStore } from 'react';
import * as tus from 'tus-js-client';
import { client, unwrap, ApiError, csrfToken } from '../api/client.ts';
import type { UploadResult } from '../api/shapes.ts';
import { currentLanguage } from '../i18n/language-store.ts';
import { browserSha256 } from './sha256.ts';

/**
 * The upload queue: every file is sent with tus (resumable, 第十条 "same day, even over a bad line").
 * It lives outside React so that uploads keep going while the user moves to another screen, and it
 * stores each upload's URL under tus-js-client's browser fingerprint (name, type, size, modified
 * time) so that after a reload the same file chosen again resumes where it stopped.
 */

export type UploadState = 'waiting' | 'hashing' | 'uploading' | 'stored' | 'duplicate' | 'failed';

/** Why a file failed: a key of the dictionary, or the server's own message (already localized). */
export type UploadFailure =
  | { key: 'upload.networkError' | 'upload.sessionExpired' | 'upload.incomplete' }
  | { key: 'upload.rejected'; params: { code: string } }
  | { message: string };

export interface UploadItem {
  key: string;
  file: File;
  state: UploadState;
  /** Started by the user and waiting for a free slot (as opposed to merely chosen). */
  queued: boolean;
  bytesSent: number;
  /** Bytes the server already held when this upload resumed an earlier, interrupted one. */
  resumedFrom?: number;
  recordingId?: string;
  /** The server's hashes of the stored bytes. */
  sha256?: string;
  sm3?: string;
  /** Our own SHA-256, when the file was small enough to hash in the browser. */
  clientSha256?: string;
  failure?: UploadFailure;
  /** Field errors of the metadata the server refused (shown on the form). */
  errorFields?: Record<string, string>;
}

/** ~8 MB per PATCH: a dropped connection costs at most one chunk, and progress moves steadily. */
const CHUNK_SIZE = 8 * 1024 * 1024;
/** Two files at a time keep the line busy without starving either. */
const CONCURRENCY = 2;

let items: UploadItem[] = [];
let counter = 0;
let active = 0;
const listeners = new Set<() => void>();
/** Waiting files that were started, with the metadata JSON they were started with. */
const metadataOf = new Map<string, string>();

function emit() {
  for (const l of listeners) l();
}
function update(key: string, patch: Partial<UploadItem>) {
  items = items.map((i) => (i.key === key ? { ...i, ...patch } : i));
  emit();
}
const isBusy = (i: UploadItem) => i.state === 'hashing' || i.state === 'uploading' || i.queued;
const sameFile = (a: File, b: File) => a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;

/** Adds chosen files as "waiting". A file already waiting or uploading is not added twice. */
export function addFiles(files: readonly File[]): void {
  const next = [...items];
  for (const file of files) {
    const existing = next.findIndex((i) => sameFile(i.file, file) && (i.state !== 'stored' && i.state !== 'duplicate'));
    if (existing >= 0 && isBusy(next[existing]!)) continue;
    const item: UploadItem = { key: `u${++counter}`, file, state: 'waiting', queued: false, bytesSent: 0 };
    // Choosing a failed file again starts it afresh (it resumes from the server's offset if it can).
    if (existing >= 0) next[existing] = item;
    else next.push(item);
  }
  items = next;
  emit();
}

/** Starts every waiting file with this metadata (JSON of RecordingMetadata). */
export function startWaiting(metadataJson: string): void {
  for (const i of items) if (i.state === 'waiting' && !i.queued) metadataOf.set(i.key, metadataJson);
  items = items.map((i) => (metadataOf.has(i.key) ? { ...i, queued: true } : i));
  emit();
  pump();
}

/** Starts a failed file again. */
export function retry(key: string, metadataJson: string): void {
  metadataOf.set(key, metadataJson);
  update(key, { state: 'waiting', queued: true, failure: undefined, errorFields: undefined });
  pump();
}

export function remove(key: string): void {
  const item = items.find((i) => i.key === key);
  if (!item || isBusy(item)) return;
  items = items.filter((i) => i.key !== key);
  emit();
}

export function clearFinished(): void {
  items = items.filter((i) => i.state !== 'stored' && i.state !== 'duplicate');
  emit();
}

/** True while any file is hashing, uploading or started and waiting for a slot. */
export function hasActiveUploads(list: readonly UploadItem[] = items): boolean {
  return list.some(isBusy);
}

function pump() {
  while (active < CONCURRENCY) {
    const next = items.find((i) => i.state === 'waiting' && metadataOf.has(i.key));
    if (!next) return;
    const metadata = metadataOf.get(next.key)!;
    metadataOf.delete(next.key);
    active++;
    void send(next, metadata).finally(() => {
      active--;
      pump();
    });
  }
}

/** The server's `{code, message, fields}` body of a refused tus request, or why there is none. */
function failureOf(err: Error): { failure: UploadFailure; fields?: Record<string, string>; resumable: boolean } {
  const res = (err as tus.DetailedError).originalResponse;
  const status = res?.getStatus() ?? 0;
  if (!res || status === 0) return { failure: { key: 'upload.networkError' }, resumable: true };
  if (status === 401) return { failure: { key: 'upload.sessionExpired' }, resumable: true };
  try {
    const body = JSON.parse(res.getBody()) as { message?: string; fields?: Record<string, string> };
    if (body.message) return { failure: { message: body.message }, fields: body.fields, resumable: status >= 500 };
  } catch {
    /* not JSON (a proxy's error page): fall through */
  }
  return { failure: status >= 500 ? { key: 'upload.networkError' } : { message: `HTTP ${status}` }, resumable: status >= 500 };
}

/** Forgets the stored upload URLs of a file, so that the next try creates a fresh upload. */
async function forgetStoredUploads(upload: tus.Upload) {
  const storage = tus.defaultOptions.urlStorage;
  const fingerprint = await tus.defaultOptions.fingerprint(upload.file as File, upload.options);
  for (const p of await storage.findUploadsByFingerprint(fingerprint)) await storage.removeUpload(p.urlStorageKey);
}

/** What the upload became, from the last response's headers or, failing those, from the server. */
async function outcome(upload: tus.Upload, res: tus.HttpResponse): Promise<Partial<UploadItem>> {
  const state = res.getHeader('X-Upload-State');
  if (state === 'stored' || state === 'duplicate') {
    return { state, recordingId: res.getHeader('X-Recording-Id'), sha256: res.getHeader('X-Content-SHA256'), sm3: res.getHeader('X-Content-SM3') };
  }
  // A resumed upload the server had already received in full answers the HEAD without those headers.
  const id = upload.url?.split('/').pop();
  const r = id ? await unwrap(client.GET('/api/upload-results/{id}', { params: { path: { id } } })) : undefined;
  if (r && (r.state === 'stored' || r.state === 'duplicate')) return { state: r.state, recordingId: r.recordingId ?? undefined, sha256: r.sha256 ?? undefined, sm3: r.sm3 ?? undefined };
  if (r?.state === 'rejected') {
    // Refused when it completed (e.g. HASH_MISMATCH) while this page was away: start afresh next time.
    await forgetStoredUploads(upload).catch(() => undefined);
    return { state: 'failed', failure: { key: 'upload.rejected', params: { code: r.errorCode ?? '?' } } };
  }
  return { state: 'failed', failure: { key: 'upload.incomplete' } };
}

async function send(item: UploadItem, metadataJson: string): Promise<void> {
  const { key, file } = item;
  update(key, { state: 'uploading', queued: false, bytesSent: 0, failure: undefined, errorFields: undefined, resumedFrom: undefined });
  await new Promise<void>((resolve) => {
    const upload = new tus.Upload(file, {
      endpoint: new URL('/api/uploads', window.location.origin).href,
      chunkSize: CHUNK_SIZE,
      retryDelays: [0, 1000, 3000, 5000],
      metadata: { filename: file.name, metadata: metadataJson },
      headers: { 'x-csrf-token': csrfToken() ?? '', 'Accept-Language': currentLanguage() === 'en' ? 'en' : 'zh-CN' },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onAfterResponse(req, res) {
        // The HEAD of a resumed upload tells how much the server already holds.
        if (req.getMethod() === 'HEAD' && res.getStatus() === 200) update(key, { resumedFrom: Number(res.getHeader('Upload-Offset') ?? 0) });
      },
      onProgress: (sent) => update(key, { bytesSent: sent }),
      onSuccess: ({ lastResponse }) => {
        outcome(upload, lastResponse)
          .then((o) => update(key, { ...o, bytesSent: file.size }))
          .catch((e: unknown) => update(key, { state: 'failed', failure: e instanceof ApiError ? { message: e.message } : { key: 'upload.networkError' } }))
          .finally(resolve);
      },
      onError: (err) => {
        const f = failureOf(err);
        update(key, { state: 'failed', failure: f.failure, errorFields: f.fields });
        // A refused upload (bad metadata, hash mismatch) cannot be resumed: the next try starts afresh.
        const forget = f.resumable ? Promise.resolve() : forgetStoredUploads(upload).catch(() => undefined);
        void forget.finally(resolve);
      },
    });
    void (async () => {
      const previous = await upload.findPreviousUploads().catch(() => []);
      const latest = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
      if (latest) {
        // The server kept the metadata (and client hash) given when this upload was created.
        upload.resumeFromPreviousUpload(latest);
      } else {
        update(key, { state: 'hashing' });
        const sha256 = await browserSha256(file).catch(() => undefined);
        if (sha256) upload.options.metadata = { ...upload.options.metadata, sha256 };
        update(key, { state: 'uploading', clientSha256: sha256 });
      }
      upload.start();
    })();
  });
}

// Leaving the page stops the uploads (they resume later); the browser asks first.
window.addEventListener('beforeunload', (e) => {
  if (hasActiveUploads()) e.preventDefault();
});

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The queue's files and their states, re-rendering as they change. */
export function useUploadQueue(): UploadItem[] {
  return useSyncExternalStore(subscribe, () => items);
}
