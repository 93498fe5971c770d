import type { ClientRequest } from 'node:http';
import * as tus from 'tus-js-client';

type UrlStorage = NonNullable<tus.UploadOptions['urlStorage']>;
type HttpStack = NonNullable<tus.UploadOptions['httpStack']>;

/** The Node build ships FileUrlStorage, but its type declarations omit it. */
const { FileUrlStorage } = tus as unknown as { FileUrlStorage: new (file: string) => UrlStorage };

/**
 * A request that sends or receives nothing for this long is dropped and retried. Generous, because
 * the final PATCH waits while the server hashes a file it could not hash in-stream (after a server
 * restart: minutes for tens of GB); without any limit a pulled cable would stall a lane for good.
 */
const IDLE_TIMEOUT_MS = 5 * 60_000;

const onStateError = (e: Error) =>
  process.stderr.write(`警告 Warning: 续传状态未能保存（上传不受影响） / could not save the resume state (the upload is unaffected): ${e.message}\n`);

/** The key given for an upload whose resume state could not be saved. */
const UNSAVED = 'unsaved::';

const storages = new Map<string, { storage: UrlStorage; settled: () => Promise<unknown> }>();

/** How long a held lock is waited for: proper-lockfile treats a lock older than 10 s as stale and takes it over. */
const LOCK_WAIT_MS = 15_000;

/** `op`, tried again while another process holds the state file's lock (ELOCKED), for up to LOCK_WAIT_MS. */
async function whileLocked<T>(op: () => Promise<T>): Promise<T> {
  const until = Date.now() + LOCK_WAIT_MS;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    try {
      return await op();
    } catch (e) {
      if ((e as { code?: string }).code !== 'ELOCKED' || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/**
 * The resume state (upload URLs by fingerprint) in `file`, one instance per file with its operations
 * queued: parallel uploads of one run would otherwise contend for its lock file, and tus-js-client's
 * FileUrlStorage gives up after a few short retries. The lock file still guards against other runs;
 * a lock held by another run (or left by one that was killed) is waited out.
 *
 * Failing to save resume state never fails an upload: tus-js-client does not catch that rejection
 * (it would end the process), and the upload itself is fine — only a later resume would start over.
 * It is reported on stderr.
 */
export function urlStorageFor(file: string): UrlStorage {
  let s = storages.get(file);
  if (!s) {
    const inner = new FileUrlStorage(file);
    let tail: Promise<unknown> = Promise.resolve();
    const queued = <T>(op: () => Promise<T>): Promise<T> => {
      const next = tail.then(() => whileLocked(op), () => whileLocked(op));
      tail = next.catch(() => undefined);
      return next;
    };
    const storage: UrlStorage = {
      findAllUploads: () => queued(() => inner.findAllUploads()),
      findUploadsByFingerprint: (fp) => queued(() => inner.findUploadsByFingerprint(fp)),
      removeUpload: (key) =>
        key.startsWith(UNSAVED) ? Promise.resolve() : queued(() => inner.removeUpload(key)).catch((e: Error) => void onStateError(e)),
      addUpload: (fp, upload) =>
        queued(() => inner.addUpload(fp, upload)).catch((e: Error) => {
          onStateError(e);
          return `${UNSAVED}${fp}`;
        }),
    };
    s = { storage, settled: () => tail };
    storages.set(file, s);
  }
  return s.storage;
}

/**
 * Waits for every queued resume-state write. tus-js-client removes a finished upload's entry without
 * waiting; exiting before that write ends would leave its lock directory behind for the next run.
 */
export async function settleUrlStorages(): Promise<void> {
  await Promise.all([...storages.values()].map((s) => s.settled()));
}

/** tus-js-client's Node HTTP stack, with an idle timeout on every request (it has none of its own). */
export function idleTimeoutStack(): HttpStack {
  const inner = new tus.DefaultHttpStack({});
  return {
    getName: () => 'quanlu-idle-timeout',
    createRequest(method, url) {
      const req = inner.createRequest(method, url);
      const send = req.send.bind(req);
      req.send = (body: unknown) => {
        const sent = send(body);
        // send() creates the ClientRequest synchronously, so it exists now.
        const raw = req.getUnderlyingObject() as ClientRequest | null;
        raw?.setTimeout(IDLE_TIMEOUT_MS, () => raw.destroy(new Error(`no response for ${IDLE_TIMEOUT_MS / 1000} s`)));
        return sent;
      };
      return req;
    },
  };
}

/**
 * tus-js-client's Node file reader, with read errors reported instead of lost: it pipes each slice
 * into the request without an error listener, so a card pulled mid-upload would crash the process or
 * stall the request. `onReadError` gets the first such error (the caller aborts the upload).
 */
export function reportingFileReader(onReadError: (e: Error) => void): NonNullable<tus.UploadOptions['fileReader']> {
  const inner = tus.defaultOptions.fileReader;
  return {
    async openFile(input: unknown, chunkSize: number) {
      const source = await inner.openFile(input, chunkSize);
      return {
        size: source.size,
        close: () => source.close(),
        async slice(start: number, end: number) {
          const r = await source.slice(start, end);
          (r.value as NodeJS.EventEmitter | undefined)?.on?.('error', onReadError);
          return r;
        },
      };
    },
  };
}
