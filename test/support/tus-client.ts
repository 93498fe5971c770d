import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as tus from 'tus-js-client';

export interface TusOutcome {
  ok: boolean;
  status?: number;
  body?: string;
  headers: Record<string, string>;
  url: string | null;
}

/** Uploads a file with tus-js-client as a Node client would (the workstation, the tests). */
export async function tusUpload(
  baseUrl: string,
  file: string,
  metadata: Record<string, string>,
  headers: Record<string, string>,
  o: { uploadUrl?: string; stopAfterBytes?: number; chunkSize?: number } = {},
): Promise<TusOutcome> {
  const size = (await stat(file)).size;
  return new Promise((resolve) => {
    let upload: tus.Upload;
    const opts: tus.UploadOptions = {
      endpoint: `${baseUrl}/api/uploads`,
      uploadUrl: o.uploadUrl ?? null,
      uploadSize: size,
      metadata,
      headers,
      retryDelays: [],
      chunkSize: o.chunkSize ?? Infinity,
      onProgress(sent) {
        if (o.stopAfterBytes !== undefined && sent >= o.stopAfterBytes) {
          void upload.abort().then(() => resolve({ ok: false, headers: {}, url: upload.url }));
        }
      },
      onError(err) {
        const res = (err as tus.DetailedError).originalResponse;
        resolve({ ok: false, status: res?.getStatus(), body: res?.getBody(), headers: {}, url: upload.url });
      },
      onSuccess(payload) {
        const res = payload.lastResponse;
        const h: Record<string, string> = {};
        for (const k of ['X-Recording-Id', 'X-Upload-State', 'X-Content-SHA256', 'X-Content-SM3']) h[k] = res.getHeader(k) ?? '';
        resolve({ ok: true, status: res.getStatus(), headers: h, url: upload.url });
      },
    };
    upload = new tus.Upload(createReadStream(file), opts);
    upload.start();
  });
}
