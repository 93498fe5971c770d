import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as tus from 'tus-js-client';
import { describeErrorBody } from './api-client.ts';
import { idleTimeoutStack, reportingFileReader, urlStorageFor } from './tus-plumbing.ts';

/**
 * Bytes per PATCH request. Smaller requests mean less to resend when a connection drops and stay under
 * proxy body limits; larger ones cost fewer round trips. 64 MiB is ~1 s on a gigabit link.
 */
const CHUNK_BYTES = 64 * 1024 * 1024;
/** Waits between retries of a failed request (network errors, 5xx, 423 locked); 4xx errors are final. */
const RETRY_DELAYS_MS = [0, 1_000, 3_000, 5_000, 10_000, 20_000];

/** What the server answered to the last request of a finished upload. */
export interface TusDone {
  /** The upload's id on the server (last segment of its URL). */
  uploadId: string;
  /** `X-Upload-State`: stored or duplicate. Absent when the upload had already been finished earlier. */
  state?: string;
  recordingId?: string;
  sha256?: string;
  sm3?: string;
  /** True when this run continued an upload an earlier run had started. */
  resumed: boolean;
}

/** An upload the server refused or that could not be completed. */
export class UploadFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TusUploadInput {
  endpoint: string;
  file: string;
  sizeBytes: number;
  fileName: string;
  /** Local SHA-256: the server compares it with what it received and refuses a mismatch. */
  sha256: string;
  /** The recording metadata JSON. */
  metadata: string;
  headers: Readonly<Record<string, string>>;
  /** JSON file with the URLs of unfinished uploads (outside the card). */
  stateFile: string;
  /** Who uploads: another user cannot continue this user's upload, so their state is kept apart. */
  userId: string;
  onProgress(sent: number, total: number): void;
  signal: AbortSignal;
}

function failureOf(err: Error): UploadFailed {
  const d = err as tus.DetailedError;
  const res = d.originalResponse;
  if (!res) return new UploadFailed('NETWORK', d.causingError?.message ?? err.message);
  const { code, message } = describeErrorBody(res.getStatus(), res.getBody());
  return new UploadFailed(code, message);
}

/**
 * Uploads one file by tus, continuing an unfinished upload of the same content, user, server and
 * metadata when an earlier run left one (the upload URL is kept in `stateFile`). The fingerprint holds
 * the content hash rather than the path, so a card mounted at another path still resumes; it holds the
 * metadata hash, so changed flags start a fresh upload instead of silently keeping the old metadata.
 */
export function tusUploadFile(i: TusUploadInput): Promise<TusDone> {
  const metaHash = createHash('sha256').update(i.metadata).digest('hex').slice(0, 16);
  const fingerprint = `quanlu-ingest::${i.endpoint}::${i.userId}::${i.sha256}::${i.sizeBytes}::${metaHash}`;
  return new Promise<TusDone>((resolve, reject) => {
    let previousUrl: string | null = null;
    let settled = false;
    // tus-js-client reads slices by path; this stream only names the file, and is closed when done.
    const source = createReadStream(i.file);
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      i.signal.removeEventListener('abort', onAbort);
      source.destroy();
      outcome();
    };
    const stopWith = (e: UploadFailed) => void upload.abort(false).finally(() => settle(() => reject(e)));
    const onReadError = (e: Error) => stopWith(new UploadFailed('READ_ERROR', `读取文件失败（存储卡被拔出？） / cannot read the file (card removed?): ${e.message}`));
    source.on('error', onReadError);
    const upload = new tus.Upload(source, {
      endpoint: i.endpoint,
      uploadSize: i.sizeBytes,
      metadata: { filename: i.fileName, sha256: i.sha256, metadata: i.metadata },
      headers: { ...i.headers },
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      urlStorage: urlStorageFor(i.stateFile),
      httpStack: idleTimeoutStack(),
      fileReader: reportingFileReader(onReadError),
      fingerprint: async () => fingerprint,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => i.onProgress(sent, total),
      onError: (err) => settle(() => reject(failureOf(err))),
      onSuccess: ({ lastResponse: res }) =>
        settle(() => {
          const h = (name: string) => res.getHeader(name) || undefined;
          resolve({
            uploadId: (upload.url ?? '').split('/').pop() ?? '',
            state: h('X-Upload-State'),
            recordingId: h('X-Recording-Id'),
            sha256: h('X-Content-SHA256')?.toLowerCase(),
            sm3: h('X-Content-SM3')?.toLowerCase(),
            // A stored URL the server no longer knew makes tus-js-client start afresh: not a resume.
            resumed: previousUrl !== null && previousUrl === upload.url,
          });
        }),
    });
    // Abort leaves the upload resumable (no terminate): the next run continues it.
    const onAbort = () => stopWith(new UploadFailed('INTERRUPTED', '已中断，下次运行将续传 / interrupted; the next run resumes it'));
    if (i.signal.aborted) return onAbort();
    i.signal.addEventListener('abort', onAbort, { once: true });
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (settled) return;
        const last = previous.sort((a, b) => (a.creationTime < b.creationTime ? 1 : -1))[0];
        if (last) {
          previousUrl = last.uploadUrl;
          upload.resumeFromPreviousUpload(last);
        }
        upload.start();
      })
      .catch((e: Error) => settle(() => reject(new UploadFailed('RESUME_STATE', `续传记录不可读 / resume state unreadable: ${e.message}`))));
  });
}
