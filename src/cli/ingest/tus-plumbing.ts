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

const storages = new Map<string, UrlStorage>();

/**
 * The resume state (upload URLs by fingerprint) in `file`, one instance per file with its operations
 * queued: parallel uploads of one run would otherwise contend for its lock file, and tus-js-client's
 * FileUrlStorage gives up after a few short retries. The lock file still guards against other runs.
 */
export function urlStorageFor(file: string): UrlStorage {
  let s = storages.get(file);
  if (!s) {
    const inner = new FileUrlStorage(file);
    let tail: Promise<unknown> = Promise.resolve();
    const queued = <T>(op: () => Promise<T>): Promise<T> => {
      const next = tail.then(op, op);
      tail = next.catch(() => undefined);
      return next;
    };
    s = {
      findAllUploads: () => queued(() => inner.findAllUploads()),
      findUploadsByFingerprint: (fp) => queued(() => inner.findUploadsByFingerprint(fp)),
      removeUpload: (key) => queued(() => inner.removeUpload(key)),
      addUpload: (fp, upload) => queued(() => inner.addUpload(fp, upload)),
    };
    storages.set(file, s);
  }
  return s;
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
